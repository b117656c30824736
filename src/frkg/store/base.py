"""What every store backend shares: the loaded knowledge graph, the backend protocol, the errors.

A :class:`KnowledgeGraph` is the read-only dataset of one load: its :class:`Backend` (where the
triples live), the files it was loaded from, its base IRI and its data version. Three backends
implement :class:`Backend`: :mod:`frkg.store.memory` (the files loaded into memory),
:mod:`frkg.store.ondisk` (a persistent store built by ``frkg load --store``) and
:mod:`frkg.store.remote` (a SPARQL 1.1 endpoint). Nothing in this package imports Flask, and
nothing writes to a store once it is opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol

import pyoxigraph as ox

from frkg.namespaces import GRAPH_PATH

KINDS = ("ontology", "data", "shapes")


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
    """The store could not answer (a remote SPARQL endpoint, :mod:`frkg.store.remote`); the
    message is meant for the user."""


class BackendTimeout(BackendError):
    """The store did not answer within the time limit."""


class BackendUnavailable(BackendError):
    """The store cannot be reached, or says it is overloaded; trying again later may work."""


class BackendRefused(BackendError):
    """The store answered with an error (it refused or could not evaluate a query), or with an
    answer it says is incomplete."""


class Backend(Protocol):
    """Where a knowledge graph's triples live, read through pyoxigraph's ``Store`` API.

    ``query``, ``quads_for_pattern`` and ``named_graphs`` behave as ``pyoxigraph.Store``'s; the
    rest says what the server must do around them. A backend class subclasses this protocol to
    inherit the defaults of the optional parts (they suit a store held in this process).
    """

    #: "memory", "disk" or "sparql": what ``frkg serve`` and ``/health`` call it.
    kind: ClassVar[str]
    #: Where messages say the data is ("in the on-disk store"; "" in memory), before location.
    place: ClassVar[str] = ""
    #: True when the data lives in another server (a SPARQL endpoint), so that every read is a
    #: round trip: the per-load indexes are then built from a copy (:meth:`local`), and the
    #: SPARQL service sends queries from the request's thread under the HTTP request's time limit
    #: instead of running them in a killable worker process (which may open no socket).
    is_remote: ClassVar[bool] = False
    #: The on-disk store's folder or the endpoint's URL ("" in memory).
    location: str = ""

    def query(self, query: str, **options: Any) -> Any:
        """``pyoxigraph.Store.query``: solutions, a boolean or triples."""
        ...

    def quads_for_pattern(
        self,
        subject: Any,
        predicate: Any,
        object: Any,  # noqa: A002 - pyoxigraph's parameter name
        graph_name: Any = None,
    ) -> Any:
        """``pyoxigraph.Store.quads_for_pattern``."""
        ...

    def named_graphs(self) -> Any:
        """``pyoxigraph.Store.named_graphs``."""
        ...

    def local(self) -> ox.Store:
        """A pyoxigraph store in this process holding the dataset, to build the per-load indexes
        from (for a remote endpoint, a copy downloaded once instead of thousands of round trips)."""
        raise NotImplementedError

    def release(self) -> None:
        """Let go of this process's handle (a server's master, before it forks its workers, which
        open their own); the next use opens it again."""

    def prepare_worker(self) -> int:
        """Get ready in a new SPARQL query worker process, before its descriptors are limited;
        return how many more file descriptors the worker may open later."""
        return 0


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

    store: Backend
    base: str
    files: list[LoadedFile]
    version: str
    modified: datetime
    inferred_graph: str = ""

    @property
    def backend(self) -> str:
        """The kind of store the data lives in: "memory", "disk" or "sparql"."""
        return self.store.kind

    @property
    def location(self) -> str:
        """The on-disk store's folder or the endpoint's URL ("" in memory)."""
        return self.store.location

    def graphs(self, *kinds: str) -> list[ox.NamedNode]:
        """Named graphs holding the files of the given kinds (all kinds when none given)."""
        kinds = kinds or KINDS
        return [ox.NamedNode(f.graph) for f in self.files if f.kind in kinds]

    def content_graphs(self) -> list[ox.NamedNode]:
        """Every named graph of the dataset: one per file, and the inferred links."""
        inferred = [ox.NamedNode(self.inferred_graph)] if self.inferred_graph else []
        return self.graphs() + inferred

    def file_of_graph(self, graph: str) -> Path | None:
        """The file a named graph was loaded from."""
        return next((f.path for f in self.files if f.graph == graph), None)

    @property
    def triple_count(self) -> int:
        """Triples in the loaded files (inferred triples not counted)."""
        return sum(f.triples for f in self.files)


def inferred_graph(base: str) -> str:
    """The graph of the links materialised from ``owl:inverseOf``: ``{base}graph/inferred``."""
    return f"{base}{GRAPH_PATH}inferred"


def count_triples(store: Any, graph: ox.NamedNode) -> int:
    """How many triples ``graph`` holds in ``store`` (any :class:`Backend` or pyoxigraph store)."""
    (row,) = store.query(f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}")
    return int(row["n"].value)
