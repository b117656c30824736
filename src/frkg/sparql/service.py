"""Run SPARQL queries safely: check, refuse, limit, time out, serialise. Nothing here knows HTTP.

:class:`SparqlService` is the one entry point the web tier uses. For each query it

1. refuses what a read-only public endpoint must not run (:func:`frkg.sparql.check.check`):
   queries longer than the limit, updates in any form, and any ``SERVICE`` clause, decided once
   on the query's parse; only the text written back from that parse goes any further;
2. runs it in a worker process of a :class:`~frkg.sparql.pool.QueryPool`, bounded in number,
   walled off from the network and capped in memory (:mod:`frkg.sparql.sandbox`), and killed at
   the time limit (pyoxigraph has no timeout of its own);
3. serialises the answer in the worker (:func:`execute`), cutting it at the result cap (rows)
   and the byte cap without ever truncating silently: the answer says it was truncated.

Errors are typed (:mod:`frkg.sparql.errors`); the web tier maps each to a status code.
"""

from __future__ import annotations

import functools
import io
import os
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

from frkg import formats, namespaces
from frkg.sparql import sandbox
from frkg.sparql.check import check as check_query
from frkg.sparql.description import service_description
from frkg.sparql.errors import (
    BackendDown,
    NotAcceptable,
    QueryAborted,
    QueryFailed,
    QueryOutOfMemory,
    QuerySyntaxError,
    QueryTimeout,
    TooManyQueries,
)
from frkg.sparql.pool import (
    PoolBusy,
    QueryPool,
    TaskTimeout,
    WorkerDied,
    WorkerOutOfMemory,
    take_slot,
)
from frkg.sparql_syntax import ParsedQuery
from frkg.store import BackendRefused, BackendTimeout, BackendUnavailable

if TYPE_CHECKING:
    from frkg.config import Settings
    from frkg.store import KnowledgeGraph

# -- executing one query (in a worker process) ---------------------------------------------------


@dataclass(frozen=True)
class QueryRequest:
    """One query to run: the text, the dataset, the wanted formats and the cap.

    ``results_format`` names the format for SELECT and ASK, ``graph_format`` the one for CONSTRUCT
    and DESCRIBE (names from :mod:`frkg.formats`); None means the client accepts none.
    With neither ``default_graphs`` nor ``named_graphs`` (SPARQL Protocol's default-graph-uri
    and named-graph-uri), the default graph is the union of all graphs, unless the query itself
    names its dataset with FROM or FROM NAMED.
    """

    query: str
    results_format: str | None = "json"
    graph_format: str | None = "turtle"
    cap: int = 10000
    max_bytes: int = 64 * 2**20
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    union_default_graph: bool = True
    base_iri: str | None = None
    prefixes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class QueryAnswer:
    """A serialised answer: its form (SELECT, ASK or GRAPH), format, body and whether it was cut."""

    form: str
    format: str
    body: bytes
    count: int | None  # rows or triples in the body (None for ASK)
    truncated: bool


class _CapReached(Exception):
    pass


class _LineCappedWriter:
    """A binary sink that keeps the first ``limit`` lines, at most ``max_bytes`` of them, and
    stops the writer after that."""

    def __init__(self, limit: int, max_bytes: int) -> None:
        self.limit = limit
        self.max_bytes = max_bytes
        self.buffer = io.BytesIO()
        self.lines = 0
        self.cut = False

    def write(self, data: bytes) -> int:
        self.buffer.write(data)
        self.lines += data.count(b"\n")
        if self.lines > self.limit or self.buffer.tell() > self.max_bytes:
            self.cut = True
            raise _CapReached
        return len(data)

    def flush(self) -> None:
        pass

    def head(self) -> tuple[bytes, bool]:
        """The first lines (at most ``limit``, in at most ``max_bytes``), and whether anything
        beyond them was cut."""
        data = self.buffer.getvalue()
        if not self.cut:
            return data, False
        data = data[: self.max_bytes]
        cut = -1
        for _ in range(self.limit):
            found = data.find(b"\n", cut + 1)
            if found < 0:
                break
            cut = found
        return data[: cut + 1], True


