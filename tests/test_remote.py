"""`frkg serve --sparql-endpoint URL` over a real Virtuoso (Debian's virtuoso-opensource on
127.0.0.1, tests/virtuoso_server.py) loaded with what `frkg load --nquads` writes from the
repository: every entity document and page, every example query, the dumps, VoID, search and
browse must be what the embedded store serves; /sparql keeps every safety property. Engine
differences met on the way are in bench/ENGINE-NOTES.md (21-25), each with its workaround or,
for one example query, pinned below."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from frkg import sparql
from frkg.store import BackendRefused, remote

from conftest import (
    CANONICAL,
    FIXTURES,
    SPARQL_LIMITS,
    assert_same_site,
    entity_slugs,
    example_answer,
    free_port,
    frkg_command,
    http,
    running_server,
    split_jsonld,
)
from http_helpers import parse_rdf
from virtuoso_server import Virtuoso

pytestmark = pytest.mark.slow

QUERY = {"Content-Type": "application/sparql-query"}
JSON_RESULTS = "application/sparql-results+json"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
#: The example query Virtuoso 7.2 answers wrongly whichever way it is written (ENGINE-NOTES 25).
VIRTUOSO_BUG = "opponents-of-bans"


@pytest.fixture(scope="module")
def nquads(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("remote") / "frkg.nq.gz"
    result = frkg_command("load", "--nquads", str(path))
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture(scope="module")
def endpoint(virtuoso, nquads) -> str:
    """The session's Virtuoso with the file loaded by its bulk loader (docs/scaling.md's recipe)."""
    virtuoso.load([nquads], "urn:x-frkg:unused")  # N-Quads name their own graphs
    return virtuoso.endpoint


@pytest.fixture(scope="module")
def remote_server(endpoint) -> str:
    with running_server("--sparql-endpoint", endpoint, "--workers", "2") as url:
        yield url


@pytest.fixture(scope="module")
def busy_endpoint(nquads, tmp_path_factory) -> str:
    """A Virtuoso of its own for runaway queries: it stops them after 5 s, and stopping it at the
    end of the module ends any still running, so they never slow the session's server."""
    with Virtuoso(tmp_path_factory.mktemp("busy-virtuoso"), max_query_seconds=5) as server:
        server.load([nquads], "urn:x-frkg:unused")
        yield server.endpoint


@pytest.fixture(scope="module")
def limited_server(busy_endpoint) -> str:
    """The remote backend with the safety tests' limits: 2 s, 100 rows, 2 queries at once."""
    with running_server("--sparql-endpoint", busy_endpoint, env=SPARQL_LIMITS) as url:
        yield url


def get(url: str, accept: str = "*/*") -> tuple[int, dict[str, str], bytes]:
    return http("GET", url, headers={"Accept": accept, "Accept-Encoding": "identity"})


def post_query(server: str, query: str, accept: str = JSON_RESULTS):
    return http("POST", server + "sparql", query, {**QUERY, "Accept": accept})


# -- the same pages and documents ---------------------------------------------------------------


def test_health_gives_the_data_version_from_the_load_record(remote_server, canonical_server):
    assert json.loads(get(remote_server + "health")[2]) == json.loads(
        get(canonical_server + "health")[2]
    )


def test_every_entity_document_is_the_same_graph(remote_server, canonical_server):
    slugs = entity_slugs(canonical_server)
    assert len(slugs) > 400 and entity_slugs(remote_server) == slugs
    for slug in slugs:
        ours = get(f"{remote_server}data/{slug}.nt")
        theirs = get(f"{canonical_server}data/{slug}.nt")
        assert ours[0] == theirs[0] == 200
        assert ours[1]["etag"] == theirs[1]["etag"]
        nt = "application/n-triples"
        assert isomorphic(parse_rdf(ours[2], nt), parse_rdf(theirs[2], nt)), slug


def test_every_entity_page_shows_the_same(remote_server, canonical_server):
    for slug in entity_slugs(canonical_server):
        ours = split_jsonld(get(f"{remote_server}page/{slug}")[2])
        theirs = split_jsonld(get(f"{canonical_server}page/{slug}")[2])
        assert ours[0] == theirs[0], slug
        jsonld = "application/ld+json"
        assert isomorphic(parse_rdf(ours[1], jsonld), parse_rdf(theirs[1], jsonld))


