"""Hostile input over real HTTP: updates, SERVICE, runaway queries, huge queries, the cap, overload.

The server (fixture ``sparql_server``) runs with a 2 s timeout, a 100-row cap and 2 query slots.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest

from conftest import SPARQL_FIXTURE, SPARQL_LIMITS, fixture_server_args, http, running_server

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
TIMEOUT = float(SPARQL_LIMITS["FRKG_SPARQL_TIMEOUT"])
CAP = int(SPARQL_LIMITS["FRKG_SPARQL_RESULT_CAP"])


@pytest.fixture(scope="module")
def endpoint(sparql_server) -> str:
    return sparql_server + "sparql"


def data_digest(endpoint: str) -> str:
    """A digest of every quad the endpoint serves, to show that nothing changed."""
    query = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g ?s ?p ?o"
    status, _, body = http(
        "GET",
        f"{endpoint}?{urlencode({'query': query})}",
        headers={"Accept": "text/tab-separated-values"},
    )
    assert status == 200
    return hashlib.sha256(body).hexdigest()


@contextmanager
def listener() -> Iterator[tuple[str, list[bytes]]]:
    """A TCP listener on 127.0.0.1 that records whatever connects to it."""
    received: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(1)
                try:
                    received.append(conn.recv(4096) or b"<connected>")
                except OSError:
                    received.append(b"<connected>")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/sparql", received
    finally:
        time.sleep(0.3)  # give a late connection the chance to be seen
        stop.set()
        thread.join()
        server.close()


# -- read-only ---------------------------------------------------------------------------------

UPDATE_TEXTS = [
    "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "CLEAR ALL",
    "DROP ALL",
    "CREATE GRAPH <http://example.org/g>",
    "ADD DEFAULT TO <http://example.org/g>",
    "MOVE DEFAULT TO <http://example.org/g>",
    "COPY DEFAULT TO <http://example.org/g>",
    "PREFIX ex: <http://example.org/>\nWITH ex:g DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
]


@pytest.mark.parametrize("update", UPDATE_TEXTS)
@pytest.mark.parametrize(
    "how", ["sparql-update", "form-update", "get-update", "form-query", "get-query", "direct-query"]
)
def test_updates_in_every_form_are_refused_and_change_nothing(endpoint, update, how):
    before = data_digest(endpoint)
    if how == "sparql-update":
        response = http("POST", endpoint, update, {"Content-Type": "application/sparql-update"})
    elif how == "form-update":
        response = http("POST", endpoint, urlencode({"update": update}), FORM)
    elif how == "get-update":
        response = http("GET", f"{endpoint}?{urlencode({'update': update})}")
    elif how == "form-query":
        response = http("POST", endpoint, urlencode({"query": update}), FORM)
    elif how == "get-query":
        response = http("GET", f"{endpoint}?{urlencode({'query': update})}")
    else:
        response = http("POST", endpoint, update, DIRECT)
    status, headers, body = response
    assert status == 403, body
    assert b"read-only" in body and headers["content-type"] == "text/plain; charset=utf-8"
    assert data_digest(endpoint) == before


def test_load_fetches_nothing_and_changes_nothing(endpoint):
    before = data_digest(endpoint)
    with listener() as (url, received):
        for response in (
            http("POST", endpoint, f"LOAD <{url}>", {"Content-Type": "application/sparql-update"}),
            http("POST", endpoint, urlencode({"query": f"LOAD <{url}> INTO GRAPH <{url}>"}), FORM),
        ):
            assert response[0] == 403
    assert received == []
    assert data_digest(endpoint) == before


# -- no server-side requests -------------------------------------------------------------------

SERVICE_TEMPLATES = [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "select * where {{ service <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ VALUES ?endpoint {{ <{url}> }} SERVICE ?endpoint {{ ?s ?p ?o }} }}",
    "PREFIX remote: <{url}#>\nASK {{ SERVICE remote:x {{ ?s ?p ?o }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
]


@pytest.mark.parametrize("template", SERVICE_TEMPLATES)
@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_service_clause_is_refused_and_the_listener_hears_nothing(endpoint, template, how):
    with listener() as (url, received):
        query = template.format(url=url)
        if how == "get":
            status, _, body = http("GET", f"{endpoint}?{urlencode({'query': query})}")
        elif how == "form":
            status, _, body = http("POST", endpoint, urlencode({"query": query}), FORM)
        else:
            status, _, body = http("POST", endpoint, query, DIRECT)
        assert status == 400 and b"SERVICE clauses are not allowed" in body
    assert received == []


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
        "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "DESCRIBE <{url}>",
        "SELECT * WHERE {{ BIND(IRI('{url}') AS ?x) }}",
    ],
)
def test_queries_naming_a_url_do_not_fetch_it(endpoint, template):
    with listener() as (url, received):
        query = template.format(url=url)
        status, _, _ = http("GET", f"{endpoint}?{urlencode({'query': query})}")
        assert status == 200
        status, _, _ = http(
            "GET",
            f"{endpoint}?"
            + urlencode({"query": "ASK {}", "default-graph-uri": url, "named-graph-uri": url}),
        )
        assert status == 200
    assert received == []


# -- the time limit ----------------------------------------------------------------------------


def server_processes(port: int) -> dict[int, float]:
    """CPU seconds used so far by every process of the server listening on ``port``."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if b"serve" in cmdline and str(port).encode() in cmdline and stat[0] != "Z":
            found[int(proc.name)] = (int(stat[11]) + int(stat[12])) / 100  # utime + stime
    return found


