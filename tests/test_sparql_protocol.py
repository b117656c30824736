"""SPARQL 1.1 Protocol over real HTTP: W3C protocol tests, negotiation, service description, CORS.

The ``test_w3c_*`` tests translate the query-side tests of the W3C SPARQL 1.1 Protocol test
suite (w3c/rdf-tests, sparql/sparql11/protocol/manifest.ttl), each named after its test. The
suite's graphs data1.rdf .. data3.rdf are the named graphs ``{base}graph/data/data1`` .. of the
fixture server (tests/fixtures/protocol), and ``<http://kasei.us/.../dataN.rdf>`` is the resource
``id:w3c-protocol-dataN`` in each. The suite's data0.rdf names a graph that does not exist.
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import pytest
import rdflib

from conftest import http

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}


UNION_COUNT = "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }"
GRAPH_COUNTS = "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
NAMED_ASK = "ASK {{ GRAPH ?g1 {{ <{one}> a ?type }} GRAPH ?g2 {{ <{two}> a ?type }} }}"


def graph(base: str, n: int) -> str:
    return f"{base}graph/data/data{n}"


def doc(base: str, n: int) -> str:
    return f"{base}id/w3c-protocol-data{n}"


def boolean(status_headers_body) -> bool:
    status, headers, body = status_headers_body
    assert 200 <= status < 400, body
    assert headers["content-type"].startswith("application/sparql-results+json")
    return json.loads(body)["boolean"]


@pytest.fixture(scope="module")
def base(sparql_server) -> str:
    return sparql_server


@pytest.fixture(scope="module")
def endpoint(base) -> str:
    return base + "sparql"


# -- W3C SPARQL 1.1 Protocol tests: query operation -------------------------------------------


def test_w3c_query_post_form(endpoint, base):
    url = f"{endpoint}?default-graph-uri={quote(graph(base, 0), safe='')}"
    assert boolean(http("POST", url, "query=ASK%20%7B%7D", FORM)) is True


def test_w3c_query_dataset_default_graphs_get(endpoint, base):
    query = f"ASK {{ <{doc(base, 1)}> a ?type . <{doc(base, 2)}> a ?type . }}"
    params = [
        ("query", query),
        ("default-graph-uri", graph(base, 1)),
        ("default-graph-uri", graph(base, 2)),
    ]
    assert boolean(http("GET", f"{endpoint}?{urlencode(params)}")) is True
    # and with one of the two graphs only, the same ASK is false: the dataset really is used
    assert boolean(http("GET", f"{endpoint}?{urlencode(params[:2])}")) is False


def test_w3c_query_dataset_default_graphs_post(endpoint, base):
    query = f"ASK {{ <{doc(base, 1)}> a ?type . <{doc(base, 2)}> a ?type . }}"
    params = urlencode(
        [("default-graph-uri", graph(base, 1)), ("default-graph-uri", graph(base, 2))]
    )
    assert boolean(http("POST", f"{endpoint}?{params}", query, DIRECT)) is True


def test_w3c_query_dataset_named_graphs_post(endpoint, base):
    query = NAMED_ASK.format(one=doc(base, 1), two=doc(base, 2))
    params = urlencode([("named-graph-uri", graph(base, 1)), ("named-graph-uri", graph(base, 2))])
    assert boolean(http("POST", f"{endpoint}?{params}", query, DIRECT)) is True


def test_w3c_query_dataset_named_graphs_get(endpoint, base):
    query = NAMED_ASK.format(one=doc(base, 1), two=doc(base, 2))
    params = [
        ("query", query),
        ("named-graph-uri", graph(base, 1)),
        ("named-graph-uri", graph(base, 2)),
    ]
    assert boolean(http("GET", f"{endpoint}?{urlencode(params)}")) is True
    # data3 is not among the named graphs given, so it cannot be matched
    other = query.replace(doc(base, 2), doc(base, 3))
    assert boolean(http("GET", f"{endpoint}?{urlencode([('query', other), *params[1:]])}")) is False


def test_w3c_query_dataset_full(endpoint, base):
    query = (
        f"ASK {{ <{doc(base, 3)}> a ?type "
        f"GRAPH ?g1 {{ <{doc(base, 1)}> a ?type }} GRAPH ?g2 {{ <{doc(base, 2)}> a ?type }} }}"
    )
    params = urlencode(
        [
            ("default-graph-uri", graph(base, 3)),
            ("named-graph-uri", graph(base, 1)),
            ("named-graph-uri", graph(base, 2)),
        ]
    )
    assert boolean(http("POST", f"{endpoint}?{params}", query, DIRECT)) is True


def test_w3c_query_multiple_dataset(endpoint, base):
    # The protocol's dataset replaces the query's FROM (SPARQL 1.1 Protocol 2.1.4). The suite
    # encodes its second named-graph-uri inside the first (%26); here they are two parameters.
    query = (
        f"ASK FROM <{graph(base, 3)}> "
        f"{{ GRAPH ?g1 {{ <{doc(base, 1)}> a ?type }} GRAPH ?g2 {{ <{doc(base, 2)}> a ?type }} }}"
    )
    params = urlencode([("named-graph-uri", graph(base, 1)), ("named-graph-uri", graph(base, 2))])
    assert boolean(http("POST", f"{endpoint}?{params}", query, DIRECT)) is True
    # Without the protocol dataset the query's FROM rules: no named graphs, so false.
    assert boolean(http("POST", endpoint, query, DIRECT)) is False


def test_w3c_query_get(endpoint, base):
    params = urlencode([("query", "ASK {}"), ("default-graph-uri", graph(base, 0))])
    assert boolean(http("GET", f"{endpoint}?{params}")) is True


def test_w3c_query_content_type_select(endpoint, base):
    status, headers, body = http("POST", endpoint, "SELECT (1 AS ?value) {}", DIRECT)
    assert status == 200
    assert headers["content-type"] == "application/sparql-results+json; charset=utf-8"
    assert json.loads(body)["results"]["bindings"][0]["value"]["value"] == "1"


def test_w3c_query_content_type_ask(endpoint):
    status, headers, _ = http("POST", endpoint, "ASK {}", DIRECT)
    assert status == 200 and headers["content-type"].startswith("application/sparql-results+json")


@pytest.mark.parametrize(
    "query",
    ["DESCRIBE <http://example.org/>", "CONSTRUCT { <s> <p> 1 } WHERE {}"],
    ids=["describe", "construct"],
)
def test_w3c_query_content_type_describe_and_construct(endpoint, base, query):
    # query_content_type_describe and query_content_type_construct
    status, headers, body = http("POST", endpoint, query, DIRECT)
    assert status == 200 and headers["content-type"] == "text/turtle; charset=utf-8"
    parsed = rdflib.Graph().parse(data=body, format="turtle")
    if query.startswith("CONSTRUCT"):  # relative IRIs resolve against the endpoint
        assert set(parsed) == {
            (rdflib.URIRef(base + "s"), rdflib.URIRef(base + "p"), rdflib.Literal(1))
        }


def test_w3c_query_post_direct(endpoint):
    assert boolean(http("POST", endpoint, "ASK {}", DIRECT)) is True


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_w3c_bad_query_method(endpoint, base, method):
    params = urlencode([("query", "ASK {}"), ("default-graph-uri", graph(base, 0))])
    status, headers, body = http(method, f"{endpoint}?{params}", b"", FORM)
    assert status == 405 and "GET" in headers["allow"] and b"not a SPARQL query operation" in body


def test_w3c_bad_multiple_queries(endpoint):
    status, _, body = http("GET", f"{endpoint}?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D")
    assert status == 400 and b"more than one query" in body


def test_w3c_bad_query_wrong_media_type(endpoint):
    status, _, body = http("POST", endpoint, "ASK {}", {"Content-Type": "text/plain"})
    assert status == 415 and b"application/sparql-query" in body


def test_w3c_bad_query_missing_form_type(endpoint):
    status, _, _ = http("POST", endpoint, "query=ASK%20%7B%7D")
    assert status == 415


def test_w3c_bad_query_missing_direct_type(endpoint):
    status, _, _ = http("POST", endpoint, "ASK {}")
    assert status == 415


def test_w3c_bad_query_non_utf8(endpoint):
    body = "ASK {}".encode("utf-16")  # with a BOM, as the suite says
    status, _, message = http(
        "POST", endpoint, body, {"Content-Type": "application/sparql-query; charset=UTF-16"}
    )
    assert status == 415 and b"must be UTF-8" in message
    status, _, message = http("POST", endpoint, body, DIRECT)  # undeclared, and not UTF-8
    assert status == 400 and b"not valid UTF-8" in message


def test_w3c_bad_query_syntax(endpoint):
    status, headers, body = http("GET", f"{endpoint}?query=ASK%20%7B")
    assert status == 400 and headers["content-type"] == "text/plain; charset=utf-8"
    assert body.startswith(b"Syntax error at line 1, column ")


# -- W3C SPARQL 1.1 Protocol tests: update operation (every update is refused) ----------------


def test_w3c_bad_update_get(endpoint):
    status, _, body = http("GET", f"{endpoint}?update=CLEAR%20ALL")
    assert status == 403 and b"read-only" in body


def test_w3c_bad_multiple_updates(endpoint):
    status, _, _ = http("POST", endpoint, "update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", FORM)
    assert status == 403


def test_w3c_bad_update_wrong_media_type(endpoint):
    status, _, _ = http("POST", endpoint, "CLEAR NAMED", {"Content-Type": "text/plain"})
    assert status == 415


def test_w3c_bad_update_missing_form_type(endpoint):
    status, _, _ = http("POST", endpoint, "update=CLEAR%20NAMED")
    assert status == 415


def test_w3c_bad_update_non_utf8(endpoint):
    body = "CLEAR NAMED".encode("utf-16")
    status, _, _ = http(
        "POST", endpoint, body, {"Content-Type": "application/sparql-update; charset=UTF-16"}
    )
    assert status == 403


def test_w3c_bad_update_syntax(endpoint):
    status, _, _ = http("POST", endpoint, "update=CLEAR%20XYZ", FORM)
    assert status == 403


def test_w3c_bad_update_dataset_conflict(endpoint):
    update = (
        "PREFIX foaf: <http://xmlns.com/foaf/0.1/>\nWITH <http://example/addresses>\n"
        "DELETE { ?person foaf:givenName 'Bill' }\nINSERT { ?person foaf:givenName 'William' }\n"
        "WHERE { ?person foaf:givenName 'Bill' }"
    )
    url = f"{endpoint}?using-named-graph-uri=http%3A%2F%2Fexample%2Fpeople"
    status, _, _ = http("POST", url, update, {"Content-Type": "application/sparql-update"})
    assert status == 403


# -- results by Accept (q-values) and by format= ----------------------------------------------


@pytest.mark.parametrize(
    "accept, expected",
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv;q=0.9, text/tab-separated-values", "text/tab-separated-values"),
        ("application/sparql-results+xml;q=0.5, text/csv", "text/csv"),
        ("application/json", "application/sparql-results+json"),
        (
            "text/tab-separated-values;q=0.8, application/sparql-results+xml;q=0.1",
            "text/tab-separated-values",
        ),
    ],
)
def test_select_results_follow_accept_q_values(endpoint, accept, expected):
    headers = {"Accept": accept} if accept else {}
    status, got, _ = http(
        "GET", f"{endpoint}?query={quote('SELECT * { ?s ?p ?o } LIMIT 1')}", headers=headers
    )
    assert status == 200 and got["content-type"] == f"{expected}; charset=utf-8"
    assert "accept" in got["vary"].lower()


@pytest.mark.parametrize(
    "accept, expected",
    [
        (None, "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml;q=0.9, application/n-triples", "application/n-triples"),
        ("application/json", "application/ld+json"),
    ],
)
def test_graph_results_follow_accept_q_values(endpoint, accept, expected):
    headers = {"Accept": accept} if accept else {}
    query = quote("CONSTRUCT WHERE { ?s a ?o } LIMIT 3")
    status, got, _ = http("GET", f"{endpoint}?query={query}", headers=headers)
    assert status == 200 and got["content-type"] == f"{expected}; charset=utf-8"


def test_format_parameter_wins_over_accept(endpoint):
    url = f"{endpoint}?query={quote('SELECT * {} ')}&format=tsv"
    status, headers, _ = http("GET", url, headers={"Accept": "application/sparql-results+xml"})
    assert status == 200 and headers["content-type"].startswith("text/tab-separated-values")


def test_format_word_of_the_other_query_form_falls_back_to_accept(endpoint):
    # SPARQLWrapper sends its format word with every query: format=turtle on a SELECT is fine
    url = f"{endpoint}?query={quote('SELECT * {}')}&format=turtle&output=turtle&results=turtle"
    status, headers, _ = http("GET", url, headers={"Accept": "text/csv"})
    assert status == 200 and headers["content-type"].startswith("text/csv")


def test_unknown_format_word_is_a_clear_400(endpoint):
    status, _, body = http("GET", f"{endpoint}?query={quote('SELECT * {}')}&format=yaml")
    assert status == 400 and b"unknown format 'yaml'" in body


def test_nothing_acceptable_is_406(endpoint):
    status, _, body = http(
        "GET", f"{endpoint}?query={quote('SELECT * {}')}", headers={"Accept": "image/png"}
    )
    assert status == 406 and b"application/sparql-results+json" in body
    status, _, body = http(
        "GET",
        f"{endpoint}?query={quote('CONSTRUCT WHERE {?s ?p ?o}')}",
        headers={"Accept": "text/csv"},
    )
    assert status == 406 and b"text/turtle" in body


def test_browser_opening_a_query_link_gets_the_query_page(endpoint):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    status, headers, body = http(
        "GET", f"{endpoint}?query={quote('ASK {}')}", headers={"Accept": accept}
    )
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert b'id="yasgui"' in body


# -- malformed queries: a readable 400, never a 500 -------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p ?o",
        "SELECT * WHERE { ?s ?p }",
        "SELECT * WHERE { ?s foo:bar ?o }",  # undeclared prefix
        "SELECT * WHERE { <not an iri> ?p ?o }",
        "",
        "   ",
        "SELECT ?x WHERE { ?x ?p ?o } GROUP BY",
        "SELECT * WHERE { ?s ?p ?o } ; SELECT * {}",
        "\x00\x01\x02",
        "SELECT (?x AS ?x) WHERE { BIND(1 AS ?x) }",
        "SELECT * WHERE { BIND(1 AS ?x) BIND(2 AS ?x) }",
    ],
)
def test_malformed_query_is_400_with_a_parser_message(endpoint, query):
    status, headers, body = http("POST", endpoint, query.encode("utf-8"), DIRECT)
    assert status == 400, body
    assert headers["content-type"] == "text/plain; charset=utf-8"
    assert body.startswith(b"Syntax error") and b"Traceback" not in body


def test_post_without_query_is_400(endpoint):
    status, _, body = http("POST", endpoint, "format=json", FORM)
    assert status == 400 and b"carries no query" in body


def test_dataset_parameter_must_be_an_iri(endpoint):
    status, _, body = http("GET", f"{endpoint}?query=ASK%7B%7D&default-graph-uri=not%20an%20iri")
    assert status == 400 and b"default-graph-uri must be an absolute IRI" in body


# -- the service description (SPARQL 1.1 Service Description, section 3) ----------------------


def service_description(endpoint, fmt="text/turtle", rdflib_format="turtle") -> rdflib.Graph:
    status, headers, body = http("GET", endpoint, headers={"Accept": fmt})
    assert status == 200 and headers["content-type"] == f"{fmt}; charset=utf-8"
    return rdflib.Graph().parse(data=body, format=rdflib_format, publicID=endpoint)


def test_service_description_names_endpoint_language_formats_and_features(endpoint):
    g = service_description(endpoint)
    service = rdflib.URIRef(endpoint)
    assert (service, rdflib.RDF.type, SD.Service) in g
    assert (service, SD.endpoint, service) in g
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert (service, SD.feature, SD.UnionDefaultGraph) in g
    formats = {str(o).rsplit("/", 1)[1] for o in g.objects(service, SD.resultFormat)}
    assert formats == {
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "JSON-LD",
        "RDF_XML",
        "N-Triples",
    }
    assert (service, SD.feature, SD.BasicFederatedQuery) not in g  # SERVICE is refused


def test_service_description_default_dataset_counts_match_the_data(endpoint):
    g = service_description(endpoint)
    dataset = g.value(rdflib.URIRef(endpoint), SD.defaultDataset)
    assert (dataset, rdflib.RDF.type, VOID.Dataset) in g
    default_graph = g.value(dataset, SD.defaultGraph)
    union = http(
        "GET",
        f"{endpoint}?query={quote(UNION_COUNT)}",
    )
    expected_union = int(json.loads(union[2])["results"]["bindings"][0]["n"]["value"])
    assert int(g.value(default_graph, VOID.triples)) == expected_union
    per_graph = http(
        "GET",
        f"{endpoint}?query={quote(GRAPH_COUNTS)}",
    )
    expected = {
        b["g"]["value"]: int(b["n"]["value"])
        for b in json.loads(per_graph[2])["results"]["bindings"]
    }
    described = {
        str(g.value(named, SD.name)): int(g.value(g.value(named, SD.graph), VOID.triples))
        for named in g.objects(dataset, SD.namedGraph)
    }
    assert described == expected and len(expected) >= 5  # ontology, debate, data1-3, inferred


@pytest.mark.parametrize(
    "fmt, rdflib_format",
    [
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/n-triples", "nt"),
    ],
)
# rdflib's own JSON-LD parser still builds a ConjunctiveGraph internally (rdflib 7.x)
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_service_description_in_every_rdf_format_is_the_same_graph(endpoint, fmt, rdflib_format):
    from rdflib.compare import isomorphic

    assert isomorphic(
        service_description(endpoint, fmt, rdflib_format), service_description(endpoint)
    )


def test_browser_without_query_gets_the_query_page(endpoint):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    status, headers, body = http("GET", endpoint, headers={"Accept": accept})
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    page = body.decode()
    assert '<link rel="alternate" type="text/turtle"' in page
    assert "vendor/yasgui-4.6.2/yasgui.min.js" in page
    assert "Who opposes bans, and what do they propose instead?" in page
    config = json.loads(
        page.split('<script id="sparql-config" type="application/json">')[1].split("</script>")[0]
    )
    assert config["prefixes"]["id"] == endpoint.removesuffix("sparql") + "id/"
    assert {e["name"] for e in config["examples"]} >= {"quotes", "open-letter-signatories"}


def test_vendored_yasgui_is_served_with_its_licence(base):
    for name in ("yasgui.min.js", "yasgui.min.css", "LICENSE"):
        status, _, body = http("GET", f"{base}static/vendor/yasgui-4.6.2/{name}")
        assert status == 200 and body
    assert b"MIT License" in http("GET", f"{base}static/vendor/yasgui-4.6.2/LICENSE")[2]


# -- CORS on all of it -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path, body, headers",
    [
        ("GET", "?query=ASK%7B%7D", None, {}),
        ("GET", "", None, {"Accept": "text/turtle"}),
        ("GET", "", None, {"Accept": "text/html"}),
        ("GET", "?query=ASK%7B", None, {}),
        ("POST", "", "INSERT DATA {}", {"Content-Type": "application/sparql-update"}),
        ("PUT", "", "", {}),
        ("POST", "", "ASK {}", DIRECT),
    ],
)
def test_every_answer_carries_cors_headers(endpoint, method, path, body, headers):
    _, got, _ = http(method, endpoint + path, body, {"Origin": "https://example.org", **headers})
    assert got["access-control-allow-origin"] == "*"
    assert "FRKG-Results-Truncated" in got["access-control-expose-headers"]


def test_cors_preflight(endpoint):
    status, got, _ = http(
        "OPTIONS",
        endpoint,
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, accept",
        },
    )
    assert status == 204
    assert got["access-control-allow-origin"] == "*"
    assert {"GET", "POST"} <= {m.strip() for m in got["access-control-allow-methods"].split(",")}
    assert got["access-control-allow-headers"] == "content-type, accept"