@pytest.mark.parametrize(
    "path",
    [
        "",
        "dumps/frkg.ttl",
        "dumps/frkg.nq.gz",
        "dumps/frkg.nt.gz",
        "dumps/frkg.jsonld",
        "search?q=greer&format=json",
        "search?q=ban&format=json",
        "browse/frkg:Quote?format=json",
        "browse/frkg:Quote?stance=frkg:stance-opposes-ban&format=json",
        "source/seattle-times-2019-tech-and-police-groups?format=ttl",
        "page/thorn/links?property=https://schema.org/founder",
        "sitemap.xml",
    ],
)
def test_home_dumps_search_and_browse_are_byte_for_byte_the_same(
    remote_server, canonical_server, path
):
    ours, theirs = get(remote_server + path), get(canonical_server + path)
    assert ours[0] == theirs[0] == 200
    assert ours[2] == theirs[2]


@pytest.mark.parametrize("command", [("stats", "--json"), ("export", "--format", "nt")])
def test_stats_and_export_read_the_endpoint_as_they_read_the_files(endpoint, command):
    from_endpoint = frkg_command(*command, "--sparql-endpoint", endpoint)
    assert from_endpoint.returncode == 0, from_endpoint.stderr
    assert from_endpoint.stdout == frkg_command(*command).stdout


def test_frkg_build_from_an_endpoint_writes_the_same_site(tmp_path):
    """`frkg build --sparql-endpoint`: the static site of data held in Virtuoso (a Virtuoso of its
    own, with the small fixture dataset) is the site the files give."""
    files = ("--data", str(FIXTURES / "sparql"), "--shapes", str(FIXTURES / "empty"))
    nquads = tmp_path / "fixture.nq.gz"
    assert frkg_command("load", "--nquads", str(nquads), *files).returncode == 0
    with Virtuoso(tmp_path / "virtuoso") as server:
        server.load([nquads], "urn:x-frkg:unused")
        for name, args in (("files", files), ("endpoint", ("--sparql-endpoint", server.endpoint))):
            done = frkg_command("build", str(tmp_path / name), *args, "--web-root", "/srv/frkg")
            assert done.returncode == 0, done.stderr
    assert_same_site(tmp_path / "endpoint", tmp_path / "files")


@pytest.mark.parametrize("path", ["void.ttl", "ontology.ttl", "shapes.ttl", "sparql?format=turtle"])
def test_void_ontology_shapes_and_service_description_are_the_same_graph(
    remote_server, canonical_server, path
):
    # The shapes are full of blank nodes: they went to Virtuoso as Skolem IRIs and came back.
    ours, theirs = get(remote_server + path), get(canonical_server + path)
    assert ours[0] == theirs[0] == 200
    assert isomorphic(parse_rdf(ours[2], "text/turtle"), parse_rdf(theirs[2], "text/turtle"))


# -- /sparql: the same answers ------------------------------------------------------------------


@pytest.mark.parametrize(
    "example",
    [e for e in sparql.example_queries() if e.name != VIRTUOSO_BUG],
    ids=lambda e: e.name,
)
def test_every_example_query_gives_the_same_answer(remote_server, canonical_server, example):
    answers = []
    for server in (remote_server, canonical_server):
        status, _, body = post_query(server, example.text)
        assert status == 200, body
        answers.append(example_answer(example.text, body))
    assert answers[0] == answers[1]
    assert answers[0][0], "the example finds something"