def _fitted(header: bytes, lines: list[bytes], render, max_bytes: int) -> tuple[bytes, int]:
    """``render(header + lines[:k])`` for the most lines ``k`` whose rendering fits in
    ``max_bytes`` (a format can take more bytes than the TSV or N-Triples it is made from), and
    ``k``. Binary search: a few renderings, never one per line.

    A rendering that raises :class:`MemoryError` does not fit either: pyoxigraph's parsers read
    one term into a buffer of at most 16 MiB ("Reached the buffer maximal size"), so a row
    holding a longer literal cannot be re-read from TSV into JSON, XML or CSV (nor a triple from
    N-Triples into Turtle), and is cut as a row past the byte cap is.
    """

    def fitting(k: int) -> bytes | None:
        try:
            body = render(header + b"".join(lines[:k]))
        except MemoryError:
            return None
        return body if len(body) <= max_bytes else None

    body = fitting(len(lines))
    if body is not None:
        return body, len(lines)
    low, high, best = 0, len(lines) - 1, render(header)
    kept = 0
    while low <= high:
        middle = (low + high) // 2
        candidate = fitting(middle)
        if candidate is not None:
            best, kept, low = candidate, middle, middle + 1
        else:
            high = middle - 1
    return best, kept


def execute(store: ox.Store, request: QueryRequest) -> QueryAnswer:
    """Run ``request`` on ``store`` in this process and serialise the answer.

    No checks and no timeout: use :meth:`SparqlService.run`, which calls this in a worker after
    :func:`check`. SELECT results are written as TSV and triples as N-Triples (one line per row
    or triple) through a writer that stops evaluation after ``cap`` + 1 lines, so a large answer
    is never built whole; the kept lines are then re-read and written in the requested format.
    """
    kwargs: dict = {}
    if request.default_graphs or request.named_graphs:
        # SPARQL 1.1 Protocol 2.1.4: the protocol dataset replaces the query's own, and what is
        # not given is empty.
        kwargs["default_graph"] = [ox.NamedNode(g) for g in request.default_graphs]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in request.named_graphs]
    elif request.union_default_graph:
        kwargs["use_default_graph_as_union"] = True
    try:
        if request.prefixes:
            kwargs["prefixes"] = request.prefixes
        results = store.query(request.query, base_iri=request.base_iri, **kwargs)
        if isinstance(results, ox.QueryBoolean):
            fmt = _format_for("ASK", request.results_format)
            return QueryAnswer(
                "ASK", fmt.name, results.serialize(format=fmt.serializer), None, False
            )
        if isinstance(results, ox.QuerySolutions):
            fmt = _format_for("SELECT", request.results_format)
            return _select_answer(results, fmt, request.cap, request.max_bytes)
        fmt = _format_for("GRAPH", request.graph_format)
        return _graph_answer(results, fmt, request.cap, request.max_bytes, request.prefixes)
    except SyntaxError as e:
        # The grammar was checked before: what the engine still refuses (a variable's scope,
        # GROUP BY) is found in the text as written back, which is what its position counts in.
        raise QuerySyntaxError(
            syntax_message(request.query, e)
            + "\n(the line and column count in the query as this server writes it back)"
        ) from None
    except (OSError, RuntimeError, ValueError) as e:
        raise QueryFailed(f"The query could not be evaluated: {e}") from None


def _format_for(form: str, name: str | None) -> formats.Format:
    kind = "graph" if form == "GRAPH" else "results"
    if name is None:
        offers = formats.GRAPH_FORMATS if kind == "graph" else formats.RESULT_FORMATS
        raise NotAcceptable(
            f"A {form} query is answered in one of: "
            + ", ".join(f"{f.label} ({f.media_type})" for f in offers)
            + "; the request accepts none of them."
        )
    return formats.by_name(name)


