"""Every minted named-graph IRI dereferences, and the read-only SPARQL 1.1 Graph Store HTTP
Protocol serves each graph's content (sections 4.2, 5.2, 5.6), through real HTTP."""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from http_helpers import fetch, follow, parse_html, parse_rdf, rdflib_quiet
from interop_clients import comunica

VOID = "http://rdfs.org/ns/void#"


def sparql(server: str, query: str, accept: str = "application/sparql-results+json"):
    reply = fetch(server + "sparql?" + urlencode({"query": query}), {"Accept": accept})
    assert reply.status == 200, reply.text
    return reply


def endpoint_graphs(server: str) -> dict[str, int]:
    """Every named graph the endpoint holds, with its triple count, by SPARQL."""
    reply = sparql(server, "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    rows = json.loads(reply.text)["results"]["bindings"]
    return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}


def test_every_graph_the_endpoint_names_dereferences_with_its_count(live_server):
    graphs = endpoint_graphs(live_server)
    assert len(graphs) > 5 and any(g.endswith("/graph/inferred") for g in graphs)
    for iri, count in graphs.items():
        assert iri.startswith(live_server + "graph/")
        reply = fetch(iri, {"Accept": "text/turtle"})
        assert reply.status == 200, (iri, reply.text)
        described = parse_rdf(reply.body, "text/turtle")
        triples = described.value(rdflib.URIRef(iri), rdflib.URIRef(VOID + "triples"))
        assert int(triples) == count, iri
        page = fetch(iri, {"Accept": "text/html"})
        assert page.status == 200 and page.media_type == "text/html"
        assert f"{count:,}" in page.text
        assert "accept" in reply.vary()


def test_graphs_named_in_a_quad_document_dereference(live_server):
    reply = fetch(live_server + "data/thorn.nq")
    names = {
        str(q.graph_name)
        for q in ox.parse(reply.body, format=ox.RdfFormat.N_QUADS)
        if q.graph_name != ox.DefaultGraph()
    }
    assert names
    for name in names:
        assert fetch(name.strip("<>"), {"Accept": "application/n-triples"}).status == 200


def test_graph_listing_names_every_graph(live_server):
    graphs = endpoint_graphs(live_server)
    listing = parse_rdf(
        fetch(live_server + "graph/", {"Accept": "text/turtle"}).body, "text/turtle"
    )
    sd_name = rdflib.URIRef("http://www.w3.org/ns/sparql-service-description#name")
    assert {str(o) for o in listing.objects(None, sd_name)} == set(graphs)
    page = parse_html(fetch(live_server + "graph/", {"Accept": "text/html"}).text)
    links = {a.get("href") for a in page.attrs("a")}
    assert "/graph/data/agents" in links


def test_unknown_graph_is_404_in_the_negotiated_format(live_server):
    reply = fetch(live_server + "graph/data/no-such-file", {"Accept": "text/turtle"})
    assert reply.status == 404 and reply.media_type == "text/turtle"
    assert "accept" in reply.vary()


# -- the Graph Store HTTP Protocol, read only -------------------------------------------------


def store_url(server: str, graph: str | None) -> str:
    if graph is None:
        return server + "graph-store?default"
    return server + "graph-store?graph=" + quote(graph, safe="")


@pytest.mark.parametrize("name", ["data/agents", "inferred", "ontology/frkg"])
def test_gsp_get_serves_the_graphs_content(live_server, name):
    # Section 5.2: GET of ?graph= answers the graph's content.
    iri = live_server + "graph/" + name
    reply = fetch(store_url(live_server, iri), {"Accept": "text/turtle"})
    assert reply.status == 200 and reply.media_type == "text/turtle"
    served = parse_rdf(reply.body, "text/turtle")
    constructed = sparql(
        live_server,
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}",
        "application/n-triples",
    )
    assert isomorphic(served, parse_rdf(constructed.body, "application/n-triples"))
    assert len(served) == endpoint_graphs(live_server)[iri]


def test_gsp_default_graph_is_what_queries_read(live_server):
    reply = fetch(store_url(live_server, None), {"Accept": "application/n-triples"})
    assert reply.status == 200
    served = {q.triple for q in ox.parse(reply.body, format=ox.RdfFormat.N_TRIPLES)}
    (row,) = json.loads(sparql(live_server, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }").text)[
        "results"
    ]["bindings"]
    assert len(served) == int(row["n"]["value"])


