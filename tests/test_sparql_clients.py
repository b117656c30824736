"""Real SPARQL clients against a live server: SPARQLWrapper in every format, rdflib, Comunica."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from xml.dom.minidom import Document

import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from conftest import ROOT

SELECT = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX frkg: {frkg}
SELECT ?org ?label WHERE {{
  ?letter a frkg:OpenLetter ; frkg:signatory ?org .
  ?org rdfs:label ?label .
}} ORDER BY ?org
"""
CONSTRUCT = """
PREFIX frkg: {frkg}
CONSTRUCT {{ ?quote frkg:verbatimText ?text ; frkg:speaker ?speaker }}
WHERE {{ ?quote a frkg:Quote ; frkg:verbatimText ?text ; frkg:speaker ?speaker }}
"""


@pytest.fixture(scope="module")
def endpoint(sparql_server) -> str:
    return sparql_server + "sparql"


@pytest.fixture(scope="module")
def frkg_ns(sparql_server) -> str:
    return f"<{sparql_server}ontology#>"


def wrapper(endpoint: str, query: str, fmt: str, method: str | None = None) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    if method:
        client.setMethod(method)
    return client


def rows_from(fmt: str, converted) -> list[tuple[str, str]]:
    """(org IRI, label text) rows from SPARQLWrapper's converted result in ``fmt``."""
    if fmt == JSON:
        return [(b["org"]["value"], b["label"]["value"]) for b in converted["results"]["bindings"]]
    if fmt == XML:
        assert isinstance(converted, Document)
        rows = []
        for result in converted.getElementsByTagName("result"):
            values = {
                b.getAttribute("name"): b.firstChild.firstChild.data
                for b in result.getElementsByTagName("binding")
            }
            rows.append((values["org"], values["label"]))
        return rows
    text = converted.decode("utf-8") if isinstance(converted, bytes) else converted
    if fmt == CSV:
        reader = list(csv.reader(io.StringIO(text)))
        assert reader[0] == ["org", "label"]
        return [tuple(r) for r in reader[1:]]
    lines = text.strip("\n").split("\n")
    assert lines[0] == "?org\t?label"
    rows = []
    for line in lines[1:]:
        org, label = line.split("\t")
        rows.append((org.strip("<>"), rdflib.util.from_n3(label).toPython().__str__()))
    return rows


@pytest.mark.parametrize("method", [None, POST], ids=["GET", "POST"])
def test_sparqlwrapper_select_gives_the_same_rows_in_every_format(endpoint, frkg_ns, method):
    query = SELECT.format(frkg=frkg_ns)
    results = {
        fmt: rows_from(fmt, wrapper(endpoint, query, fmt, method).queryAndConvert())
        for fmt in (JSON, XML, CSV, TSV)
    }
    reference = results[JSON]
    assert len(reference) >= 3
    assert all(rows == reference for rows in results.values()), results


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_ask(endpoint, fmt):
    converted = wrapper(endpoint, "ASK { ?s ?p ?o }", fmt).queryAndConvert()
    if fmt == JSON:
        assert converted["boolean"] is True
    else:
        assert converted.getElementsByTagName("boolean")[0].firstChild.data == "true"


@pytest.mark.parametrize("method", [None, POST], ids=["GET", "POST"])
def test_sparqlwrapper_construct_gives_the_same_graph_in_every_format(endpoint, frkg_ns, method):
    query = CONSTRUCT.format(frkg=frkg_ns)
    graphs = {}
    for fmt in (TURTLE, N3, RDFXML, JSONLD):
        response = wrapper(endpoint, query, fmt, method).query()
        body = response.response.read()
        content_type = response.response.headers["Content-Type"].split(";")[0]
        parser = {
            "text/turtle": "turtle",
            "application/rdf+xml": "xml",
            "application/ld+json": "json-ld",
        }[content_type]
        if parser == "json-ld":  # rdflib's JSON-LD parser warns about its own internals
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                graphs[fmt] = rdflib.Graph().parse(data=body, format=parser)
        else:
            graphs[fmt] = rdflib.Graph().parse(data=body, format=parser)
    reference = graphs[TURTLE]
    assert len(reference) >= 4
    for fmt, graph in graphs.items():
        assert isomorphic(graph, reference), fmt


def test_sparqlwrapper_describe(endpoint, sparql_server):
    thing = f"{sparql_server}id/fight-for-the-future"
    converted = wrapper(endpoint, f"DESCRIBE <{thing}>", TURTLE).queryAndConvert()
    graph = rdflib.Graph().parse(data=converted, format="turtle")
    assert (
        rdflib.URIRef(thing),
        rdflib.RDFS.label,
        rdflib.Literal("Fight for the Future", lang="en"),
    ) in graph


def test_rdflib_sparqlstore_reads_the_same_rows(endpoint, frkg_ns):
    query = SELECT.format(frkg=frkg_ns)
    graph = rdflib.Graph(store=SPARQLStore(endpoint, returnFormat="json"))
    via_rdflib = [(str(r.org), str(r.label)) for r in graph.query(query)]
    via_wrapper = rows_from(JSON, wrapper(endpoint, query, JSON).queryAndConvert())
    assert via_rdflib == via_wrapper and via_rdflib


def test_rdflib_sparqlstore_ask_and_construct(endpoint, frkg_ns):
    graph = rdflib.Graph(store=SPARQLStore(endpoint))
    assert graph.query("ASK { ?s ?p ?o }").askAnswer is True
    constructed = graph.query(CONSTRUCT.format(frkg=frkg_ns)).graph
    expected = rdflib.Graph().parse(
        data=wrapper(endpoint, CONSTRUCT.format(frkg=frkg_ns), TURTLE).queryAndConvert(),
        format="turtle",
    )
    assert isomorphic(constructed, expected)


# -- Comunica (an independent JavaScript engine) -----------------------------------------------

COMUNICA = ROOT / "node_modules" / ".bin" / "comunica-sparql"


def comunica(source: str, query: str) -> list[dict]:
    node = shutil.which("node")
    assert node and COMUNICA.exists(), "run scripts/setup.sh --test (npm ci) first"
    result = subprocess.run(
        [str(COMUNICA), source, query, "-t", "application/sparql-results+json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["results"]["bindings"]


@pytest.mark.node
@pytest.mark.parametrize("hint", ["sparql@", ""], ids=["sparql-hint", "service-description"])
def test_comunica_reads_the_same_rows(endpoint, frkg_ns, hint):
    # Without the sparql@ hint Comunica first GETs the endpoint for its service description.
    query = SELECT.format(frkg=frkg_ns)
    rows = comunica(hint + endpoint, query)
    via_comunica = sorted((b["org"]["value"], b["label"]["value"]) for b in rows)
    via_wrapper = sorted(rows_from(JSON, wrapper(endpoint, query, JSON).queryAndConvert()))
    assert via_comunica == via_wrapper and via_comunica
