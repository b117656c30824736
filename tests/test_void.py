"""The VoID + DCAT description over real HTTP: its counts are SPARQL's counts over the same data.

Expectations are derived by SPARQL from the data the server loaded (the data files' graphs plus
the inverse links the loader derived), never written down.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import RDF, XSD, Literal, Namespace, URIRef

from frkg.formats import RDF_FORMATS

from http_helpers import fetch, parse_html, parse_rdf

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def dataset_graphs(kg) -> list[ox.NamedNode]:
    """The graphs the dataset is made of: one per data file, and the inferred inverse links."""
    return kg.graphs("data") + [ox.NamedNode(kg.inferred_graph)]


def sparql_count(kg, body: str) -> int:
    """``SELECT (COUNT(...) AS ?n)`` over the dataset's graphs merged (one triple counted once)."""
    graphs = " ".join(f"<{g.value}>" for g in dataset_graphs(kg))
    query = (
        "SELECT ?n WHERE { { SELECT " + body + " WHERE { { SELECT DISTINCT ?s ?p ?o "
        f"WHERE {{ GRAPH ?g {{ ?s ?p ?o }} VALUES ?g {{ {graphs} }} }} }} }} }} }}"
    )
    (row,) = kg.store.query(query)
    return int(row["n"].value)


def sparql_rows(kg, select: str, where: str) -> list:
    """Rows of ``SELECT {select} WHERE {where}`` over the dataset's distinct triples."""
    graphs = " ".join(f"<{g.value}>" for g in dataset_graphs(kg))
    query = (
        f"SELECT {select} WHERE {{ {{ SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
        f"VALUES ?g {{ {graphs} }} }} }} {where} }}"
    )
    return list(kg.store.query(query))


@pytest.fixture(scope="module", params=["repository", "fixture"])
def described(request):
    """(server URL, its knowledge graph, the VoID graph it serves) for both datasets."""
    if request.param == "repository":
        server, kg = request.getfixturevalue("live_server"), request.getfixturevalue("repo_kg")
    else:
        server = request.getfixturevalue("discovery_server")
        kg = request.getfixturevalue("discovery_kg")
    reply = fetch(server + ".well-known/void", {"Accept": "text/turtle"})
    assert reply.status == 200
    return server, kg, parse_rdf(reply.body, "text/turtle")


def value(graph: rdflib.Graph, s, p) -> int:
    (o,) = graph.objects(s, p)
    return int(o)


def test_void_counts_equal_sparql_counts_over_the_same_data(described):
    """VoID section 4.5: triples, entities, classes, properties, distinct subjects and objects."""
    server, kg, void = described
    ds = URIRef(server + "id/frkg")
    entity_ns = server + "id/"
    assert value(void, ds, VOID.triples) == sparql_count(kg, "(COUNT(*) AS ?n)")
    assert value(void, ds, VOID.distinctSubjects) == sparql_count(kg, "(COUNT(DISTINCT ?s) AS ?n)")
    assert value(void, ds, VOID.distinctObjects) == sparql_count(kg, "(COUNT(DISTINCT ?o) AS ?n)")
    assert value(void, ds, VOID.properties) == sparql_count(kg, "(COUNT(DISTINCT ?p) AS ?n)")
    (classes,) = sparql_rows(kg, "(COUNT(DISTINCT ?o) AS ?n)", f"FILTER(?p = {TYPE} && isIRI(?o))")
    assert value(void, ds, VOID.classes) == int(classes["n"].value)
    (entities,) = sparql_rows(
        kg,
        "(COUNT(DISTINCT ?x) AS ?n)",
        "VALUES ?pos { 1 2 } BIND(IF(?pos = 1, ?s, ?o) AS ?x) "
        f'FILTER(isIRI(?x) && STRSTARTS(STR(?x), "{entity_ns}") '
        '&& !CONTAINS(SUBSTR(STR(?x), STRLEN("' + entity_ns + '") + 1), "/"))',
    )
    assert value(void, ds, VOID.entities) == int(entities["n"].value) > 0
    assert value(void, ds, VOID.documents) == value(void, ds, VOID.entities)


