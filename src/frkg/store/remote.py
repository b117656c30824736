"""A remote SPARQL 1.1 endpoint as the store: ``frkg serve --sparql-endpoint URL``.

:class:`RemoteStore` answers the small part of pyoxigraph's ``Store`` API this package uses
(``query``, ``quads_for_pattern``, ``named_graphs``) by sending SPARQL over HTTP (SPARQL 1.1
Protocol, with the standard library's HTTP client) and turning the answers back into pyoxigraph
objects (``pyoxigraph.parse_query_results`` for SELECT and ASK, ``pyoxigraph.parse`` for CONSTRUCT
and DESCRIBE), so that describing, listing, searching and the SPARQL endpoint work unchanged.

The endpoint holds what ``frkg load --nquads FILE`` writes (:func:`write_nquads`): every graph of a
load plus its load record (:mod:`frkg.store.loadrecord`), which gives the graphs, their triple
counts, the base IRI and the data version used in ETags. Engine differences (bench/ENGINE-NOTES.md)
are dealt with here, in one place:

- every request names its dataset with ``default-graph-uri`` and ``named-graph-uri`` (an empty
  list is sent as a graph that does not exist), so that an engine's own graphs (Virtuoso's
  system graphs, the load record, other datasets) are never seen; a query's own ``FROM`` clauses
  are turned into those parameters, kept to the dataset's graphs (:mod:`frkg.store.scope`),
  because Virtuoso adds the parameters to the query's ``FROM`` graphs instead of replacing them;
- the text sent is the one written back from the query's parse (:mod:`frkg.sparql_syntax`: no
  comments, no escapes, one space between tokens), never the text as it came, so Virtuoso's
  parser can only run what was parsed here;
- the default graph of a query on the whole dataset is the union graph the file holds
  (``{base}graph/union``), one graph, not the dozens of file graphs: given them all as default
  graphs, Virtuoso loses rows on queries that join a language filter with a property path;
- an ``ASK`` answered as a result set (Virtuoso's ``__ASK_RETVAL``) is read as a boolean;
- ``"typed-literal"`` in JSON results is accepted (pyoxigraph's parser does);
- an answer the endpoint says it cut (Virtuoso's ``X-SPARQL-MaxRows`` header, from its
  ``ResultSetMaxRows``) is an error, never a silently shorter answer; the graphs read at start-up
  are checked against the triple counts of the load record;
- blank nodes are stored as Skolem IRIs (RDF 1.1 Concepts section 3.5,
  ``{base}.well-known/genid/{label}``), because no SPARQL query can ask about a blank node of an
  earlier answer; they are turned back into blank nodes in every answer, and blank nodes asked
  about are sent as their Skolem IRIs.

Lookups for pages have the time limit ``timeout`` (``FRKG_BACKEND_TIMEOUT``); queries sent to
``/sparql`` run on :meth:`RemoteStore.for_queries`, with theirs (``FRKG_SPARQL_TIMEOUT``), so a
short page limit never cuts a long query and a long query limit never holds a page. Both share
one :class:`~frkg.store.breaker.CircuitBreaker`: when the endpoint cannot be reached, requests
fail at once until a probe finds it back. Nothing is kept between requests but the load record
and the breaker's count: the web tier stays stateless. Nothing here imports Flask.
"""

from __future__ import annotations

import copy
import gzip
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from frkg import __version__
from frkg.namespaces import GRAPH_PATH
from frkg.sparql_syntax import Refusal, parse
from frkg.store import loadrecord
from frkg.store.base import (
    Backend,
    BackendError,
    BackendRefused,
    BackendTimeout,
    BackendUnavailable,
    KnowledgeGraph,
    count_triples,
)
from frkg.store.breaker import CircuitBreaker
from frkg.store.loadrecord import LoadRecord
from frkg.store.scope import scope

#: Sent as the one default or named graph of a request that must have none: no store holds it.
NO_GRAPH = "urn:x-frkg:no-graph"
SKOLEM_PATH = ".well-known/genid/"
RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
#: Virtuoso's header on an answer it cut at its ResultSetMaxRows.
MAX_ROWS_HEADER = "X-SPARQL-MaxRows"
ASK_RETVAL = "__ASK_RETVAL"  # the variable Virtuoso answers ASK with
USER_AGENT = f"frkg/{__version__}"

_empty = ox.Store()  # parses queries locally: same checks and messages as the embedded store