def test_virtuoso_drops_the_alternatives_of_opponents_of_bans(remote_server, canonical_server):
    """ENGINE-NOTES 25: an OPTIONAL whose group joins a UNION, a transitive path and language
    filters loses matches in Virtuoso 7.2; no rewrite tried keeps the meaning and avoids it. The
    opponents are all there; their alternatives are not. When this fails, Virtuoso got it right:
    fold the example back into the test above."""
    example = next(e for e in sparql.example_queries() if e.name == VIRTUOSO_BUG)
    rows = {}
    for name, server in (("virtuoso", remote_server), ("embedded", canonical_server)):
        status, _, body = post_query(server, example.text)
        assert status == 200
        rows[name] = json.loads(body)["results"]["bindings"]
    alternatives = {
        n: {r["alternative"]["value"] for r in v if "alternative" in r} for n, v in rows.items()
    }
    opponents = {n: {r["opponent"]["value"] for r in v} for n, v in rows.items()}
    assert opponents["virtuoso"] == opponents["embedded"]
    assert alternatives["embedded"] and alternatives["virtuoso"] < alternatives["embedded"]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        f"SELECT (COUNT(*) AS ?n) FROM <{CANONICAL}graph/data/agents> WHERE {{ ?s ?p ?o }}",
        f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{CANONICAL}graph/data/roles> "
        "WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
        # Virtuoso's own graph, the load record and the union graph are not part of the dataset.
        "SELECT (COUNT(*) AS ?n) FROM <http://www.openlinksw.com/schemas/virtrdf#> "
        "WHERE { ?s ?p ?o }",
        f"SELECT (COUNT(*) AS ?n) FROM <{CANONICAL}graph/load> WHERE {{ ?s ?p ?o }}",
        f"SELECT (COUNT(*) AS ?n) FROM NAMED <{CANONICAL}graph/union> "
        "WHERE { GRAPH ?g { ?s ?p ?o } }",
        # Prefixed names (with an escaped /) and relative IRIs are resolved as the parser does.
        "PREFIX : <https://w3id.org/frkg/graph/> SELECT (COUNT(*) AS ?n) "
        "FROM :data\\/agents FROM :data\\/roles WHERE { ?s ?p ?o }",
        "BASE <https://w3id.org/frkg/graph/data/> SELECT (COUNT(*) AS ?n) FROM <roles> "
        "WHERE { ?s ?p ?o }",
        "ASK { ?s ?p ?o }",
        "ASK { ?s <http://example.org/nothing> ?o }",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(?s = <https://w3id.org/frkg/id/thorn>) }",
    ],
)
def test_queries_see_the_dataset_and_nothing_else(remote_server, canonical_server, query):
    construct = query.startswith("CONSTRUCT")
    accept = "application/n-triples" if construct else JSON_RESULTS
    bodies = [post_query(s, query, accept) for s in (remote_server, canonical_server)]
    assert bodies[0][0] == bodies[1][0] == 200
    if construct:
        nt = "application/n-triples"
        assert isomorphic(parse_rdf(bodies[0][2], nt), parse_rdf(bodies[1][2], nt))
    else:
        assert json.loads(bodies[0][2]) == json.loads(bodies[1][2])


def test_protocol_dataset_parameters_are_kept_to_the_dataset(remote_server, canonical_server):
    params = {
        "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        "default-graph-uri": [
            "http://www.openlinksw.com/schemas/virtrdf#",
            f"{CANONICAL}graph/data/roles",
        ],
    }
    answers = [
        get(f"{s}sparql?{urlencode(params, doseq=True)}", JSON_RESULTS)[2]
        for s in (remote_server, canonical_server)
    ]
    assert json.loads(answers[0]) == json.loads(answers[1])
    assert json.loads(answers[0])["results"]["bindings"][0]["n"]["value"] == "12"


def test_a_syntax_error_reads_as_on_the_embedded_store(remote_server, canonical_server):
    bodies = [post_query(s, "SELECT * WHERE { ?s ?p ") for s in (remote_server, canonical_server)]
    assert bodies[0][0] == bodies[1][0] == 400
    assert bodies[0][2] == bodies[1][2]


def test_describe_is_the_engines_own_and_says_at_least_what_the_thing_says(remote_server):
    # SPARQL 1.1 section 16.4 leaves DESCRIBE's answer to the service: Virtuoso adds more
    # (ENGINE-NOTES 24); the thing's own statements are there.
    status, _, body = post_query(
        remote_server, "DESCRIBE <https://w3id.org/frkg/id/thorn>", "application/n-triples"
    )
    assert status == 200
    graph = parse_rdf(body, "application/n-triples")
    thorn = rdflib.URIRef("https://w3id.org/frkg/id/thorn")
    assert len(list(graph.triples((thorn, None, None)))) >= 10