def test_class_and_property_partitions_equal_sparql_counts(described):
    """VoID section 4.6: one partition per class (entities) and per property (triples)."""
    server, kg, void = described
    ds = URIRef(server + "id/frkg")
    by_class: dict[str, set] = {}
    for row in sparql_rows(kg, "?s ?o", f"FILTER(?p = {TYPE} && isIRI(?o))"):
        by_class.setdefault(row["o"].value, set()).add(row["s"])
    expected_classes = {c: len(s) for c, s in by_class.items()}
    served_classes = {
        str(next(void.objects(part, VOID["class"]))): value(void, part, VOID.entities)
        for part in void.objects(ds, VOID.classPartition)
    }
    assert served_classes == expected_classes

    by_property: dict[str, list] = {}
    for row in sparql_rows(kg, "?s ?p ?o", ""):
        by_property.setdefault(row["p"].value, []).append((row["s"], row["o"]))
    served = {
        str(next(void.objects(part, VOID.property))): (
            value(void, part, VOID.triples),
            value(void, part, VOID.distinctSubjects),
            value(void, part, VOID.distinctObjects),
        )
        for part in void.objects(ds, VOID.propertyPartition)
    }
    assert served == {
        p: (len(pairs), len({s for s, _ in pairs}), len({o for _, o in pairs}))
        for p, pairs in by_property.items()
    }


def test_vocabularies_are_the_namespaces_of_the_terms_used(described):
    server, kg, void = described
    ds = URIRef(server + "id/frkg")
    terms = {row["p"].value for row in sparql_rows(kg, "DISTINCT ?p", "")}
    terms |= {
        row["o"].value
        for row in sparql_rows(kg, "DISTINCT ?o", f"FILTER(?p = {TYPE} && isIRI(?o))")
    }
    namespaces = {t[: max(t.rfind("#"), t.rfind("/")) + 1] for t in terms}
    assert {str(v) for v in void.objects(ds, VOID.vocabulary)} == namespaces
    assert server + "ontology#" in namespaces


def test_what_people_decide_comes_from_the_dataset_node_and_stale_counts_are_dropped(
    discovery_server,
):
    void = parse_rdf(fetch(discovery_server + "void.ttl").body, "text/turtle")
    ds = URIRef(discovery_server + "id/frkg")
    assert (ds, DCT.title, Literal("Discovery test dataset", lang="en")) in void
    assert (ds, DCT.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in void
    assert (ds, OWL.versionInfo, Literal("9.8.7")) in void
    assert (ds, DCAT.version, Literal("9.8.7")) in void
    assert (ds, DCT.issued, Literal("2025-01-02", datatype=XSD.date)) in void
    assert (ds, DCT.modified, Literal("2025-02-03", datatype=XSD.date)) in void
    publisher = URIRef(discovery_server + "id/test-publishers")
    assert (ds, DCT.publisher, publisher) in void
    assert (publisher, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), None) in void
    # the fixture writes "void:triples 1" by hand: only the computed count is served
    assert len(list(void.objects(ds, VOID.triples))) == 1 and value(void, ds, VOID.triples) > 1
    assert (ds, RDF.type, VOID.Dataset) in void
    assert (ds, RDF.type, DCAT.Dataset) in void


def test_endpoint_uri_space_examples_and_description_document(described):
    server, kg, void = described
    ds = URIRef(server + "id/frkg")
    assert (ds, VOID.sparqlEndpoint, URIRef(server + "sparql")) in void
    assert (URIRef(server + "sparql"), DCAT.servesDataset, ds) in void
    assert (ds, VOID.uriSpace, Literal(server + "id/")) in void
    assert (ds, DCAT.landingPage, URIRef(server)) in void
    doc = URIRef(server + "void")
    assert (doc, RDF.type, VOID.DatasetDescription) in void
    assert (doc, FOAF.primaryTopic, ds) in void
    examples = list(void.objects(ds, VOID.exampleResource))
    assert examples
    for example in examples:  # each is an entity whose page answers
        assert str(example).startswith(server + "id/")
        reply = fetch(str(example), {"Accept": "text/html"})
        assert reply.status == 303
        assert (
            fetch(server + reply.headers["Location"].lstrip("/"), {"Accept": "text/html"}).status
            == 200
        )