def test_runaway_query_is_stopped_at_the_limit_and_its_worker_killed(endpoint):
    port = urlsplit(endpoint).port
    answers = []
    thread = threading.Thread(
        target=lambda: answers.append(http("POST", endpoint, RUNAWAY, DIRECT))
    )
    started = time.monotonic()
    thread.start()
    busy: set[int] = set()
    first = server_processes(port)
    while thread.is_alive():  # the process burning CPU while the query runs is its worker
        time.sleep(0.25)
        now = server_processes(port)
        busy |= {pid for pid, cpu in now.items() if cpu - first.get(pid, cpu) >= 0.2}
    thread.join()
    elapsed = time.monotonic() - started
    status, headers, body = answers[0]
    assert status == 503, body
    assert f"stopped after the time limit of {TIMEOUT:g} seconds".encode() in body
    assert b"FRKG_SPARQL_TIMEOUT" in body
    assert elapsed < 60  # it was cut off: unchecked, four cross products would run for hours
    assert len(busy) == 1
    (worker,) = busy
    deadline = time.monotonic() + 10
    while worker in server_processes(port) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert worker not in server_processes(port)  # its CPU is free
    status, _, body = http("GET", f"{endpoint}?query={quote('ASK {}')}")
    assert (status, json.loads(body)["boolean"]) == (200, True)


def test_full_slots_give_429_with_retry_after_and_pages_still_answer(sparql_server, endpoint):
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(http("POST", endpoint, RUNAWAY, DIRECT)))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    time.sleep(0.5)  # both runaways are running now (each holds a slot for TIMEOUT seconds)
    status, headers, body = http("POST", endpoint, "ASK {}", DIRECT)
    health = http("GET", sparql_server + "health")  # a page: not starved by SPARQL
    for t in threads:
        t.join()
    assert status == 429 and headers["retry-after"] == "1"
    assert b"FRKG_SPARQL_MAX_CONCURRENT" in body
    assert health[0] == 200
    assert sorted(r[0] for r in results) == [503, 503]
    assert http("POST", endpoint, "ASK {}", DIRECT)[0] == 200


def test_a_query_that_finds_every_slot_busy_waits_in_the_queue_then_is_answered():
    """RFC 6585 section 4 (429) is for a sustained overload, not a burst: while both slots run
    runaways, one more query waits (FRKG_SPARQL_QUEUE_WAIT) and is answered once a slot frees."""
    args = fixture_server_args(SPARQL_FIXTURE)
    env = {**SPARQL_LIMITS, "FRKG_SPARQL_TIMEOUT": "1", "FRKG_SPARQL_QUEUE_WAIT": "20"}
    with running_server(*args, env=env) as url:
        endpoint = url + "sparql"
        results = []
        threads = [
            threading.Thread(target=lambda: results.append(http("POST", endpoint, RUNAWAY, DIRECT)))
            for _ in range(2)
        ]
        for t in threads:
            t.start()
        time.sleep(0.3)  # both runaways hold a slot until they are killed at the time limit
        status, _, body = http("POST", endpoint, "ASK {}", DIRECT)
        for t in threads:
            t.join()
    assert (status, json.loads(body)["boolean"]) == (200, True)
    assert sorted(r[0] for r in results) == [503, 503]