# -- /sparql: the same safety -------------------------------------------------------------------


def test_service_is_refused_before_anything_is_sent(limited_server):
    status, _, body = post_query(
        limited_server, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    )
    assert status == 400 and b"SERVICE clauses are not allowed" in body


@pytest.mark.parametrize("update", ["INSERT DATA { <http://a> <http://b> <http://c> }", "DROP ALL"])
def test_updates_are_refused_and_change_nothing(limited_server, canonical_server, update):
    before = post_query(limited_server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[2]
    status, _, body = http(
        "POST", limited_server + "sparql", update, {"Content-Type": "application/sparql-update"}
    )
    assert status == 403 and b"read-only" in body
    status, _, body = post_query(limited_server, update)
    assert status == 403
    assert post_query(limited_server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[2] == before


def test_the_result_cap_is_signalled(limited_server):
    status, headers, body = post_query(limited_server, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 200
    assert headers["frkg-results-truncated"] == SPARQL_LIMITS["FRKG_SPARQL_RESULT_CAP"]
    assert len(json.loads(body)["results"]["bindings"]) == 100
    status, headers, body = post_query(
        limited_server, "CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples"
    )
    assert status == 200 and headers["frkg-results-truncated"] == "100"
    assert len(body.splitlines()) == 100


def test_a_long_query_is_413(limited_server):
    status, _, _ = post_query(limited_server, "SELECT * WHERE { ?s ?p ?o }\n" + "# x\n" * 20000)
    assert status == 413


def test_a_runaway_query_is_stopped_at_the_time_limit(limited_server):
    status, _, body = post_query(limited_server, RUNAWAY)
    # This server's limit (2 s), not Virtuoso's own (5 s, which would be a 400 from the endpoint).
    assert status == 503 and b"FRKG_SPARQL_TIMEOUT" in body
    assert post_query(limited_server, "ASK {}")[0] == 200


def test_full_query_slots_give_429_and_pages_still_answer(limited_server):
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(post_query(limited_server, RUNAWAY)))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    time.sleep(0.5)  # both are running now, each holding a slot until the time limit
    status, headers, body = post_query(limited_server, "ASK {}")
    page = get(limited_server + "page/thorn")
    for t in threads:
        t.join()
    assert status == 429 and headers["retry-after"] == "1"
    assert page[0] == 200
    assert sorted(r[0] for r in results) == [503, 503]


# -- the adapter ----------------------------------------------------------------------------------


def test_blank_nodes_can_be_looked_up_by_label(endpoint):
    kg = remote.connect(endpoint)
    snapshot = kg.store.local()
    node = next(
        q.subject
        for q in snapshot.quads_for_pattern(None, None, None, None)
        if isinstance(q.subject, ox.BlankNode)
    )
    assert set(kg.store.quads_for_pattern(node, None, None, None)) == set(
        snapshot.quads_for_pattern(node, None, None, None)
    )


# -- an endpoint that cannot be used --------------------------------------------------------------


def test_serve_refuses_an_endpoint_nobody_listens_on():
    url = f"http://127.0.0.1:{free_port()}/sparql"
    result = frkg_command("serve", "--sparql-endpoint", url)
    assert result.returncode == 2
    assert "cannot be reached" in result.stderr and "Traceback" not in result.stderr


def test_stats_and_export_refuse_an_endpoint_nobody_listens_on():
    url = f"http://127.0.0.1:{free_port()}/sparql"
    for command, outcome in (("stats", "counted"), ("export", "written")):
        result = frkg_command(command, "--sparql-endpoint", url)
        assert result.returncode == 2 and result.stdout == ""
        assert "cannot be reached" in result.stderr and f"nothing was {outcome}" in result.stderr
        assert "Traceback" not in result.stderr


def test_an_endpoint_that_cuts_answers_or_goes_away_is_an_error_not_a_wrong_answer(
    tmp_path, nquads
):
    server = Virtuoso(tmp_path / "small", max_rows=100)
    server.start()
    try:
        result = frkg_command("serve", "--sparql-endpoint", server.endpoint)
        assert result.returncode == 2 and "no load record" in result.stderr
        server.load([nquads], "urn:x-frkg:unused")
        result = frkg_command("serve", "--sparql-endpoint", server.endpoint)
        assert result.returncode == 2
        assert "ResultSetMaxRows" in result.stderr and "Traceback" not in result.stderr
        with pytest.raises(BackendRefused, match="ResultSetMaxRows"):
            remote.connect(server.endpoint)  # the load record alone is over 100 rows
    finally:
        server.stop()
    server = Virtuoso(tmp_path / "fine")
    server.start()
    try:
        server.load([nquads], "urn:x-frkg:unused")
        with running_server("--sparql-endpoint", server.endpoint) as url:
            assert get(url + "page/thorn")[0] == 200
            server.stop()
            status, headers, body = get(url + "page/thorn", "text/html")
            assert status == 503 and headers["retry-after"] == "5"
            assert b"data backend did not answer" in body
            status, _, body = post_query(url, "ASK { ?s ?p ?o }")
            assert status == 502 and b"did not answer" in body
            assert get(url + "health")[0] == 200  # built at start-up: the indexes stay
    finally:
        server.stop()


# -- engine differences met here, pinned (bench/ENGINE-NOTES.md 21-28) ----------------------------
# Each asserts what Virtuoso does today, straight over the protocol, and that the workaround in
# frkg.store.remote or in the example query gives the embedded store's answer. An engine upgrade
# that changes one shows up here.

PREFIXES = (
    "PREFIX frkg: <https://w3id.org/frkg/ontology#> PREFIX id: <https://w3id.org/frkg/id/> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX org: <http://www.w3.org/ns/org#> "
    "PREFIX schema: <https://schema.org/> "
)


def virtuoso_answer(
    endpoint: str, query: str, default: list[str], accept: str = JSON_RESULTS
) -> tuple[int, dict[str, str], bytes]:
    """Straight to Virtuoso: a POSTed form (SPARQL 1.1 Protocol 2.1.2) with these default graphs."""
    form = urlencode({"query": query, "default-graph-uri": default}, doseq=True)
    return http(
        "POST",
        endpoint,
        form,
        {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
    )


def virtuoso_rows(endpoint: str, query: str, default: list[str]) -> list[dict]:
    status, _, body = virtuoso_answer(endpoint, query, default)
    assert status == 200, body
    return json.loads(body)["results"]["bindings"]


def file_graphs(endpoint: str) -> list[str]:
    return [g.value for g in remote.connect(endpoint).store.named_graphs()]


UNION = [f"{CANONICAL}graph/union"]


def test_21_many_default_graphs_give_wrong_rows_for_a_path_joined_with_a_language_filter(
    endpoint, canonical_server
):
    example = next(e for e in sparql.example_queries() if e.name == "debate-bans-in-massachusetts")

    def pairs(rows: list[dict]) -> set[tuple[str, str]]:
        return {(r["policy"]["value"], r["place"]["value"]) for r in rows}

    expected = pairs(
        json.loads(post_query(canonical_server, example.text)[2])["results"]["bindings"]
    )
    assert len(expected) == 6
    # The 27 file graphs as default graphs: rows from places outside Massachusetts, or none.
    assert pairs(virtuoso_rows(endpoint, example.text, file_graphs(endpoint))) != expected
    assert pairs(virtuoso_rows(endpoint, example.text, UNION)) == expected  # one graph: right


def test_22_protocol_graphs_are_added_to_from_graphs_not_put_in_their_place(endpoint):
    query = f"SELECT (COUNT(*) AS ?n) FROM <{CANONICAL}graph/data/roles> WHERE {{ ?s ?p ?o }}"
    (row,) = virtuoso_rows(endpoint, query, [f"{CANONICAL}graph/data/agents"])
    assert row["n"]["value"] == "185"  # 12 + 173; Protocol 2.1.4: the 173 of agents only
    # frkg.store.remote takes the FROM out and sends it as the parameter: 12, as the embedded store.


def test_23_a_second_base_is_a_syntax_error(endpoint):
    query = "BASE <http://example.org/a/> BASE <http://example.org/b/> ASK {}"
    status, _, body = virtuoso_answer(endpoint, query, UNION)
    assert status == 400 and b"syntax error at 'BASE'" in body


def test_24_describe_says_more_than_pyoxigraph(endpoint, canonical_server):
    query = "DESCRIBE <https://w3id.org/frkg/id/thorn>"
    nt = "application/n-triples"
    theirs = parse_rdf(virtuoso_answer(endpoint, query, UNION, nt)[2], nt)
    ours = parse_rdf(post_query(canonical_server, query, nt)[2], nt)
    assert len(ours) < len(theirs) and set(ours) <= set(theirs)


def test_25_paths_joined_after_other_patterns_or_in_an_or_lose_rows(endpoint, canonical_server):
    # The two example queries as they were written before (ENGINE-NOTES 25), and as they are.
    letters = next(e for e in sparql.example_queries() if e.name == "open-letter-signatories").text
    people = next(
        e for e in sparql.example_queries() if e.name == "debate-organizations-and-people"
    )
    workaround = "  FILTER EXISTS { ?class rdfs:subClassOf* org:Organization }\n"
    joined = letters.replace(workaround, "  ?class rdfs:subClassOf* org:Organization .\n")
    listed = people.text[people.text.index("  { BIND(schema:Person AS ?class) }") :]
    listed = listed[: listed.index("  ?agent a ?class .\n")]
    either = people.text.replace(
        listed,
        "  ?agent a ?class .\n"
        "  FILTER(?class = schema:Person || EXISTS { ?class rdfs:subClassOf* org:Organization })\n",
    ).replace("  ?agent a ?class .\n  ?agent a ?class .\n", "  ?agent a ?class .\n")
    assert joined != letters and either != people.text
    for before, after in ((joined, letters), (either, people.text)):
        expected = json.loads(post_query(canonical_server, after)[2])["results"]["bindings"]
        assert (
            json.loads(post_query(canonical_server, before)[2])["results"]["bindings"] == expected
        )
        assert len(virtuoso_rows(endpoint, before, UNION)) < len(expected)
        assert len(virtuoso_rows(endpoint, after, UNION)) == len(expected)


def test_26_group_concat_drops_the_language_says_empty_and_coalesce_around_it_crashes(endpoint):
    query = (
        PREFIXES + "SELECT ?p (GROUP_CONCAT(DISTINCT ?id; separator=',') AS ?ids) "
        "(GROUP_CONCAT(DISTINCT ?label; separator=',') AS ?labels) WHERE { "
        "?p a frkg:CorporatePolicy ; rdfs:label ?label . "
        "OPTIONAL { ?p schema:legislationIdentifier ?id } } GROUP BY ?p"
    )
    rows = virtuoso_rows(endpoint, query, UNION)
    assert rows and all(r["ids"]["value"] == "" for r in rows)  # pyoxigraph: unbound
    assert all("xml:lang" not in r["labels"] for r in rows)  # pyoxigraph: @en
    adopted = next(e for e in sparql.example_queries() if e.name == "adopted-policies").text
    crashing = adopted.replace(
        '(GROUP_CONCAT(DISTINCT STR(?kindLabel); separator=", ") AS ?kinds)',
        '(COALESCE(GROUP_CONCAT(DISTINCT ?kindLabel; separator=", "), "") AS ?kinds)',
    )
    assert crashing != adopted
    status, _, body = virtuoso_answer(endpoint, crashing, UNION)
    assert status == 500 and b"Internal Optimized compiler error" in body


def test_27_tab_separated_results_are_not_sparql_tsv(endpoint):
    status, _, body = virtuoso_answer(
        endpoint,
        "SELECT ?s WHERE { ?s a <https://w3id.org/frkg/ontology#City> } LIMIT 1",
        UNION,
        "text/tab-separated-values",
    )
    header, value = body.decode().splitlines()[:2]
    assert status == 200 and header == '"s"'  # SPARQL 1.1 TSV: ?s, and the IRI in <>
    assert value.startswith('"https://') and not value.startswith("<")


def test_28_a_query_over_virtuosos_own_time_limit_is_an_error_not_a_partial_answer(busy_endpoint):
    status, _, body = virtuoso_answer(busy_endpoint, RUNAWAY, UNION)
    assert status == 500 and b"Transaction timed out" in body
