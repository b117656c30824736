"""The walls of the public SPARQL endpoint, over real HTTP, for each way round them found before.

One parser decides (frkg.sparql_syntax) and only its written-back text reaches an engine; the
query workers are walled off from the network and capped in memory (frkg.sparql.sandbox); every
answer is capped in bytes as well as rows. Servers: the small fixture dataset in memory and in
an on-disk store (``--store``), with short limits.
"""

from __future__ import annotations

import json
import socket
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest

from frkg import sparql, store
from frkg.config import Settings

from conftest import (
    FIXTURES,
    SPARQL_FIXTURE,
    SPARQL_LIMITS,
    fixture_server_args,
    frkg_command,
    http,
    running_server,
)
from hostile_queries import SHAPES

DIRECT = {"Content-Type": "application/sparql-query"}
RESULT_MAX_BYTES = 20000
WALL_LIMITS = {
    **SPARQL_LIMITS,
    "FRKG_SPARQL_TIMEOUT": "30",  # the memory ceiling, not the time limit, stops the bombs
    "FRKG_SPARQL_WORKER_MEMORY_MB": "300",
    "FRKG_SPARQL_RESULT_MAX_BYTES": str(RESULT_MAX_BYTES),
}


@pytest.fixture(scope="module")
def built_store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("walls") / "store"
    result = frkg_command(
        "load", "--store", str(folder), "--data", str(SPARQL_FIXTURE),
        "--shapes", str(FIXTURES / "empty"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture(scope="module", params=["memory", "store"])
def server(request, built_store) -> Iterator[str]:
    """``frkg serve`` with the walls' limits, over the fixture data in memory or on disk."""
    if request.param == "memory":
        args = fixture_server_args()
    else:
        args = ["--store", str(built_store)]
    with running_server(*args, env=WALL_LIMITS) as url:
        yield url


@contextmanager
def canary() -> Iterator[tuple[str, list[bytes]]]:
    """A TCP listener on 127.0.0.1 that records whatever connects to it."""
    heard: list[bytes] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    heard.append(conn.recv(4096) or b"<connected>")
                except OSError:
                    heard.append(b"<connected>")

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/sparql", heard
    finally:
        stop.set()
        thread.join()
        listener.close()


def post(server: str, query: str, accept: str = "application/sparql-results+json", **kwargs):
    return http("POST", server + "sparql", query, {**DIRECT, "Accept": accept}, **kwargs)


# -- one parser decides --------------------------------------------------------------------------

GLUED = [
    # pyoxigraph reads `true SERVICE`, `SERVICE SILENT`: the old token scan saw neither
    "SELECT * {{ ?s ?p trueSERVICE<{url}>{{ ?s ?p ?o }} }}",
    "SELECT * {{ ?s ?p ?o SERVICESILENT<{url}>{{ ?s ?p ?o }} }}",
    # `<` as an IRI to the old scan, a less-than and a comment to pyoxigraph
    'SELECT * {{ ?s ?p ?o FILTER(1 <2#>"""\n|| true) SERVICE <{url}> {{ ?s ?p ?o }}\n#""" )\n}}',
]


@pytest.mark.parametrize("template", GLUED, ids=["true-service", "service-silent", "less-than"])
def test_service_hidden_by_token_tricks_is_refused_and_fetches_nothing(server, template):
    with canary() as (url, heard):
        status, _, body = post(server, template.format(url=url))
    assert status == 400, body
    assert b"Syntax error" in body or b"SERVICE clauses are not allowed" in body
    assert heard == []


def test_a_query_that_passes_runs_as_written_back_not_as_sent(server):
    # A comment ending in an escaped newline: section 19.2 would decode it, pyoxigraph not.
    status, _, body = post(server, "SELECT * { ?s ?p ?o } # \\u000A LIMIT 1")
    assert status == 400 and b"cannot stand for the end of a comment" in body
    status, _, body = post(server, "SELECT (TRUE AS ?t) {}")  # pyoxigraph alone says: error
    assert status == 200 and json.loads(body)["results"]["bindings"][0]["t"]["value"] == "true"


@pytest.mark.parametrize("size", [48 * 1024, 64 * 1024])
def test_hostile_bodies_of_the_old_checkers_worst_shape_are_refused(server, size):
    # The old check's prefixed-name rule took more than 30 s of CPU on 48 KiB of this; four
    # at once would have held every query thread. Each is now refused on its first word (its
    # cost, linear, is measured in bench/sparql_check_cost.py). The client waits 20 s at most.
    body = SHAPES["name-dash-run"](size)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: post(server, body, timeout=20), range(4)))
    for status, _, message in answers:
        assert status == 400 and b"is not a SPARQL keyword" in message
    assert http("GET", server + "health")[0] == 200


# -- memory --------------------------------------------------------------------------------------


def doubling(times: int) -> str:
    binds = " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(times))
    return f'SELECT (STRLEN(?s{times}) AS ?n) WHERE {{ BIND("0123456789abcdef" AS ?s0) {binds} }}'


