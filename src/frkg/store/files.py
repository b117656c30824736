"""Turtle (and other RDF) files into a pyoxigraph store: the one loading loop of every backend.

:func:`fill` plans the files (each into a named graph of its own, ``{base}graph/{kind}/{stem}``,
so a triple can be traced back to its file), hashes their bytes into the data version, parses
each into its graph (re-basing IRIs when the serving base is not the canonical one, DESIGN.md
section 3), reports progress, and then materialises the inverse of every ``owl:inverseOf`` pair
into ``{base}graph/inferred``. The in-memory store (:mod:`frkg.store.memory`) and the on-disk
store (:mod:`frkg.store.ondisk`) both load through it; they differ only in how pyoxigraph
writes (transactions in memory, the bulk loader on disk).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from frkg import CANONICAL_BASE
from frkg.config import Settings, expand_paths
from frkg.namespaces import GRAPH_PATH
from frkg.store.base import LoadedFile, LoadError, count_triples, inferred_graph

RDF_SUFFIXES = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
}
OWL_INVERSE_OF = "http://www.w3.org/2002/07/owl#inverseOf"

ProgressCallback = Callable[[LoadedFile], None]


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


@dataclass(frozen=True)
class Filled:
    """What :func:`fill` put into a store."""

    files: list[LoadedFile]
    version: str
    modified: datetime
    inferred_graph: str


class _Reader:
    """A file read by the parser that feeds the data version and reports how far it got."""

    def __init__(
        self, f: BinaryIO, fingerprint: Fingerprint, advance: Callable[[int], None] | None
    ) -> None:
        self._f, self._fingerprint, self._advance = f, fingerprint, advance

    def read(self, size: int = -1) -> bytes:
        data = self._f.read(size)
        if data:
            self._fingerprint.update(data)
            if self._advance is not None:
                self._advance(len(data))
        return data

    def drain(self) -> None:
        """Read what the parser left (it may stop before trailing white space)."""
        while self.read(1 << 16):
            pass


def fill(
    store: ox.Store,
    sources: dict[str, list[Path]],
    base: str,
    *,
    bulk: bool = False,
    progress: ProgressCallback | None = None,
    advance: Callable[[int], None] | None = None,
) -> Filled:
    """Load the files of ``sources`` (by kind, in load order) into ``store`` under ``base``.

    ``bulk``: write with pyoxigraph's bulk loader (an on-disk store being built), else in
    transactions. ``progress`` is called after each file, ``advance`` with each number of bytes
    read. Raises :class:`~frkg.store.base.LoadError` for the first file that cannot be read or
    parsed.
    """
    fingerprint = Fingerprint(base)
    loaded: list[LoadedFile] = []
    for item in plan(sources, base):
        started = time.perf_counter()
        fingerprint.start(item)
        fmt = rdf_format(item.path)
        with read_errors_named(item.path):
            f = open(item.path, "rb")  # noqa: SIM115 - closed by the with below
        with f:
            reader = _Reader(f, fingerprint, advance)
            with read_errors_named(item.path), parse_errors_named(item.path):
                if base == CANONICAL_BASE:
                    # Nothing to re-base: pyoxigraph parses straight into the store (about twice
                    # as fast as building the quads in Python; it renames blank nodes per load).
                    write = store.bulk_load if bulk else store.load
                    write(reader, fmt, base_iri=CANONICAL_BASE, to_graph=item.graph)
                else:
                    parsed = ox.parse(
                        reader, format=fmt, base_iri=CANONICAL_BASE, rename_blank_nodes=True
                    )
                    moved = rebase(parsed, item.graph, CANONICAL_BASE, base)
                    (store.bulk_extend if bulk else store.extend)(moved)
                reader.drain()
        done = LoadedFile(
            item.path,
            item.kind,
            item.graph.value,
            count_triples(store, item.graph),
            time.perf_counter() - started,
        )
        loaded.append(done)
        if progress is not None:
            progress(done)
    inferred = inferred_graph(base)
    materialise_inverses(store, inferred, bulk=bulk)
    return Filled(loaded, fingerprint.version, fingerprint.modified, inferred)


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

    Raises :class:`LoadError` like :func:`fill`. Unlike the store, which keeps literals in
    canonical form (``"-1"^^xsd:nonNegativeInteger`` is stored as ``"-1"^^xsd:integer``), this
    keeps every literal's lexical form and datatype, so validation sees what the file says.
    """
    fmt = rdf_format(path)
    with read_errors_named(path):
        content = path.read_bytes()
    with parse_errors_named(path):
        return list(ox.parse(content, format=fmt, base_iri=CANONICAL_BASE, rename_blank_nodes=True))


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
        line, column = (e.lineno, e.offset) if e.lineno is not None else (None, None)
        raise LoadError(path, _syntax_message(e), line, column) from None
    except (ValueError, UnicodeDecodeError) as e:
        raise LoadError(path, str(e)) from None
    except MemoryError as e:
        # pyoxigraph's parsers read one term into a buffer of at most 16 MiB, and say so with a
        # MemoryError ("Reached the buffer maximal size"): a literal longer than that.
        raise LoadError(path, f"a term is longer than the parser can read ({e})") from None


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
