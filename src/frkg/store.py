"""Load Turtle files into one read-only pyoxigraph store, re-basing IRIs to the serving base.

Each file goes into a named graph of its own (``{base}graph/{kind}/{path}``), so a triple can be
traced back to the file it came from; queries see the union of all graphs as the default graph.
After loading, the inverse of every ``owl:inverseOf`` pair the ontology declares is materialised
into ``{base}graph/inferred``, so that links can be followed both ways.
The store is in memory here (:func:`load`); :mod:`frkg.ondisk` builds the same graphs in a
persistent store (``frkg load --store``) and :mod:`frkg.remote` reads them from a SPARQL endpoint.
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


class BackendError(Exception):
    """The store could not answer (a remote SPARQL endpoint, :mod:`frkg.remote`); the message
    is meant for the user."""


class BackendTimeout(BackendError):
    """The store did not answer within the time limit."""


class BackendUnavailable(BackendError):
    """The store cannot be reached, or says it is overloaded; trying again later may work."""


class BackendRefused(BackendError):
    """The store answered with an error (it refused or could not evaluate a query), or with an
    answer it says is incomplete."""


@dataclass(frozen=True)
class LoadedFile:
    """One loaded file: where it came from, which named graph holds it, how many triples."""

    path: Path
    kind: str
    graph: str
    triples: int
    seconds: float


#: Where a knowledge graph's store lives: loaded into memory from the files, a persistent
#: on-disk store built by ``frkg load --store`` (:mod:`frkg.ondisk`), or a remote SPARQL 1.1
#: endpoint (:mod:`frkg.remote`).
BACKENDS = ("memory", "disk", "sparql")


@dataclass
class KnowledgeGraph:
    """The loaded, read-only dataset and what is known about its provenance.

    ``store`` is a pyoxigraph ``Store``, or an object with the part of its API this package uses
    (``query``, ``quads_for_pattern``, ``named_graphs``) for the other backends.
    """

    store: ox.Store
    base: str
    files: list[LoadedFile]
    version: str
    modified: datetime
    inferred_graph: str = ""
    backend: str = "memory"
    #: The on-disk store's folder or the endpoint's URL ("" in memory).
    location: str = ""
    _graphs_by_kind: dict[str, list[ox.NamedNode]] = field(default_factory=dict, repr=False)

    def graphs(self, *kinds: str) -> list[ox.NamedNode]:
        """Named graphs holding the files of the given kinds (all kinds when none given)."""
        kinds = kinds or KINDS
        return [ox.NamedNode(f.graph) for f in self.files if f.kind in kinds]

    def content_graphs(self) -> list[ox.NamedNode]:
        """Every named graph of the dataset: one per file, and the inferred links."""
        inferred = [ox.NamedNode(self.inferred_graph)] if self.inferred_graph else []
        return self.graphs() + inferred

    @contextmanager
    def indexing(self) -> Iterator[None]:
        """Build the per-load indexes inside this block: from a local snapshot of the data when
        the store is remote (one download instead of thousands of round trips)."""
        snapshot = getattr(self.store, "snapshot", None)
        if snapshot is None:
            yield
            return
        remote, self.store = self.store, snapshot()
        try:
            yield
        finally:
            self.store = remote

    def release(self) -> None:
        """Let go of this process's handle on the store (a server's master calls it before it
        forks its workers, which open their own); the next use opens it again."""
        release = getattr(self.store, "release", None)
        if release is not None:
            release()

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
    return load_files(sources(settings), settings.serving_base, progress)


def open_configured(settings: Settings) -> KnowledgeGraph:
    """The knowledge graph ``settings`` name: the on-disk store (``FRKG_STORE``), the SPARQL
    endpoint (``FRKG_SPARQL_ENDPOINT``), or else the files, loaded into memory.

    A store or endpoint holds the IRIs of one base: theirs, unless ``FRKG_BASE_IRI`` asks for one
    (then they must hold a load under it). Raises :class:`LoadError`,
    :class:`~frkg.ondisk.StoreError`, :class:`~frkg.loadrecord.RecordError` or
    :class:`BackendError` saying what is wrong.
    """
    base = settings.serving_base if settings.base_iri else None
    if settings.store:
        from frkg import ondisk

        return ondisk.open_store(settings.store, base)
    if settings.sparql_endpoint:
        from frkg import remote

        return remote.connect(settings.sparql_endpoint, base, timeout=settings.sparql_timeout)
    return load(settings)


def sources(settings: Settings) -> dict[str, list[Path]]:
    """The files ``settings`` name, by kind, in load order."""
    return {
        "ontology": expand_paths(settings.ontology),
        "data": expand_paths(settings.data),
        "shapes": expand_paths(settings.shapes),
    }


@dataclass(frozen=True)
class PlannedFile:
    """A file to load: its kind and the named graph it goes into."""

    kind: str
    path: Path
    graph: ox.NamedNode


def plan(sources: dict[str, list[Path]], base: str) -> list[PlannedFile]:
    """The files of ``sources`` in load order, each with its graph ``{base}graph/{kind}/{stem}``."""
    planned: list[PlannedFile] = []
    used_names: set[str] = set()
    for kind, paths in sources.items():
        for path in paths:
            name = f"{kind}/{path.stem}"
            while name in used_names:  # two files with one stem in different folders
                name += "-2"
            used_names.add(name)
            planned.append(PlannedFile(kind, path, ox.NamedNode(f"{base}{GRAPH_PATH}{name}")))
    return planned


class Fingerprint:
    """The data version (for ETags) and the newest modification time of the files of a load.

    The version is a hash of the base and of every file's kind, name and bytes, in load order:
    the same files under the same base give the same version, whichever store holds them.
    """

    def __init__(self, base: str) -> None:
        self._digest = hashlib.sha256(base.encode())
        self._newest = 0.0

    def start(self, item: PlannedFile) -> None:
        """Begin a file (its bytes follow with :meth:`update`)."""
        self._digest.update(f"\0{item.kind}\0{item.path.name}\0".encode())
        try:
            self._newest = max(self._newest, item.path.stat().st_mtime)
        except OSError:
            pass  # reading it fails next, with the reason

    def update(self, data: bytes) -> None:
        """Add bytes of the current file."""
        self._digest.update(data)

    @property
    def version(self) -> str:
        """16 hex digits of the hash."""
        return self._digest.hexdigest()[:16]

    @property
    def modified(self) -> datetime:
        """The newest file's modification time, to the second."""
        return datetime.fromtimestamp(int(self._newest), UTC)


