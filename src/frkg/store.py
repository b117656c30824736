"""Load Turtle files into one read-only pyoxigraph store, re-basing IRIs to the serving base.

Each file goes into a named graph of its own (``{base}graph/{kind}/{path}``), so a triple can be
traced back to the file it came from; queries see the union of all graphs as the default graph.
After loading, the inverse of every ``owl:inverseOf`` pair the ontology declares is materialised
into ``{base}graph/inferred``, so that links can be followed both ways.
Nothing here imports Flask; nothing writes to the store once :func:`load` returns.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from frkg import CANONICAL_BASE
from frkg.config import Settings, expand_paths
from frkg.namespaces import GRAPH_PATH

KINDS = ("ontology", "data", "shapes")
RDF_SUFFIXES = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
}
OWL_INVERSE_OF = "http://www.w3.org/2002/07/owl#inverseOf"


class LoadError(Exception):
    """A file could not be read or parsed: names the file, and line and column for syntax errors."""

    def __init__(
        self, path: Path | str, message: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.path, self.message, self.line, self.column = Path(path), message, line, column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class LoadedFile:
    """One loaded file: where it came from, which named graph holds it, how many triples."""

    path: Path
    kind: str
    graph: str
    triples: int
    seconds: float


@dataclass
class KnowledgeGraph:
    """The loaded, read-only dataset and what is known about its provenance."""

    store: ox.Store
    base: str
    files: list[LoadedFile]
    version: str
    modified: datetime
    inferred_graph: str = ""
    _graphs_by_kind: dict[str, list[ox.NamedNode]] = field(default_factory=dict, repr=False)

    def graphs(self, *kinds: str) -> list[ox.NamedNode]:
        """Named graphs holding the files of the given kinds (all kinds when none given)."""
        kinds = kinds or KINDS
        return [ox.NamedNode(f.graph) for f in self.files if f.kind in kinds]

    def file_of_graph(self, graph: str) -> Path | None:
        """The file a named graph was loaded from."""
        return next((f.path for f in self.files if f.graph == graph), None)

    @property
    def triple_count(self) -> int:
        """Triples in the loaded files (inferred triples not counted)."""
        return sum(f.triples for f in self.files)


ProgressCallback = Callable[[LoadedFile], None]


def load(settings: Settings, progress: ProgressCallback | None = None) -> KnowledgeGraph:
    """Load the ontology, data and shapes named by ``settings`` into a new in-memory store.

    Raises :class:`LoadError` for the first file that cannot be read or parsed; in that case
    nothing is returned, so a server never starts on half a dataset.
    """
    sources = {
        "ontology": expand_paths(settings.ontology),
        "data": expand_paths(settings.data),
        "shapes": expand_paths(settings.shapes),
    }
    return load_files(sources, settings.serving_base, progress)


def load_files(
    sources: dict[str, list[Path]], base: str, progress: ProgressCallback | None = None
) -> KnowledgeGraph:
    """Load files grouped by kind (``ontology``, ``data``, ``shapes``) under serving ``base``."""
    store = ox.Store()
    digest = hashlib.sha256(base.encode())
    loaded: list[LoadedFile] = []
    used_names: set[str] = set()
    newest = 0.0
    for kind, paths in sources.items():
        for path in paths:
            started = time.perf_counter()
            content = _read(path)
            digest.update(f"\0{kind}\0{path.name}\0".encode())
            digest.update(content)
            newest = max(newest, path.stat().st_mtime)
            name = f"{kind}/{path.stem}"
            while name in used_names:  # two files with one stem in different folders
                name += "-2"
            used_names.add(name)
            graph = ox.NamedNode(f"{base}{GRAPH_PATH}{name}")
            count = _parse_into(store, path, content, graph, base)
            item = LoadedFile(path, kind, graph.value, count, time.perf_counter() - started)
            loaded.append(item)
            if progress:
                progress(item)
    inferred = f"{base}{GRAPH_PATH}inferred"
    _materialise_inverses(store, inferred)
    return KnowledgeGraph(
        store=store,
        base=base,
        files=loaded,
        version=digest.hexdigest()[:16],
        modified=datetime.fromtimestamp(int(newest), UTC),
        inferred_graph=inferred,
    )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise LoadError(path, "no such file") from None
    except IsADirectoryError:
        raise LoadError(path, "is a directory, expected an RDF file") from None
    except OSError as e:
        raise LoadError(path, f"cannot be read: {e.strerror or e}") from None


def parse_file(path: Path) -> list[ox.Quad]:
    """The triples of one RDF file exactly as written (canonical base, blank nodes made unique).

    Raises :class:`LoadError` like :func:`load`. Unlike the store, which keeps literals in canonical
    form (``"-1"^^xsd:nonNegativeInteger`` is stored as ``"-1"^^xsd:integer``), this keeps every
    literal's lexical form and datatype, so validation sees what the file says.
    """
    return _parse(path, _read(path))


def _format(path: Path) -> ox.RdfFormat:
    fmt = RDF_SUFFIXES.get(path.suffix)
    if fmt is None:
        raise LoadError(
            path,
            f"unknown RDF file suffix {path.suffix!r}; "
            f"expected one of {', '.join(sorted(RDF_SUFFIXES))}",
        )
    return fmt


@contextmanager
def _parse_errors_named(path: Path) -> Iterator[None]:
    """Turn the parser's exceptions into a :class:`LoadError` naming file, line and column."""
    try:
        yield
    except SyntaxError as e:
        line, column = _position(e)
        raise LoadError(path, _syntax_message(e), line, column) from None
    except (ValueError, UnicodeDecodeError) as e:
        raise LoadError(path, str(e)) from None


