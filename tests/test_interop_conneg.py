"""Conneg that serves each real client its data (RFC 9110 section 12; RDF 1.1 TriG and N-Quads:
a reader keeping one graph reads the default graph).

The Accept headers are the ones the real clients send, recorded live from them against a
listener on 127.0.0.1 (tests/interop_clients.py), never typed in.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
import rdflib
from SPARQLWrapper import N3, SPARQLWrapper

from http_helpers import fetch, follow, rdflib_quiet
from interop_clients import comunica, record_accept_headers, rows

ENTITIES = ["thorn", "julie-cordua"]


@pytest.fixture(scope="session")
def accepts() -> dict[str, tuple[str, dict]]:
    """Client -> (Accept header, query parameters), as each real client sent them."""
    return record_accept_headers()


def endpoint_rows(server: str, query: str) -> list[tuple]:
    reply = fetch(
        server + "sparql?" + urlencode({"query": query}),
        {"Accept": "application/sparql-results+json"},
    )
    assert reply.status == 200, reply.text
    return json.loads(reply.text)["results"]["bindings"]


# -- the table: what each real client's Accept header gets from a thing's IRI -----------------


@pytest.mark.parametrize(
    "client, document",
    [
        # Comunica ranks N-Quads first (q=1): it gets N-Quads, with the description in the
        # default graph, which is the graph it reads.
        ("comunica", "data/{slug}.nq"),
        # rdflib lists every syntax at q=1: on equal quality the server's order (Turtle first).
        ("rdflib-graph", "data/{slug}.ttl"),
        ("rdflib-dataset", "data/{slug}.ttl"),
        ("curl", "data/{slug}.ttl"),
        ("python-requests", "data/{slug}.ttl"),
        ("chromium", "page/{slug}"),
    ],
)
def test_recorded_accept_headers_get_their_documents(live_server, accepts, client, document):
    accept, _ = accepts[client]
    reply = fetch(live_server + "id/thorn", {"Accept": accept})
    assert reply.status == 303  # W3C Cool URIs section 4.3
    assert reply.headers["Location"] == "/" + document.format(slug="thorn")
    assert "accept" in reply.vary()  # RFC 9110 section 12.5.5


@pytest.mark.parametrize(
    "client, media_type",
    [
        ("sparqlwrapper-turtle", "text/turtle"),
        ("sparqlwrapper-n3", "text/turtle"),  # the family's first, as its Accept lists it first
        ("sparqlwrapper-n3-ntriples", "application/n-triples"),  # the family; Accept picks
        ("sparqlwrapper-xml", "application/rdf+xml"),
        ("sparqlwrapper-rdfxml", "application/rdf+xml"),
        ("sparqlwrapper-jsonld", "application/ld+json"),
    ],
)
def test_sparqlwrapper_family_word_and_accept_choose_together(
    live_server, accepts, client, media_type
):
    accept, params = accepts[client]
    params = {k: v for k, v in params.items() if k != "query"}
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
    url = live_server + "sparql?" + urlencode({"query": query, **params}, doseq=True)
    reply = fetch(url, {"Accept": accept})
    assert reply.status == 200, reply.text
    assert reply.media_type == media_type


def test_sparqlwrapper_asking_ntriples_gets_ntriples(live_server):
    wrapper = SPARQLWrapper(live_server + "sparql")
    wrapper.setQuery("CONSTRUCT { ?s ?p ?o } WHERE { ?s a ?o BIND(?o AS ?x) ?s ?p ?o } LIMIT 5")
    wrapper.setReturnFormat(N3)
    wrapper.addCustomHttpHeader("Accept", "application/n-triples")
    result = wrapper.query()
    assert result.info()["content-type"].startswith("application/n-triples")
    graph = rdflib.Graph().parse(data=result.response.read(), format="nt")
    assert len(graph) == 5


def test_format_word_alone_still_wins_over_accept(live_server):
    # ?format= names one format: it wins over Accept (the URL overrides, STYLE.md rule 4).
    reply = fetch(live_server + "id/thorn?format=nt", {"Accept": "text/turtle"})
    assert reply.headers["Location"] == "/data/thorn.nt"


# -- quad documents: the description in the default graph, provenance in named graphs ----------


@pytest.mark.parametrize(
    "suffix, syntax", [("nq", ox.RdfFormat.N_QUADS), ("trig", ox.RdfFormat.TRIG)]
)
def test_quad_documents_hold_the_description_in_their_default_graph(live_server, suffix, syntax):
    nt = fetch(live_server + "data/thorn.nt")
    described = {q.triple for q in ox.parse(nt.body, format=ox.RdfFormat.N_TRIPLES)}
    reply = fetch(live_server + f"data/thorn.{suffix}")
    quads = list(ox.parse(reply.body, format=syntax))
    default = {q.triple for q in quads if q.graph_name == ox.DefaultGraph()}
    named = {q.triple for q in quads if q.graph_name != ox.DefaultGraph()}
    # Blank nodes are relabelled per document: compare the ground triples.
    ground = {t for t in described if not any(isinstance(x, ox.BlankNode) for x in t)}
    assert ground and ground <= default
    assert len(default) == len(described)
    # ...and every triple of the data still says which file it came from.
    graphs = {str(q.graph_name) for q in quads if q.graph_name != ox.DefaultGraph()}
    assert any("/graph/data/" in g for g in graphs)
    assert named <= default | named and len(named) > 0


def test_rdflib_dataset_parse_of_nquads_reads_the_description(live_server):
    iri = live_server + "id/thorn"
    dataset = rdflib.Dataset()
    with rdflib_quiet():
        dataset.parse(live_server + "data/thorn.nq", format="nquads")
    default = dataset.default_graph
    assert (rdflib.URIRef(iri), None, None) in default
    assert len(list(dataset.graphs())) > 2  # the default graph and the files' graphs


@pytest.mark.node
@pytest.mark.parametrize("slug", ENTITIES)
def test_comunica_dereferencing_an_entity_gets_the_endpoints_rows(live_server, slug):
    iri = f"{live_server}id/{slug}"
    query = f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"
    via_comunica = rows(comunica([iri], query), "p", "o")
    via_endpoint = rows(endpoint_rows(live_server, query), "p", "o")
    assert via_comunica and via_comunica == via_endpoint


def test_rdflib_graph_parse_follows_the_303_and_reads_the_description(live_server):
    iri = live_server + "id/thorn"
    with rdflib_quiet():
        graph = rdflib.Graph().parse(iri)
    assert len(list(graph.predicate_objects(rdflib.URIRef(iri)))) >= 5
    url, reply = follow(iri, {"Accept": "application/n-quads"})
    assert url.endswith("/data/thorn.nq") and reply.status == 200


@pytest.mark.node
@pytest.mark.parametrize(
    "iri, subject",
    [
        ("ontology#Quote", "ontology#Quote"),  # a vocabulary term: its document is /ontology
        ("ontology#stance-opposes-ban", "ontology#stance-opposes-ban"),  # a SKOS concept
        ("void", "id/frkg"),  # the dataset's description
        ("id/frkg", "id/frkg"),  # the dataset itself
    ],
)
def test_comunica_dereferences_every_kind_of_iri(live_server, iri, subject):
    subject = live_server + subject
    query = f"SELECT ?p ?o WHERE {{ <{subject}> ?p ?o }}"
    via_comunica = {
        (r["p"]["value"], r["o"]["value"]) for r in comunica([live_server + iri], query)
    }
    via_endpoint = {(r["p"]["value"], r["o"]["value"]) for r in endpoint_rows(live_server, query)}
    assert via_comunica
    if iri == "void":
        # VoID computes id:frkg's statistics: its count is the data and inferred links'.
        parts = json.loads(fetch(live_server + "health").body)["parts"]
        triples = {o for p, o in via_comunica if p == "http://rdfs.org/ns/void#triples"}
        assert triples == {str(parts["data"] + parts["inferred"])}
    else:
        # The document holds every triple the endpoint has about its subject.
        assert via_comunica >= via_endpoint