def inferred_graph(base: str) -> str:
    """The graph of the links materialised from ``owl:inverseOf``: ``{base}graph/inferred``."""
    return f"{base}{GRAPH_PATH}inferred"


def load_files(
    sources: dict[str, list[Path]], base: str, progress: ProgressCallback | None = None
) -> KnowledgeGraph:
    """Load files grouped by kind (``ontology``, ``data``, ``shapes``) under serving ``base``."""
    store = ox.Store()
    fingerprint = Fingerprint(base)
    loaded: list[LoadedFile] = []
    for item in plan(sources, base):
        started = time.perf_counter()
        fingerprint.start(item)
        content = _read(item.path)
        fingerprint.update(content)
        count = _parse_into(store, item.path, content, item.graph, base)
        done = LoadedFile(
            item.path, item.kind, item.graph.value, count, time.perf_counter() - started
        )
        loaded.append(done)
        if progress:
            progress(done)
    inferred = inferred_graph(base)
    materialise_inverses(store, inferred)
    return KnowledgeGraph(
        store=store,
        base=base,
        files=loaded,
        version=fingerprint.version,
        modified=fingerprint.modified,
        inferred_graph=inferred,
    )


def _read(path: Path) -> bytes:
    with read_errors_named(path):
        return path.read_bytes()


@contextmanager
def read_errors_named(path: Path) -> Iterator[None]:
    """Turn the errors of reading ``path`` into a :class:`LoadError` that says what went wrong."""
    try:
        yield
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


