"""The SPARQL service without HTTP: execution, cap, dataset rules, the worker pool's guarantees."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from frkg import CANONICAL_BASE, sparql, store
from frkg.sparql.pool import PoolBusy, QueryPool, TaskTimeout

from conftest import ROOT, SPARQL_FIXTURE

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def fixture_kg() -> store.KnowledgeGraph:
    return store.load_files(
        {"ontology": [ROOT / "ontology" / "frkg.ttl"], "data": [SPARQL_FIXTURE / "debate.ttl"]},
        CANONICAL_BASE,
    )


@pytest.fixture()
def service(fixture_kg):
    svc = sparql.SparqlService(
        fixture_kg, endpoint=CANONICAL_BASE + "sparql", timeout=1.5, result_cap=10, max_concurrent=2
    )
    yield svc
    svc.close()


def gone(pid: int, wait: float = 10.0) -> bool:
    """True once ``pid`` no longer exists (killed workers are reaped by the kernel)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists():
            return True
        time.sleep(0.05)
    return False


# -- execution --------------------------------------------------------------------------------


def test_cap_cuts_select_and_says_so(service, fixture_kg):
    total = len(list(fixture_kg.store.query("SELECT * { GRAPH ?g { ?s ?p ?o } }")))
    assert total > 10
    answer = service.query("SELECT * { ?s ?p ?o }", results_format="json")
    assert (answer.count, answer.truncated) == (10, True)
    parsed = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
    assert len(list(parsed)) == 10


def test_answer_at_exactly_the_cap_is_not_truncated(service):
    answer = service.query("SELECT ?n { VALUES ?n { 1 2 3 4 5 6 7 8 9 10 } }", results_format="csv")
    assert (answer.count, answer.truncated) == (10, False)
    assert answer.body.decode().split("\r\n")[1:-1] == [str(n) for n in range(1, 11)]


def test_cap_cuts_construct_and_says_so(service):
    answer = service.query("CONSTRUCT WHERE { ?s ?p ?o }", graph_format="turtle")
    assert (answer.count, answer.truncated) == (10, True)
    assert len(list(ox.parse(answer.body, format=ox.RdfFormat.TURTLE))) == 10


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_select_rows_are_the_same_in_every_result_format(service, fmt):
    query = (
        "SELECT ?s ?label { ?s a <https://w3id.org/frkg/ontology#Company> ; ?p ?label } "
        "ORDER BY ?s ?label"
    )
    reference = service.query(query, results_format="json").body
    answer = service.query(query, results_format=fmt)
    assert answer.format == fmt
    if fmt == "csv":  # CSV keeps only lexical forms (SPARQL 1.1 CSV/TSV, section 2)
        expected = [
            [str(v.value) for v in row]
            for row in ox.parse_query_results(reference, format=ox.QueryResultsFormat.JSON)
        ]
        lines = answer.body.decode().split("\r\n")[1:-1]
        assert [line.split(",", 1) for line in lines] == expected
        return
    serializer = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML}.get(
        fmt, ox.QueryResultsFormat.TSV
    )
    rows = [list(r) for r in ox.parse_query_results(answer.body, format=serializer)]
    ref = [list(r) for r in ox.parse_query_results(reference, format=ox.QueryResultsFormat.JSON)]
    assert rows == ref and rows


def test_protocol_dataset_replaces_the_union_and_unnamed_parts_are_empty(service, fixture_kg):
    data_graph = next(f.graph for f in fixture_kg.files if f.kind == "data")
    count = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    only_data = service.query(count, results_format="tsv", default_graphs=(data_graph,))
    assert only_data.body.split(b"\n")[1] == str(fixture_kg.files[1].triples).encode()
    no_default = service.query(count, results_format="tsv", named_graphs=(data_graph,))
    assert no_default.body.split(b"\n")[1] == b"0"
    graphs = service.query(
        "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }",
        results_format="tsv",
        default_graphs=(data_graph,),
    )
    assert graphs.count == 0  # default-graph-uri alone: no named graphs


def test_from_in_the_query_is_honoured_without_protocol_dataset(service, fixture_kg):
    # pyoxigraph's use_default_graph_as_union would override FROM: the service must not set it.
    onto = next(f.graph for f in fixture_kg.files if f.kind == "ontology")
    query = f"ASK FROM <{onto}> {{ ?s a <https://w3id.org/frkg/ontology#Quote> }}"
    assert service.query(query, results_format="json").body == b'{"head":{},"boolean":false}'
    assert service.query(query.replace(f"FROM <{onto}> ", ""), results_format="json").body == (
        b'{"head":{},"boolean":true}'
    )


def test_relative_iris_resolve_against_the_endpoint(service):
    answer = service.query("CONSTRUCT { <s> <p> 1 } WHERE {}", graph_format="ntriples")
    assert (
        answer.body
        == (
            f"<{CANONICAL_BASE}s> <{CANONICAL_BASE}p> "
            '"1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
        ).encode()
    )


def test_syntax_error_comes_back_typed_from_the_checker(service):
    with pytest.raises(
        sparql.QuerySyntaxError, match=r"^Syntax error at line 1, column 24: expected a variable"
    ):
        service.query("SELECT * WHERE { ?s ?p }")


def test_what_only_the_engine_refuses_comes_back_typed_from_the_worker(service):
    # A variable outside GROUP BY: grammatical, so the checker passes it; pyoxigraph refuses
    # the text as written back, and its position counts in that text.
    with pytest.raises(sparql.QuerySyntaxError, match="as this server writes it back"):
        service.query("SELECT ?o WHERE { ?s ?p ?o }\nGROUP BY ?s")