def _select_answer(
    results: ox.QuerySolutions, fmt: formats.Format, cap: int, max_bytes: int
) -> QueryAnswer:
    writer = _LineCappedWriter(cap + 1, max_bytes)  # the header line, then one line per row
    try:
        results.serialize(writer, format=ox.QueryResultsFormat.TSV)
    except _CapReached:
        pass
    tsv, truncated = writer.head()
    if not tsv:  # even the header line was over the byte cap: names of that length
        raise QueryFailed(f"The answer's header alone is longer than {max_bytes} bytes.")
    header_end = tsv.index(b"\n") + 1
    rows = tsv[header_end:].splitlines(keepends=True)

    def render(data: bytes) -> bytes:
        if fmt.serializer == ox.QueryResultsFormat.TSV:
            return data
        kept = ox.parse_query_results(data, format=ox.QueryResultsFormat.TSV)
        return kept.serialize(format=fmt.serializer)

    body, count = _fitted(tsv[:header_end], rows, render, max_bytes)
    return QueryAnswer("SELECT", fmt.name, body, count, truncated or count < len(rows))


def _graph_answer(
    triples: ox.QueryTriples,
    fmt: formats.Format,
    cap: int,
    max_bytes: int,
    prefixes: dict[str, str],
) -> QueryAnswer:
    writer = _LineCappedWriter(cap, max_bytes)
    try:
        triples.serialize(writer, format=ox.RdfFormat.N_TRIPLES)
    except _CapReached:
        pass
    nt, truncated = writer.head()
    lines = nt.splitlines(keepends=True)

    def render(data: bytes) -> bytes:
        if fmt.serializer == ox.RdfFormat.N_TRIPLES:
            return data
        kept = ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
        used = prefixes_used(prefixes, data) or None
        return ox.serialize(kept, format=fmt.serializer, prefixes=used)

    body, count = _fitted(b"", lines, render, max_bytes)
    return QueryAnswer("GRAPH", fmt.name, body, count, truncated or count < len(lines))


def prefixes_used(prefixes: dict[str, str], ntriples: bytes) -> dict[str, str]:
    """The prefixes whose namespace occurs in some IRI of ``ntriples`` (no unused declarations)."""
    return {p: ns for p, ns in prefixes.items() if b"<" + ns.encode() in ntriples}


_ERROR_AT = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)
_CHAR_CLASS = re.compile(r"\[(?:'(?:[^'\\]|\\.)*'|[^\]'])*\]")


def syntax_message(query: str, error: SyntaxError) -> str:
    """A readable parser message: line, column, what was expected, and the line with a caret."""
    text = error.msg if isinstance(error.msg, str) else str(error)
    m = _ERROR_AT.match(text)
    if not m:
        return f"Syntax error: {text}"
    line, column, detail = int(m.group(1)), int(m.group(2)), m.group(3)
    # pyoxigraph lists character classes ('A'..='Z' | ...) among the expected tokens: to a
    # reader they are noise, so they are replaced by one ellipsis.
    detail, classes = _CHAR_CLASS.subn("", detail)
    detail = re.sub(r"(,\s*)+", ", ", detail).strip().rstrip(",").strip()
    if classes:
        detail += ", …"
    lines = query.splitlines() or [""]
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    start = max(0, column - 60)
    excerpt = source[start : start + 120]
    caret = " " * (column - 1 - start) + "^"
    return f"Syntax error at line {line}, column {column}: {detail}\n  {excerpt}\n  {caret}"


# -- the service --------------------------------------------------------------------------------


#: How many checked queries a service keeps, and the longest it keeps (characters): at most a
#: few megabytes.
CHECKED_KEPT = 1024
CHECKED_MAX_LENGTH = 4096