def rdf_format(path: Path) -> ox.RdfFormat:
    """The RDF syntax of a file, from its suffix; :class:`LoadError` for an unknown suffix."""
    fmt = RDF_SUFFIXES.get(path.suffix)
    if fmt is None:
        raise LoadError(
            path,
            f"unknown RDF file suffix {path.suffix!r}; "
            f"expected one of {', '.join(sorted(RDF_SUFFIXES))}",
        )
    return fmt


@contextmanager
def parse_errors_named(path: Path) -> Iterator[None]:
    """Turn the parser's exceptions into a :class:`LoadError` naming file, line and column."""
    try:
        yield
    except SyntaxError as e:
        line, column = _position(e)
        raise LoadError(path, _syntax_message(e), line, column) from None
    except (ValueError, UnicodeDecodeError) as e:
        raise LoadError(path, str(e)) from None


def _parse(path: Path, content: bytes) -> list[ox.Quad]:
    fmt = rdf_format(path)
    with parse_errors_named(path):
        return list(ox.parse(content, format=fmt, base_iri=CANONICAL_BASE, rename_blank_nodes=True))


def _parse_into(store: ox.Store, path: Path, content: bytes, graph: ox.NamedNode, base: str) -> int:
    if base == CANONICAL_BASE:
        # Nothing to re-base: let pyoxigraph parse straight into the store (about twice as fast
        # as building the quads in Python; it renames blank nodes per load, too).
        fmt = rdf_format(path)
        with parse_errors_named(path):
            store.load(content, format=fmt, base_iri=CANONICAL_BASE, to_graph=graph)
    else:
        store.extend(list(rebase(_parse(path, content), graph, CANONICAL_BASE, base)))
    return count_triples(store, graph)


def count_triples(store: ox.Store, graph: ox.NamedNode) -> int:
    """How many triples ``graph`` holds in ``store``."""
    (row,) = store.query(f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}")
    return int(row["n"].value)


def rebase(quads: Iterable[ox.Quad], graph: ox.NamedNode, old: str, new: str) -> Iterator[ox.Quad]:
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


def materialise_inverses(store: ox.Store, inferred: str, bulk: bool = False) -> None:
    """Add to graph ``inferred`` the inverse of every link whose property the loaded ontology
    declares ``owl:inverseOf`` another, unless the data already states it.

    ``bulk`` (an on-disk store being built): each property's inverse links are found with a query
    and written with ``bulk_extend``, which skips the transaction log (a SPARQL ``INSERT`` on a
    million-triple store on disk took as long as loading it). Either way each property is done in
    turn and sees the links added for the ones before it, as a sequence of updates would.
    """
    pairs = {
        (s["p"].value, s["q"].value)
        for s in store.query(f"SELECT ?p ?q {{ GRAPH ?g {{ ?p <{OWL_INVERSE_OF}> ?q }} }}")
        if isinstance(s["p"], ox.NamedNode) and isinstance(s["q"], ox.NamedNode)
    }
    graph = ox.NamedNode(inferred)
    for p, q in sorted(pairs | {(q, p) for p, q in pairs}):
        where = (
            f"WHERE {{ GRAPH ?g {{ ?s <{p}> ?o }} FILTER(!isLiteral(?o)) "
            f"FILTER NOT EXISTS {{ GRAPH ?h {{ ?o <{q}> ?s }} }} }}"
        )
        if not bulk:
            store.update(f"INSERT {{ GRAPH <{inferred}> {{ ?o <{q}> ?s }} }} {where}")
            continue
        inverse = ox.NamedNode(q)
        found = [
            ox.Quad(r["o"], inverse, r["s"], graph) for r in store.query(f"SELECT ?s ?o {where}")
        ]
        store.bulk_extend(found)


def entity_slug(iri: str, base: str) -> str | None:
    """The slug of an entity IRI under ``base`` (``{base}id/{slug}``), or None."""
    prefix = f"{base}id/"
    return iri[len(prefix) :] if iri.startswith(prefix) else None