BOMBS = {
    "string-doubling": doubling(30),  # 16 GiB of string
    "order-by-cross-product": (
        "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } ORDER BY ?a ?c ?f ?i ?l"
    ),
}


@pytest.mark.parametrize("bomb", sorted(BOMBS))
def test_memory_bomb_gets_503_and_pages_keep_answering(server, bomb):
    answers: list = []
    thread = threading.Thread(target=lambda: answers.append(post(server, BOMBS[bomb])))
    thread.start()
    pages = []
    while thread.is_alive():
        pages.append(http("GET", server + "health")[0])
        pages.append(http("GET", server + "void")[0])
        thread.join(0.2)
    status, _, body = answers[0]
    assert status == 503, body
    assert b"more memory than one query may use" in body
    assert b"FRKG_SPARQL_WORKER_MEMORY_MB" in body
    assert pages and set(pages) == {200}
    # The worker that died was replaced: the next query runs.
    status, _, body = post(server, "ASK {}")
    assert (status, json.loads(body)["boolean"]) == (200, True)


# -- bytes ---------------------------------------------------------------------------------------

HUGE = doubling(16).replace("(STRLEN(?s16) AS ?n)", "?s16")  # one row, one 1 MiB literal


@pytest.mark.parametrize(
    "accept",
    [
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ],
)
def test_one_row_with_a_huge_literal_is_cut_at_the_byte_cap_in_every_format(server, accept):
    status, headers, body = post(server, HUGE, accept=accept)
    assert status == 200, body[:300]
    assert len(body) <= RESULT_MAX_BYTES
    assert headers["frkg-results-truncated"] == "0"  # no row fitted: none is sent
    if "json" in accept:
        assert json.loads(body)["results"]["bindings"] == []
    elif "xml" in accept:
        ns = "{http://www.w3.org/2005/sparql-results#}"
        assert ET.fromstring(body).find(f"{ns}results").findall(f"{ns}result") == []
    else:
        assert body.decode().strip().splitlines() == ["s16" if "csv" in accept else "?s16"]


def test_rows_are_kept_while_they_fit_in_the_byte_cap(server):
    query = 'SELECT ?i ?x WHERE { VALUES ?i { 1 2 3 4 5 6 7 8 9 } BIND(CONCAT("x", STR(?i)) AS ?x) '
    query += "} ORDER BY ?i"
    padding = "x" * 4000
    query = query.replace('"x"', f'"{padding}"')
    status, headers, body = post(server, query)
    assert status == 200 and len(body) <= RESULT_MAX_BYTES
    rows = json.loads(body)["results"]["bindings"]
    assert 0 < len(rows) < 9 and headers["frkg-results-truncated"] == str(len(rows))
    assert [r["i"]["value"] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples", "application/ld+json"])
def test_graph_answer_with_a_huge_literal_is_cut_at_the_byte_cap(server, accept):
    construct = HUGE.replace(
        "SELECT ?s16 WHERE", "CONSTRUCT { <http://e/s> <http://e/p> ?s16 } WHERE"
    )
    status, headers, body = post(server, construct, accept=accept)
    assert status == 200 and len(body) <= RESULT_MAX_BYTES
    assert headers["frkg-results-truncated"] == "0"


# -- the network wall, with the checker bypassed on purpose --------------------------------------


@pytest.fixture(scope="module", params=["memory", "store"])
def backend(request, built_store) -> store.KnowledgeGraph:
    if request.param == "memory":
        return store.load(Settings(data=[str(SPARQL_FIXTURE)], shapes=[str(FIXTURES / "empty")]))
    return store.open(Settings(store=str(built_store)))


@pytest.mark.parametrize("silent", ["", "SILENT "])
def test_service_sent_straight_to_a_worker_reaches_no_listener(backend, silent):
    service = sparql.SparqlService(backend, endpoint="http://example.org/sparql")
    try:
        with canary() as (url, heard):
            # No check: the text goes to the worker as a bypass of the checker would send it.
            raw = sparql.QueryRequest(f"SELECT * {{ SERVICE {silent}<{url}> {{ ?s ?p ?o }} }}")
            try:
                answer = service.pool().run(raw, timeout=10)
            except sparql.QueryFailed as e:
                assert "Permission denied" in str(e)
            else:  # SILENT: a failed SERVICE is one solution binding nothing (section 8.3.1)
                assert silent and json.loads(answer.body)["results"]["bindings"] == [{}]
        assert heard == []
        # The same worker pool still answers ordinary queries.
        assert service.query("ASK { ?s ?p ?o }").body.endswith(b"true}")
    finally:
        service.close()


def test_the_dataset_clause_is_read_from_the_parse():
    parsed = sparql.check("ASK FROM <http://e/g> { ?s ?p ?o }", 1000)
    assert parsed.default_graphs == ("http://e/g",)
    with pytest.raises(sparql.QuerySyntaxError):
        sparql.check("ASKFROM<http://e/g>{ ?s ?p ?o }", 1000)  # one word to the grammar
    assert ox.Store().query("ASKFROM<http://e/g>{ ?s ?p ?o }") is not None  # pyoxigraph: two