def skolem_prefix(base: str) -> str:
    """Where blank nodes go in a file for an endpoint: ``{base}.well-known/genid/``."""
    return f"{base}{SKOLEM_PATH}"


# -- loading an endpoint ---------------------------------------------------------------------------


def union_graph(base: str) -> str:
    """The graph holding the union of a load's graphs in an endpoint: ``{base}graph/union``."""
    return f"{base}{GRAPH_PATH}union"


def write_nquads(kg: KnowledgeGraph, output: Path | str) -> LoadRecord:
    """Write every graph of ``kg`` (loaded in memory), the union of them as one more graph, and
    the load record as N-Quads, blank nodes as Skolem IRIs, to ``output`` (gzip-compressed when
    it ends in ``.gz``)."""
    prefix = skolem_prefix(kg.base)
    union = ox.NamedNode(union_graph(kg.base))
    record = LoadRecord.of(kg, skolem_prefix=prefix, union_graph=union.value)

    def skolemised() -> Iterator[ox.Quad]:
        for q in kg.store.quads_for_pattern(None, None, None, None):
            s, o = q.subject, q.object
            if isinstance(s, ox.BlankNode) or isinstance(o, ox.BlankNode):
                s = ox.NamedNode(prefix + s.value) if isinstance(s, ox.BlankNode) else s
                o = ox.NamedNode(prefix + o.value) if isinstance(o, ox.BlankNode) else o
            yield ox.Quad(s, q.predicate, o, q.graph_name)
            yield ox.Quad(s, q.predicate, o, union)
        yield from record.quads()

    path = Path(output)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as f:
        ox.serialize(skolemised(), f, format=ox.RdfFormat.N_QUADS)
    return record


# -- reading one --------------------------------------------------------------------------------


def connect(
    endpoint: str,
    base: str | None = None,
    timeout: float = 10.0,
    query_timeout: float | None = None,
) -> KnowledgeGraph:
    """The knowledge graph a load record at ``endpoint`` describes (the load under ``base`` if
    given); pages' lookups wait ``timeout`` seconds, ``/sparql``'s queries ``query_timeout``
    (default: the same). Raises :class:`~frkg.store.loadrecord.RecordError` or a
    :class:`~frkg.store.base.BackendError` saying what is wrong."""
    # Start-up reads (the load record, a copy of every graph) may take the longer of the two.
    slowest = max(timeout, query_timeout or timeout)
    probe = RemoteStore(endpoint, None, timeout=slowest)
    record = loadrecord.find(probe, base)
    store = RemoteStore(
        endpoint,
        record.content_graphs(),
        skolem_prefix=record.skolem_prefix,
        union_graph=record.union_graph,
        timeout=timeout,
        counts=record.triple_counts(),
        query_timeout=query_timeout,
    )
    return record.knowledge_graph(store)


