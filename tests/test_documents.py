"""The documents themselves: the same triples in every format, parsed by rdflib as a client does."""

from __future__ import annotations

import json

import pytest
import rdflib
from rdflib.compare import isomorphic, to_isomorphic

from frkg import formats, store
from frkg.formats import RDF_FORMATS
from frkg.publish.describe import Describer

from conftest import HUB_SIZE
from http_helpers import fetch, parse_html, parse_rdf, rdflib_quiet

SLUGS = ["ada-example", "quote-ada-ban", "example-rights-group", "hostile-script", "hub-source"]


@pytest.fixture(scope="module")
def served_describer(fixture_sources, fixture_server) -> Describer:
    """The fixture data described in process under the live server's base, for reference."""
    return Describer(store.load_files(fixture_sources, fixture_server))


def reference_graph(describer: Describer, slug: str) -> rdflib.Graph:
    quads = describer.describe(slug).quads
    return parse_rdf(formats.serialize(formats.by_suffix("nt"), quads), "application/n-triples")


@pytest.mark.parametrize("slug", SLUGS)
def test_every_format_carries_the_same_triples(fixture_server, served_describer, slug):
    expected = reference_graph(served_describer, slug)
    assert len(expected) > 5
    for fmt in RDF_FORMATS:
        reply = fetch(f"{fixture_server}data/{slug}.{fmt.suffix}")
        assert reply.status == 200, (fmt.name, reply.text)
        assert reply.headers["Content-Type"] == fmt.content_type
        graph = parse_rdf(reply.body, fmt.media_type)
        assert isomorphic(graph, expected), fmt.name


def test_quad_formats_keep_the_file_each_triple_came_from(fixture_server):
    reply = fetch(fixture_server + "data/ada-example.nq")
    graphs = {line.rsplit(" ", 2)[-2] for line in reply.text.splitlines() if line.count("<") >= 4}
    assert f"<{fixture_server}graph/data/core>" in graphs
    assert f"<{fixture_server}graph/inferred>" in graphs


def test_rdfxml_is_refused_when_a_predicate_has_no_xml_name(fixture_server):
    reply = fetch(fixture_server + "data/hostile-xml.rdf")
    assert reply.status == 406 and "property/123" in reply.text
    assert fetch(fixture_server + "data/hostile-xml.ttl").status == 200
    assert "/data/hostile-xml.ttl" in reply.headers["Link"]


def test_jsonld_is_plain_json_that_rdflib_reads(fixture_server):
    reply = fetch(fixture_server + "data/ada-example.jsonld")
    document = json.loads(reply.text)
    ids = {node.get("@id") for node in document}
    assert f"{fixture_server}id/ada-example" in ids


@pytest.mark.parametrize("slug", ["ada-example", "hostile-script", "hostile-quote"])
def test_rdflib_dereferences_entity_iris_like_a_linked_data_client(fixture_server, slug):
    iri = f"{fixture_server}id/{slug}"
    with rdflib_quiet():
        graph = rdflib.Graph().parse(iri)  # follows the 303 with rdflib's own Accept header
    assert (rdflib.URIRef(iri), None, None) in graph
    document = parse_rdf(fetch(f"{fixture_server}data/{slug}.ttl").body, "text/turtle")
    assert isomorphic(graph, document)


def test_embedded_jsonld_is_the_data_document_and_survives_hostile_text(fixture_server):
    for slug in ("ada-example", "hostile-script", "hostile-quote"):
        page = parse_html(fetch(f"{fixture_server}page/{slug}").text)
        blocks = [body for kind, body in page.scripts if kind == "application/ld+json"]
        assert len(blocks) == 1
        json.loads(blocks[0])  # valid JSON: the block was not cut short by a "</script>"
        embedded = parse_rdf(blocks[0], "application/ld+json")
        document = parse_rdf(
            fetch(f"{fixture_server}data/{slug}.jsonld").body, "application/ld+json"
        )
        assert to_isomorphic(embedded) == to_isomorphic(document)


def test_repository_dataset_dereferences_in_every_format(live_server):
    iri = live_server + "id/frkg"
    with rdflib_quiet():
        graph = rdflib.Graph().parse(iri)
    assert (rdflib.URIRef(iri), rdflib.RDF.type, None) in graph
    turtle = parse_rdf(fetch(live_server + "data/frkg.ttl").body, "text/turtle")
    for fmt in RDF_FORMATS:
        assert isomorphic(
            parse_rdf(fetch(f"{live_server}data/frkg.{fmt.suffix}").body, fmt.media_type), turtle
        )


def test_repository_iris_are_rebased_to_the_server_and_dereference(live_server):
    """Every IRI in a served document uses the server's base, and every thing it names resolves."""
    turtle = fetch(live_server + "data/frkg.ttl").text
    graph = parse_rdf(turtle, "text/turtle")
    iris = {str(n) for triple in graph for n in triple if isinstance(n, rdflib.URIRef)}
    assert not {i for i in iris if i.startswith("https://w3id.org/frkg/")}
    things = {i for i in iris if i.startswith(live_server + "id/")}
    assert live_server + "id/frkg" in things
    for thing in things:
        reply = fetch(thing, {"Accept": "text/turtle"})
        assert reply.status == 303
        assert fetch(live_server + reply.headers["Location"].lstrip("/")).status == 200


def test_hub_page_embeds_only_the_links_it_shows(fixture_server):
    html = parse_html(fetch(fixture_server + "page/hub-source").text)
    (block,) = [body for kind, body in html.scripts if kind == "application/ld+json"]
    embedded = parse_rdf(block, "application/ld+json")
    document = parse_rdf(fetch(fixture_server + "data/hub-source.ttl").body, "text/turtle")
    source = rdflib.URIRef("http://purl.org/dc/terms/source")
    hub = rdflib.URIRef(fixture_server + "id/hub-source")
    shown = {
        a["href"].removeprefix("/page/")
        for a in html.attrs("a")
        if "/page/hub-item-" in a.get("href", "")
    }
    embedded_links = {str(s).rsplit("/", 1)[1] for s in embedded.subjects(source, hub)}
    assert embedded_links == shown and len(shown) == 25
    assert len(set(document.subjects(source, hub))) == HUB_SIZE + 1  # the items, the long text
    assert set(embedded) <= set(document)  # nothing invented, only left out