def _parse(path: Path, content: bytes) -> list[ox.Quad]:
    fmt = _format(path)
    with _parse_errors_named(path):
        return list(ox.parse(content, format=fmt, base_iri=CANONICAL_BASE, rename_blank_nodes=True))


def _parse_into(store: ox.Store, path: Path, content: bytes, graph: ox.NamedNode, base: str) -> int:
    if base == CANONICAL_BASE:
        # Nothing to re-base: let pyoxigraph parse straight into the store (about twice as fast
        # as building the quads in Python; it renames blank nodes per load, too).
        fmt = _format(path)
        with _parse_errors_named(path):
            store.load(content, format=fmt, base_iri=CANONICAL_BASE, to_graph=graph)
    else:
        store.extend(list(_rebase(_parse(path, content), graph, CANONICAL_BASE, base)))
    (row,) = store.query(f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}")
    return int(row["n"].value)


def _rebase(quads: Iterable[ox.Quad], graph: ox.NamedNode, old: str, new: str) -> Iterator[ox.Quad]:
    """Quads with every IRI under ``old`` moved under ``new`` (DESIGN.md section 3)."""
    n = len(old)
    cache: dict[str, ox.NamedNode] = {}

    def move(term):
        if isinstance(term, ox.NamedNode) and term.value.startswith(old):
            moved = cache.get(term.value)
            if moved is None:
                moved = cache[term.value] = ox.NamedNode(new + term.value[n:])
            return moved
        return term

    for q in quads:
        yield ox.Quad(move(q.subject), move(q.predicate), move(q.object), graph)


def _position(e: SyntaxError) -> tuple[int | None, int | None]:
    if e.lineno is not None:
        return e.lineno, e.offset
    return None, None


def _syntax_message(e: SyntaxError) -> str:
    message = e.msg if isinstance(e.msg, str) else str(e)
    # pyoxigraph prefixes "Parser error at line L column C: " and may suffix " (line L)".
    if message.startswith("Parser error at line") and ": " in message:
        message = message.split(": ", 1)[1]
    return "syntax error: " + message.rsplit(" (line ", 1)[0]


def _materialise_inverses(store: ox.Store, inferred: str) -> None:
    pairs = {
        (s["p"].value, s["q"].value)
        for s in store.query(f"SELECT ?p ?q {{ GRAPH ?g {{ ?p <{OWL_INVERSE_OF}> ?q }} }}")
        if isinstance(s["p"], ox.NamedNode) and isinstance(s["q"], ox.NamedNode)
    }
    for p, q in pairs | {(q, p) for p, q in pairs}:
        store.update(
            f"INSERT {{ GRAPH <{inferred}> {{ ?o <{q}> ?s }} }} "
            f"WHERE {{ GRAPH ?g {{ ?s <{p}> ?o }} FILTER(!isLiteral(?o)) "
            f"FILTER NOT EXISTS {{ GRAPH ?h {{ ?o <{q}> ?s }} }} }}"
        )


def entity_slug(iri: str, base: str) -> str | None:
    """The slug of an entity IRI under ``base`` (``{base}id/{slug}``), or None."""
    prefix = f"{base}id/"
    return iri[len(prefix) :] if iri.startswith(prefix) else None