class RemoteStore(Backend):
    """A SPARQL 1.1 endpoint with the part of pyoxigraph's ``Store`` API the package uses.

    ``visible`` are the graphs queries may see (None: every graph, for finding the load record).
    """

    kind = "sparql"
    place = "at the SPARQL endpoint"
    is_remote = True

    def __init__(
        self,
        endpoint: str,
        visible: Iterable[ox.NamedNode] | None,
        *,
        skolem_prefix: str = "",
        union_graph: str = "",
        timeout: float = 10.0,
        counts: Mapping[str, int] | None = None,
        query_timeout: float | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.endpoint = self.location = endpoint
        self.union_graph = ox.NamedNode(union_graph) if union_graph else None
        self.visible = tuple(visible) if visible is not None else None
        self._visible = frozenset(self.visible) if self.visible is not None else None
        self.skolem_prefix = skolem_prefix
        self.timeout = timeout
        self.query_timeout = query_timeout or timeout
        self.timeout_setting = "FRKG_BACKEND_TIMEOUT"
        self.counts = dict(counts or {})
        self.breaker = breaker or CircuitBreaker()
        #: A lookup that times out counts against the breaker; a user's query does not (a query
        #: that runs too long says nothing of whether the endpoint is up).
        self.timeouts_trip = True

    def for_queries(self) -> RemoteStore:
        """This store with ``/sparql``'s time limit (FRKG_SPARQL_TIMEOUT), sharing the breaker."""
        twin = copy.copy(self)
        twin.timeout = self.query_timeout
        twin.timeout_setting = "FRKG_SPARQL_TIMEOUT"
        twin.timeouts_trip = False
        return twin

    def ping(self) -> bool:
        """True when the endpoint answers ``ASK {}`` (through the breaker: no request while it
        is open); for readiness probes."""
        try:
            # As frkg.sparql_syntax writes it back: the only kind of text this store ever sends.
            answer = self._send(
                "ASK { }", "ASK", (), [], RESULTS_JSON, timeout=min(self.timeout, 2)
            )
            answer.close()
            return True
        except BackendError:
            return False

    # -- terms --------------------------------------------------------------------------------

    def _local(self, term):
        """A term of an answer as the package sees it: Skolem IRIs back to blank nodes."""
        if (
            self.skolem_prefix
            and isinstance(term, ox.NamedNode)
            and term.value.startswith(self.skolem_prefix)
        ):
            return ox.BlankNode(term.value[len(self.skolem_prefix) :])
        return term

    def _remote(self, term) -> str:
        """A term of a pattern in SPARQL syntax, blank nodes as their Skolem IRIs."""
        if isinstance(term, ox.BlankNode):
            if not self.skolem_prefix:
                raise BackendRefused(
                    "this endpoint's data keeps blank nodes, which a query cannot ask about; "
                    "load it from `frkg load --nquads`, which writes them as Skolem IRIs"
                )
            return f"<{self.skolem_prefix}{term.value}>"
        return str(term)

    # -- the Store API ------------------------------------------------------------------------

    def quads_for_pattern(self, subject, predicate, object, graph_name=None) -> list[ox.Quad]:  # noqa: A002
        """The quads matching the pattern (None matches anything), from the visible graphs."""
        if isinstance(graph_name, ox.DefaultGraph):
            return []  # the dataset is in named graphs only
        if graph_name is not None and self._visible is not None and graph_name not in self._visible:
            return []
        positions = {"s": subject, "p": predicate, "o": object, "g": graph_name}
        pattern = {k: f"?{k}" if v is None else self._remote(v) for k, v in positions.items()}
        wanted = [f"?{k}" for k, v in positions.items() if v is None]
        text = (
            f"SELECT {' '.join(wanted) or '*'} WHERE {{ GRAPH {pattern['g']} "
            f"{{ {pattern['s']} {pattern['p']} {pattern['o']} }} }}"
        )
        named = [graph_name] if graph_name is not None else self.visible
        answer = self._send(text, "SELECT", (), named, RESULTS_JSON)
        with answer:
            solutions = ox.parse_query_results(answer, format=ox.QueryResultsFormat.JSON)
            if not isinstance(solutions, ox.QuerySolutions):
                raise BackendRefused("the endpoint answered a SELECT query with a boolean")
            quads = []
            for row in solutions:
                t = {k: self._local(row[k]) if v is None else v for k, v in positions.items()}
                quads.append(ox.Quad(t["s"], t["p"], t["o"], t["g"]))
            answer.finish()
        return quads

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        """The graphs of the dataset."""
        return iter(self.visible or ())

    def query(self, query: str, **options):
        """``Store.query`` over HTTP: the same dataset rules, the same kinds of answer.

        The query is parsed here (:func:`frkg.sparql_syntax.parse`: a syntax error reads as it
        does on the embedded store), and only the text written back from that parse is sent,
        without its ``FROM`` clauses, with the dataset as protocol parameters: the endpoint
        can only run what was parsed, whichever way its own parser splits text. SERVICE and
        updates are never forwarded.
        """
        base_iri, prefixes = options.get("base_iri"), options.get("prefixes")
        try:
            parsed = parse(query, base_iri=base_iri, prefixes=prefixes)
        except Refusal as e:
            raise SyntaxError(e.message) from None
        written = parsed.text(dataset_clause=False, prefixes=prefixes)
        # Rules beyond the grammar (variable scope, GROUP BY): as the embedded store says them.
        _empty.query(written, base_iri=base_iri)  # raises SyntaxError
        chosen = scope(
            parsed,
            self.visible or (),
            use_default_graph_as_union=options.get("use_default_graph_as_union", False),
            default_graph=options.get("default_graph"),
            named_graphs=options.get("named_graphs"),
        )
        default = chosen.default
        if options.get("use_default_graph_as_union") and self.union_graph is not None:
            default = (self.union_graph,)  # one graph, not dozens: see the module's notes
        # Virtuoso refuses a second BASE: a query that sets its own gets none from here (an IRI
        # it writes relative before its BASE is then resolved by the endpoint).
        prologue = f"BASE <{base_iri}> " if base_iri and not parsed.declares_base else ""
        text = prologue + written
        form = parsed.form
        if form in ("CONSTRUCT", "DESCRIBE"):
            answer = self._send(text, form, default, chosen.named, N_TRIPLES)
            return RemoteTriples(answer, self._local)
        answer = self._send(text, form, default, chosen.named, RESULTS_JSON)
        parsed = ox.parse_query_results(answer, format=ox.QueryResultsFormat.JSON)
        if form == "ASK":
            return self._boolean(parsed, answer)
        if not isinstance(parsed, ox.QuerySolutions):
            raise BackendRefused("the endpoint answered a SELECT query with a boolean")
        return ox.parse_query_results(
            _SolutionsAsTsv(parsed, answer, self._local), format=ox.QueryResultsFormat.TSV
        )

    def _boolean(self, parsed, answer: _Answer) -> ox.QueryBoolean:
        if isinstance(parsed, ox.QueryBoolean):
            answer.close()
            return parsed
        # Virtuoso answers ASK with a result set: one row (1) when true, none when false.
        if [v.value for v in parsed.variables] != [ASK_RETVAL]:
            raise BackendRefused("the endpoint answered an ASK query with a result set")
        truth = any(row[ASK_RETVAL] is None or row[ASK_RETVAL].value != "0" for row in parsed)
        answer.finish()
        text = json.dumps({"head": {}, "boolean": truth}).encode()
        return ox.parse_query_results(text, format=ox.QueryResultsFormat.JSON)

    # -- start-up ------------------------------------------------------------------------------

    def local(self) -> ox.Store:
        """Every visible graph in a new in-memory store: what the per-load indexes are built
        from at start-up (one download per graph instead of a round trip per lookup). Each graph
        must hold as many triples as the load record says."""
        store = ox.Store()
        for graph in self.visible or ():
            text = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}"
            answer = self._send(text, "CONSTRUCT", (), [graph], N_TRIPLES)
            with answer:
                triples = ox.parse(answer, format=ox.RdfFormat.N_TRIPLES)
                store.extend(
                    ox.Quad(self._local(t.subject), t.predicate, self._local(t.object), graph)
                    for t in triples
                )
            expected = self.counts.get(graph.value)
            got = count_triples(store, graph)
            if expected is not None and got != expected:
                raise BackendRefused(
                    f"the endpoint returned {got} triples of {graph.value}, whose load record "
                    f"says it holds {expected}: the answer was cut (Virtuoso: raise "
                    "[SPARQL] ResultSetMaxRows) or the graph was changed after loading"
                )
        return store

    # -- HTTP -------------------------------------------------------------------------------------

    def _send(
        self,
        text: str,
        form: str,
        default: Iterable[ox.NamedNode],
        named: Iterable[ox.NamedNode] | None,
        accept: str,
        timeout: float | None = None,
    ) -> _Answer:
        """POST ``text`` with its dataset as a form (SPARQL 1.1 Protocol section 2.1.2); the
        answer, unread. ``form`` (SELECT, ASK, CONSTRUCT, DESCRIBE) is known: the text was
        parsed before."""
        fields = [("query", text)]
        fields += [("default-graph-uri", g.value) for g in default] or [
            ("default-graph-uri", NO_GRAPH)
        ]
        if named is not None:  # None: the endpoint's own choice (finding the load record)
            fields += [("named-graph-uri", g.value) for g in named] or [
                ("named-graph-uri", NO_GRAPH)
            ]
        request = urllib.request.Request(
            self.endpoint,
            data=urllib.parse.urlencode(fields).encode("ascii"),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": accept,
                "User-Agent": USER_AGENT,
            },
            method="POST",
        )
        timeout = self.timeout if timeout is None else timeout
        breaker = self.breaker
        if not breaker.allow():
            raise BackendUnavailable(
                f"the SPARQL endpoint is down ({breaker.last_error}); it is not asked again for "
                f"{breaker.retry_in():.0f} s"
            )
        deadline = time.monotonic() + timeout
        try:
            response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310
        except urllib.error.HTTPError as e:
            body = e.read()
            if e.code in (502, 503, 504):
                message = _endpoint_message(body)
                unavailable = f"the SPARQL endpoint is not available (HTTP {e.code}): {message}"
                breaker.failure(unavailable)
                raise BackendUnavailable(unavailable) from None
            breaker.success()  # it answered: up, if unhappy with the query
            raise BackendRefused(f"HTTP {e.code}: {_endpoint_message(body)}") from None
        except TimeoutError:
            raise self._timed_out(timeout) from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            if isinstance(reason, TimeoutError):
                raise self._timed_out(timeout) from None
            unreachable = f"the SPARQL endpoint cannot be reached: {reason}"
            breaker.failure(unreachable)
            raise BackendUnavailable(unreachable) from None
        breaker.success()
        return _Answer(response, deadline, self._too_slow(timeout))

    def _timed_out(self, timeout: float) -> BackendTimeout:
        message = self._too_slow(timeout)
        if self.timeouts_trip:
            self.breaker.failure(message)
        else:
            self.breaker.inconclusive()  # the query was slow, not the endpoint down
        return BackendTimeout(message)

    def _too_slow(self, timeout: float | None = None) -> str:
        return (
            f"the SPARQL endpoint did not answer within {timeout or self.timeout:g} seconds "
            f"(setting {self.timeout_setting})"
        )