def test_unacceptable_format_for_the_query_form(service):
    with pytest.raises(sparql.NotAcceptable, match="CONSTRUCT|GRAPH"):
        service.query("CONSTRUCT WHERE { ?s ?p ?o }", graph_format=None)


# -- the pool ----------------------------------------------------------------------------------


def test_timeout_kills_the_worker_and_the_next_query_is_answered(service):
    service.start()
    before = set(service.pool().worker_pids())
    started = time.monotonic()
    with pytest.raises(
        sparql.QueryTimeout, match=r"time limit of 1.5 seconds \(setting FRKG_SPARQL_TIMEOUT\)"
    ):
        service.query(RUNAWAY)
    assert time.monotonic() - started < 30  # it did stop (a runaway would take hours)
    killed = before - set(service.pool().worker_pids())
    assert len(killed) == 1 and gone(killed.pop())
    assert service.query("ASK {}").body == b'{"head":{},"boolean":true}'


def test_a_full_pool_refuses_at_once(service):
    service.start()  # as a server does: every worker forked and idle before the first query
    pool = service.pool()
    errors: list[Exception] = []

    def runaway():
        try:
            service.query(RUNAWAY)
        except sparql.SparqlError as e:
            errors.append(e)

    threads = [threading.Thread(target=runaway) for _ in range(2)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while pool.running < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pool.running == 2, "the two runaway queries were never both running"
    with pytest.raises(sparql.TooManyQueries, match="FRKG_SPARQL_MAX_CONCURRENT"):
        service.query("ASK {}")
    for t in threads:
        t.join()
    assert [type(e) for e in errors] == [sparql.QueryTimeout, sparql.QueryTimeout]
    assert pool.running == 0
    assert service.query("ASK {}").count is None  # slots are given back


def test_a_worker_killed_while_idle_is_replaced(service):
    service.start()
    victims = service.pool().worker_pids()
    for pid in victims:
        os.kill(pid, 9)
    assert all(gone(pid) for pid in victims)
    for _ in range(3):
        assert service.query("ASK {}").body.endswith(b"true}")
    assert not set(victims) & set(service.pool().worker_pids())


def test_close_leaves_no_process_behind(fixture_kg):
    svc = sparql.SparqlService(fixture_kg, endpoint="http://x/sparql", max_concurrent=2)
    svc.start()
    pids = [*svc.pool().worker_pids(), svc.pool().zygote_pid]
    assert len(pids) == 3
    svc.close()
    assert all(gone(pid) for pid in pids)


def _open_a_socket(address):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        s.connect(address)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    return "connected"


@pytest.mark.parametrize(
    "wall, refusal",
    [
        (True, "Permission denied"),  # the seccomp filter (frkg.sparql.sandbox)
        (False, "Too many open files"),  # the descriptor limit, the wall behind it
    ],
)
def test_workers_cannot_open_sockets_at_all(wall, refusal):
    # The walls behind the SERVICE check: even code that tries cannot reach the network.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        pool = QueryPool(_open_a_socket, 1, wall=wall)
        try:
            with pytest.raises(OSError, match=refusal):
                pool.run(listener.getsockname(), timeout=10)
        finally:
            pool.close()
        with pytest.raises(TimeoutError):
            listener.accept()


def test_pyoxigraph_service_evaluation_in_a_worker_reaches_nobody(fixture_kg):
    # Bypass the SERVICE check on purpose and run the query in a worker: nothing is sent.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        host, port = listener.getsockname()
        query = f"SELECT * {{ SERVICE <http://{host}:{port}/sparql> {{ ?s ?p ?o }} }}"
        pool = QueryPool(lambda request: sparql.execute(fixture_kg.store, request), 1)
        try:
            with pytest.raises(sparql.QueryFailed, match="could not be evaluated"):
                pool.run(sparql.QueryRequest(query), timeout=10)
        finally:
            pool.close()
        with pytest.raises(TimeoutError):
            listener.accept()


def test_pool_timeout_and_busy_are_distinct_errors():
    pool = QueryPool(time.sleep, 1)
    try:
        results: list[BaseException] = []

        def sleeper():
            try:
                pool.run(5, timeout=1)
            except BaseException as e:  # noqa: BLE001
                results.append(e)

        t = threading.Thread(target=sleeper)
        t.start()
        time.sleep(0.3)
        with pytest.raises(PoolBusy):
            pool.run(0, timeout=1)
        t.join()
        assert [type(e) for e in results] == [TaskTimeout]
        assert pool.run(0, timeout=5) is None
    finally:
        pool.close()


def test_a_worker_killed_mid_query_is_reported_and_replaced(fixture_kg):
    svc = sparql.SparqlService(fixture_kg, endpoint="http://x/sparql", timeout=30, max_concurrent=1)
    try:
        svc.start()
        (worker,) = svc.pool().worker_pids()
        errors: list[Exception] = []

        def runaway():
            try:
                svc.query(RUNAWAY)
            except sparql.SparqlError as e:
                errors.append(e)

        thread = threading.Thread(target=runaway)
        thread.start()
        time.sleep(0.5)
        os.kill(worker, 9)  # as the kernel's OOM killer would
        thread.join()
        assert [type(e) for e in errors] == [sparql.QueryAborted]
        assert svc.query("ASK {}").body.endswith(b"true}")
    finally:
        svc.close()