# -- length and cap ----------------------------------------------------------------------------


def one_megabyte_query() -> str:
    filler = "# " + "x" * 1000 + "\n"
    return "SELECT * WHERE { ?s ?p ?o }\n" + filler * 1024


def test_one_megabyte_query_is_413_in_a_body(endpoint):
    query = one_megabyte_query()
    for body, headers in ((query, DIRECT), (urlencode({"query": query}), FORM)):
        status, _, message = http("POST", endpoint, body, headers)
        assert status == 413 and b"FRKG_SPARQL_MAX_QUERY_LENGTH" in message


def test_query_just_over_the_limit_is_413_and_just_under_runs(endpoint):
    limit = 65536
    head = "SELECT * WHERE { ?s ?p ?o } LIMIT 1\n#"
    under = head + "x" * (limit - len(head))
    assert http("POST", endpoint, under, DIRECT)[0] == 200
    status, _, body = http("POST", endpoint, under + "x", DIRECT)
    assert status == 413 and f"is {limit + 1} bytes long".encode() in body


def test_one_megabyte_query_in_a_url_is_refused_and_the_server_stays_up(endpoint):
    url = f"{endpoint}?{urlencode({'query': one_megabyte_query()})}"
    try:
        status = http("GET", url)[0]
    except (ConnectionResetError, BrokenPipeError):
        # The server answers once it has read the request line's first 8 KiB and closes the
        # connection: the rest of the URL still being sent can meet a reset first. A time-out
        # (a hang) is not caught here: it fails the test.
        status = None
    assert status in (414, None)  # URI Too Long, RFC 9110 section 15.5.15
    assert http("GET", f"{endpoint}?query={quote('ASK {}')}")[0] == 200


def test_cap_is_signalled_by_a_header_never_silently(endpoint):
    status, headers, body = http(
        "GET",
        f"{endpoint}?query={quote('SELECT * WHERE { ?s ?p ?o }')}",
        headers={"Accept": "text/csv"},
    )
    assert status == 200 and headers["frkg-results-truncated"] == str(CAP)
    assert len(body.decode().split("\r\n")) - 2 == CAP  # header line, CAP rows, final newline
    status, headers, body = http(
        "POST",
        endpoint,
        "CONSTRUCT WHERE { ?s ?p ?o }",
        {**DIRECT, "Accept": "application/n-triples"},
    )
    assert status == 200 and headers["frkg-results-truncated"] == str(CAP)
    assert body.count(b"\n") == CAP


def test_answer_under_the_cap_has_no_truncation_header(endpoint):
    status, headers, body = http(
        "GET", f"{endpoint}?query={quote('SELECT * WHERE { ?s ?p ?o } LIMIT 7')}"
    )
    assert status == 200 and "frkg-results-truncated" not in headers
    assert len(json.loads(body)["results"]["bindings"]) == 7


def test_query_workers_start_with_the_server_and_stop_with_it():
    from conftest import fixture_server_args, running_server

    with running_server(*fixture_server_args(), env=SPARQL_LIMITS) as url:
        port = urlsplit(url).port
        # gunicorn master, one server worker, its zygote, and one query worker per slot: forked
        # right after gunicorn forked the server worker, before any query arrived
        deadline = time.monotonic() + 10
        while len(server_processes(port)) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(server_processes(port)) == 3 + int(SPARQL_LIMITS["FRKG_SPARQL_MAX_CONCURRENT"])
        assert http("GET", f"{url}sparql?query={quote('ASK {}')}")[0] == 200
    deadline = time.monotonic() + 10
    while server_processes(port) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server_processes(port) == {}  # nothing left behind