class SparqlService:
    """The read-only SPARQL service over one knowledge graph, with its limits.

    The worker pool is created lazily, once per process (a pool forked into another process is
    not reused), or early with :meth:`start`.
    """

    def __init__(
        self,
        kg: KnowledgeGraph,
        *,
        endpoint: str,
        timeout: float = 10.0,
        result_cap: int = 10000,
        max_query_length: int = 65536,
        max_concurrent: int = 2,
        result_max_bytes: int = 64 * 2**20,
        worker_memory: int = 1024 * 2**20,
        worker_recycle: int = 256 * 2**20,
        queue_wait: float = 0.0,
    ) -> None:
        self.kg = kg
        self.endpoint = endpoint
        self.timeout = timeout
        self.result_cap = result_cap
        self.max_query_length = max_query_length
        self.max_concurrent = max_concurrent
        self.result_max_bytes = result_max_bytes
        self.worker_memory = worker_memory
        self.worker_recycle = worker_recycle
        self.queue_wait = queue_wait
        self.prefixes = namespaces.prefixes(kg.base)
        if not kg.store.is_remote:
            # Here, while the server is still single-threaded (it forks a probe), not later.
            sandbox.problem()
        self._pool: QueryPool | None = None
        self._pool_lock = threading.Lock()
        # Refusals raise, so only what passed is kept.
        self._checked = functools.lru_cache(maxsize=CHECKED_KEPT)(
            functools.partial(
                check_query,
                max_length=max_query_length,
                base_iri=endpoint,
                prefixes=self.prefixes,
            )
        )

    @classmethod
    def from_settings(cls, kg: KnowledgeGraph, settings: Settings) -> SparqlService:
        """The service with the limits ``settings`` configure, at ``{base}sparql``."""
        return cls(
            kg,
            endpoint=f"{kg.base}sparql",
            timeout=settings.sparql_timeout,
            result_cap=settings.sparql_result_cap,
            max_query_length=settings.sparql_max_query_length,
            max_concurrent=settings.sparql_max_concurrent,
            result_max_bytes=settings.sparql_result_max_bytes,
            worker_memory=settings.sparql_worker_memory_mb * 2**20,
            worker_recycle=settings.sparql_worker_recycle_mb * 2**20,
            queue_wait=settings.sparql_queue_wait,
        )

    def check(self, text: str) -> ParsedQuery:
        """:func:`frkg.sparql.check.check` with this service's length limit and base IRI.

        The parse of a short query that passed is kept (the last ``CHECKED_KEPT``): the same
        text always gets the same decision, and clients repeat their queries.
        """
        if len(text) <= CHECKED_MAX_LENGTH:
            return self._checked(text)
        return check_query(
            text, self.max_query_length, base_iri=self.endpoint, prefixes=self.prefixes
        )

    def request(
        self,
        text: str,
        *,
        results_format: str | None = "json",
        graph_format: str | None = "turtle",
        default_graphs: tuple[str, ...] = (),
        named_graphs: tuple[str, ...] = (),
        shape: ParsedQuery | None = None,
    ) -> QueryRequest:
        """A :class:`QueryRequest` for ``text`` with this service's caps, base IRI and prefixes.

        ``text`` is checked here unless ``shape`` is its check already; the request carries the
        text written back from the parse, never ``text`` itself.
        """
        shape = shape or self.check(text)
        return QueryRequest(
            query=shape.text(),
            results_format=results_format,
            graph_format=graph_format,
            cap=self.result_cap,
            max_bytes=self.result_max_bytes,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            union_default_graph=not shape.has_dataset_clause,
            base_iri=self.endpoint,
            # The dataset's prefixes are declared here, server side: a query may use them
            # without PREFIX lines (and a graph answer is written with them).
            prefixes=self.prefixes,
        )

    def run(self, request: QueryRequest) -> QueryAnswer:
        """Run ``request`` (made by :meth:`request`: checked, written back) in a worker process
        within the limits; raise why not."""
        try:
            return self.pool().run(request, self.timeout)
        except (TaskTimeout, BackendTimeout):
            raise QueryTimeout(
                f"The query was stopped after the time limit of {self.timeout:g} seconds "
                "(setting FRKG_SPARQL_TIMEOUT). Narrow it down, or add a LIMIT."
            ) from None
        except BackendUnavailable as e:
            raise BackendDown(
                f"The data backend this server reads from did not answer: {e}. Try again shortly."
            ) from None
        except BackendRefused as e:
            raise QueryFailed(f"The SPARQL endpoint could not answer the query: {e}") from None
        except PoolBusy:
            waited = (
                f", and none finished within {self.queue_wait:g} s (setting FRKG_SPARQL_QUEUE_WAIT)"
                if self.queue_wait > 0
                else ""
            )
            raise TooManyQueries(
                f"This server is already running {self.max_concurrent} SPARQL queries per "
                f"process (setting FRKG_SPARQL_MAX_CONCURRENT){waited}; try again in a moment."
            ) from None
        except WorkerOutOfMemory:
            # (A MemoryError of this process, not the query's, is the web tier's 503.)
            raise QueryOutOfMemory(
                "The query needed more memory than one query may use "
                f"({self.worker_memory // 2**20} MB, setting FRKG_SPARQL_WORKER_MEMORY_MB) and "
                "was stopped. Narrow it down, or add a LIMIT."
            ) from None
        except WorkerDied:
            raise QueryAborted(
                "The query stopped unexpectedly (its worker process ended); try again."
            ) from None

    def query(self, text: str, **options) -> QueryAnswer:
        """Check, run and serialise ``text`` (options as for :meth:`request`)."""
        return self.run(self.request(text, **options))

    def pool(self) -> QueryPool | InThread:
        """This process's worker pool, created on first use.

        Queries on a remote endpoint run in the request's thread instead: the endpoint does the
        work, the time limit is the HTTP request's, and worker processes could not open the
        connection (they may open no socket).
        """
        with self._pool_lock:
            pool = self._pool
            if pool is None or pool.pid != os.getpid():
                store = self.kg.store
                if store.is_remote and hasattr(store, "for_queries"):
                    store = store.for_queries()  # /sparql's time limit, not a page lookup's
                task = functools.partial(execute, store)
                if self.kg.store.is_remote:
                    pool = self._pool = InThread(task, self.max_concurrent, self.queue_wait)
                else:
                    problem = sandbox.problem()
                    if problem is not None:
                        raise sandbox.WallUnavailable(
                            "The SPARQL service will not run queries without its network wall "
                            f"(a seccomp filter on its query workers): {problem}."
                        )
                    pool = self._pool = QueryPool(
                        task,
                        self.max_concurrent,
                        prepare=self.kg.store.prepare_worker,
                        memory=self.worker_memory,
                        recycle=self.worker_recycle,
                        queue_wait=self.queue_wait,
                    )
            return pool

    @functools.cached_property
    def description(self) -> list[ox.Triple]:
        """The SPARQL 1.1 Service Description of this endpoint (computed once)."""
        return service_description(self.kg, self.endpoint)

    def start(self) -> None:
        """Create this process's pool and fork its workers now (call while single-threaded)."""
        self.pool().start()

    def close(self) -> None:
        """Stop this process's workers."""
        with self._pool_lock:
            if self._pool is not None and self._pool.pid == os.getpid():
                self._pool.close()
            self._pool = None


class InThread:
    """Runs a task in the calling thread, at most ``size`` at once (the pool's interface)."""

    def __init__(self, task, size: int, queue_wait: float = 0.0) -> None:
        self.task = task
        self.size = size
        self.queue_wait = queue_wait
        self.pid = os.getpid()
        self._slots = threading.BoundedSemaphore(size)
        self._running = 0
        self._lock = threading.Lock()

    def run(self, request, timeout: float):
        """The task's answer; :class:`~frkg.sparql.pool.PoolBusy` when ``size`` were running
        all through ``queue_wait`` seconds.

        The task keeps its own time limit (``timeout`` is the remote store's, already).
        """
        if not take_slot(self._slots, self.queue_wait):
            raise PoolBusy(f"all {self.size} query slots are busy")
        with self._lock:
            self._running += 1
        try:
            return self.task(request)
        finally:
            with self._lock:
                self._running -= 1
            self._slots.release()

    @property
    def running(self) -> int:
        """How many tasks are running now (for tests and monitoring)."""
        return self._running

    def start(self) -> None:
        """Nothing to start."""

    def close(self) -> None:
        """Nothing to stop."""