def test_gsp_head_is_get_without_a_body(live_server):
    # Section 5.6: HEAD answers as GET would, without the body.
    url = store_url(live_server, live_server + "graph/data/agents")
    got, head = fetch(url), fetch(url, method="HEAD")
    assert head.status == 200 and head.body == b""
    assert head.headers["Content-Type"] == got.headers["Content-Type"]
    assert head.headers["ETag"] == got.headers["ETag"]
    assert fetch(url, {"If-None-Match": got.headers["ETag"]}).status == 304


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE", "PATCH"])
def test_gsp_writes_are_405_with_allow(live_server, method):
    # Sections 5.3-5.5, 5.7: this store is read-only (RFC 9110 section 15.5.6: 405 + Allow).
    reply = fetch(store_url(live_server, None), method=method)
    assert reply.status == 405
    allowed = {m.strip() for m in reply.headers["Allow"].split(",")}
    assert {"GET", "HEAD"} <= allowed and method not in allowed


@pytest.mark.parametrize(
    "query, status",
    [
        ("", 400),  # neither ?graph= nor ?default
        ("?default&graph=http%3A%2F%2Fexample.org%2Fg", 400),  # both
        ("?graph=http%3A%2F%2Fexample.org%2Fnot-here", 404),  # section 5.2: no such graph
        ("?graph=not%20an%20iri", 404),
    ],
)
def test_gsp_bad_requests(live_server, query, status):
    reply = fetch(live_server + "graph-store" + query, {"Accept": "text/turtle"})
    assert reply.status == status, reply.text


def test_gsp_unacceptable_format_is_406(live_server):
    reply = fetch(store_url(live_server, None), {"Accept": "image/png"})
    assert reply.status == 406


# -- real clients ----------------------------------------------------------------------------------


def test_rdflib_parses_a_graph_iri(live_server):
    iri = live_server + "graph/data/agents"
    with rdflib_quiet():
        graph = rdflib.Graph().parse(iri)
    assert (rdflib.URIRef(iri), rdflib.URIRef(VOID + "triples"), None) in graph


@pytest.mark.node
def test_comunica_dereferences_a_graph_iri(live_server):
    iri = live_server + "graph/inferred"
    rows = comunica([iri], f"SELECT ?n WHERE {{ <{iri}> <{VOID}triples> ?n }}")
    assert [int(r["n"]["value"]) for r in rows] == [endpoint_graphs(live_server)[iri]]


# -- every IRI under the base that an answer names dereferences ---------------------------------

ANSWERS = [
    ("data/thorn.nq", "application/n-quads"),
    ("void.nq", "application/n-quads"),
    ("sparql", "application/n-triples"),
    ("graph/", "application/n-quads"),
    ("fragments", "application/n-quads"),
    ("ontology.nq", "application/n-quads"),
    ("shapes.nq", "application/n-quads"),
]


def test_every_iri_under_the_base_in_answers_dereferences(live_server):
    named: dict[str, str] = {}
    for path, media in ANSWERS:
        reply = fetch(live_server + path, {"Accept": media})
        assert reply.status == 200, path
        syntax = ox.RdfFormat.from_media_type(media)
        for q in ox.parse(reply.body, format=syntax):
            for term in (q.subject, q.predicate, q.object, q.graph_name):
                if isinstance(term, ox.NamedNode) and term.value.startswith(live_server):
                    named.setdefault(term.value.split("#")[0], path)
    by_kind: dict[str, list[str]] = {}
    for iri in sorted(named):
        kind = iri[len(live_server) :].split("/")[0].split("?")[0]
        by_kind.setdefault(kind, []).append(iri)
    assert {"id", "graph", "void", "dumps", "fragments", "ontology"} <= set(by_kind)
    failed = []
    for iris in by_kind.values():
        for iri in iris[:15]:  # a sample of each kind of IRI
            _, reply = follow(iri, {"Accept": "text/turtle, application/octet-stream;q=0.1"})
            if reply.status != 200:
                failed.append((iri, reply.status, named[iri]))
    assert failed == []