class _Answer:
    """An HTTP answer read as a binary stream, within the request's deadline.

    Reading past the end raises :class:`~frkg.store.base.BackendRefused` when the endpoint said it
    cut the answer (``X-SPARQL-MaxRows``).
    """

    def __init__(self, response, deadline: float, too_slow: str) -> None:
        self._response = response
        self._deadline = deadline
        self._too_slow = too_slow
        self.cut_at = response.headers.get(MAX_ROWS_HEADER)

    def read(self, size: int = -1) -> bytes:
        if time.monotonic() > self._deadline:
            self.close()
            raise BackendTimeout(self._too_slow)
        try:
            data = self._response.read(size if size is not None and size >= 0 else None)
        except TimeoutError:
            self.close()
            raise BackendTimeout(self._too_slow) from None
        except OSError as e:
            self.close()
            raise BackendUnavailable(f"the SPARQL endpoint's answer broke off: {e}") from None
        if not data and self.cut_at is not None:
            raise BackendRefused(
                f"the SPARQL endpoint cut this answer at its own limit of {self.cut_at} rows "
                "(Virtuoso: [SPARQL] ResultSetMaxRows); an incomplete answer is not used"
            )
        return data

    def finish(self) -> None:
        """Read to the end (raises if the endpoint cut the answer), then close."""
        while self.read(1 << 16):
            pass
        self.close()

    def close(self) -> None:
        self._response.close()

    def __enter__(self) -> _Answer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _SolutionsAsTsv:
    """Solutions as a SPARQL TSV stream, rows written as the reader asks for them.

    pyoxigraph's results cannot be built term by term, so the solutions of the endpoint's JSON
    answer, with their terms mapped, are written as TSV (each term in its N-Triples form) and
    parsed again lazily: a capped reader stops the download where it stops reading.
    """

    def __init__(self, solutions: ox.QuerySolutions, answer: _Answer, local) -> None:
        self._names = [v.value for v in solutions.variables]
        self._rows = iter(solutions)
        self._answer = answer
        self._local = local
        self._buffer = bytearray(("\t".join("?" + n for n in self._names) + "\n").encode())
        self._done = False

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size is None or size < 0 or len(self._buffer) < size):
            row = next(self._rows, None)
            if row is None:
                self._done = True
                self._answer.finish()
                break
            cells = (row[n] for n in self._names)
            line = "\t".join("" if t is None else str(self._local(t)) for t in cells)
            self._buffer += (line + "\n").encode()
        if size is None or size < 0:
            size = len(self._buffer)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data


class RemoteTriples:
    """A CONSTRUCT or DESCRIBE answer: its triples, read as they are iterated or serialised."""

    def __init__(self, answer: _Answer, local) -> None:
        self._answer = answer
        self._local = local

    def __iter__(self) -> Iterator[ox.Triple]:
        with self._answer:
            for t in ox.parse(self._answer, format=ox.RdfFormat.N_TRIPLES):
                yield ox.Triple(self._local(t.subject), t.predicate, self._local(t.object))
            self._answer.finish()

    def serialize(self, output: IO[bytes] | None = None, format=ox.RdfFormat.N_TRIPLES):  # noqa: A002
        """Write the triples like ``QueryTriples.serialize``."""
        return ox.serialize(iter(self), output, format=format)


def _endpoint_message(body: bytes) -> str:
    """The first paragraph of an endpoint's error text, without the query it echoes back."""
    text = body.decode("utf-8", "replace").strip()
    text = text.split("\n\nSPARQL query:", 1)[0].strip()  # Virtuoso repeats the query
    return text[:1000] or "(no message)"