def test_every_dump_is_named_with_media_type_and_the_byte_size_it_is_served_with(described):
    """VoID section 6.2 (void:dataDump) and DCAT 3 section 6.8 (dcat:Distribution)."""
    server, _, void = described
    ds = URIRef(server + "id/frkg")
    dumps = {str(d) for d in void.objects(ds, VOID.dataDump)}
    assert {d.rsplit("/", 1)[1] for d in dumps} == {
        "frkg.ttl",
        "frkg.nt.gz",
        "frkg.jsonld",
        "frkg.nq.gz",
    }
    downloads = {}
    for dist in void.objects(ds, DCAT.distribution):
        for url in void.objects(dist, DCAT.downloadURL):
            downloads[str(url)] = dist
    assert set(downloads) == dumps
    iana = "https://www.iana.org/assignments/media-types/"
    for url, dist in downloads.items():
        reply = fetch(url)  # no Accept-Encoding: the file itself
        assert reply.status == 200
        assert value(void, dist, DCAT.byteSize) == int(reply.headers["Content-Length"])
        assert len(reply.body) == int(reply.headers["Content-Length"])
        (media,) = void.objects(dist, DCAT.mediaType)
        (fmt,) = void.objects(dist, DCT["format"])
        if url.endswith(".gz"):
            assert (dist, DCAT.compressFormat, URIRef(iana + "application/gzip")) in void
            assert reply.media_type == "application/gzip"
        else:
            assert str(media) == iana + reply.media_type
        assert str(fmt) in {f.iri for f in RDF_FORMATS}
        assert (dist, DCT.license, None) in void


@pytest.mark.parametrize("path", [".well-known/void", "void"])
@pytest.mark.parametrize(
    "accept, media_type",
    [
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
        ("text/html", "text/html"),
        ("*/*", "text/turtle"),
    ],
)
def test_void_negotiates_and_says_where_each_representation_is(
    discovery_server, path, accept, media_type
):
    reply = fetch(discovery_server + path, {"Accept": accept})
    assert reply.status == 200 and reply.media_type == media_type
    assert "accept" in reply.vary()
    assert reply.headers["Content-Location"].startswith("/void.")
    assert reply.headers["ETag"].startswith('W/"')
    if media_type != "text/html":
        graph = parse_rdf(reply.body, media_type)
        assert (URIRef(discovery_server + "id/frkg"), VOID.triples, None) in graph


def test_void_refuses_what_it_cannot_offer(discovery_server):
    assert fetch(discovery_server + "void", {"Accept": "image/png"}).status == 406
    assert fetch(discovery_server + "void?format=pdf").status == 400
    assert fetch(discovery_server + "void.pdf").status == 404


def test_void_page_for_people_shows_counts_dumps_and_partitions(discovery_server, discovery_kg):
    reply = fetch(discovery_server + "void.html", {"Accept": "text/html"})
    html = parse_html(reply.text)
    assert html.texts["h1"] == ["Discovery test dataset"]
    hrefs = {a.get("href") for a in html.attrs("a")}
    assert {"/dumps/frkg.ttl", "/dumps/frkg.nt.gz", "/dumps/frkg.jsonld"} <= hrefs
    assert "/browse/frkg:Report" in hrefs  # a class partition links to its list
    alternates = {a["type"] for a in html.attrs("link") if a.get("rel") == "alternate"}
    assert {f.media_type for f in RDF_FORMATS} <= alternates
