"""/shapes over real HTTP: one section per shape, generated from whatever shapes are loaded
(here a fixture file that uses every kind of target, path and constraint), and the Turtle
source by negotiation."""

from __future__ import annotations

import re
from html import unescape

import pytest
import rdflib
from rdflib.compare import isomorphic

from frkg import CANONICAL_BASE

from conftest import DISCOVERY_FIXTURES
from http_helpers import fetch, parse_html, parse_rdf

HTML = {"Accept": "text/html"}
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
SHAPES_FILE = DISCOVERY_FIXTURES / "shapes" / "shapes.ttl"


@pytest.fixture(scope="module")
def page(discovery_server) -> str:
    reply = fetch(discovery_server + "shapes.html", HTML)
    assert reply.status == 200 and reply.media_type == "text/html"
    return reply.text


def section(page: str, anchor: str) -> str:
    """The text of one shape's section, tags removed, spaces collapsed."""
    (found,) = re.findall(rf'<section class="term shape" id="{anchor}".*?</section>', page, re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found)).split())


def test_one_section_per_top_level_shape_with_an_anchor_from_its_iri(page):
    shapes = rdflib.Graph().parse(SHAPES_FILE)
    top = set(shapes.subjects(rdflib.RDF.type, SH.NodeShape))
    for target in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
        top |= set(shapes.subjects(target, None))
    expected = {"shape-" + str(s).rsplit("#", 1)[1] for s in top}
    ids = {i for i in parse_html(page).ids() if i.startswith("shape-") and "-heading" not in i}
    assert ids == expected
    assert "shape-EnglishLabel" not in ids  # a property shape is documented where it is used


def test_targets_cardinalities_datatypes_and_messages(page):
    quote = section(page, "shape-QuoteShape")
    assert "Applies to every instance of quote frkg:Quote" in quote
    assert "A quote: verbatim words, one speaker, at least one stance." in quote
    assert "verbatim text frkg:verbatimText exactly 1" in quote
    assert "datatype lang string rdf:langString" in quote
    assert "A quote has exactly one verbatim text." in quote
    assert "from shapes.ttl" in quote


def test_allowed_values_and_nested_logical_constraints(page):
    quote = section(page, "shape-QuoteShape")
    assert (
        "one of supports a ban frkg:stance-supports-ban , opposes a ban frkg:stance-opposes-ban "
        ", supports regulation frkg:stance-supports-regulation"
    ) in quote
    assert "conforms to at least one of" in quote
    assert quote.count("instance of") >= 2 and "person" in quote and "organization" in quote
    assert "language one of en" in quote and "one value per language true" in quote
    assert "node kind" in quote


@pytest.mark.parametrize(
    "anchor, path",
    [
        ("shape-QuoteShape", "frkg:speaker / org:memberOf"),  # sequence
        ("shape-QuoteShape", "^frkg:madeStatement"),  # inverse
        ("shape-QuoteShape", "rdfs:label | skos:prefLabel"),  # alternative
        ("shape-SourceShape", "schema:isPartOf*"),  # zero or more
    ],
)
def test_property_paths_are_written_in_the_sparql_style(page, anchor, path):
    """SHACL section 2.3.1: each kind of path, as a SPARQL property path."""
    assert path in section(page, anchor)


def test_severity_patterns_node_targets_values_and_sparql(page):
    source = section(page, "shape-SourceShape")
    assert "matches the pattern ^https?://" in source
    assert "Severity: warning sh:Warning" in source
    assert "A source should name its publisher." in source
    assert "at most 3" in source
    dataset = section(page, "shape-DatasetShape")
    assert "Applies to the node Discovery test dataset" in dataset
    assert "has value https://creativecommons.org/licenses/by/4.0/" in dataset
    person = section(page, "shape-PersonShape")
    assert "label rdfs:label exactly 1" in person  # the named property shape, used here
    cites = section(page, "shape-CitesASource")
    assert "Applies to every subject of source dct:source" in cites
    assert "SPARQL constraint: The cited source has no URL." in cites
    assert "FILTER NOT EXISTS" in cites


@pytest.mark.parametrize("accept", ["text/turtle", "*/*", "application/n-triples"])
def test_the_source_by_negotiation_is_the_shapes_file(discovery_server, accept):
    reply = fetch(discovery_server + "shapes", {"Accept": accept})
    assert reply.status == 200 and "accept" in reply.vary()
    media_type = reply.media_type
    assert reply.headers["Content-Location"].startswith("/shapes.")
    served = parse_rdf(reply.body, media_type)
    source = rdflib.Graph()
    for s, p, o in rdflib.Graph().parse(SHAPES_FILE):
        source.add(tuple(_rebase(t, discovery_server) for t in (s, p, o)))
    assert isomorphic(served, source)


def _rebase(term, base: str):
    if isinstance(term, rdflib.URIRef) and str(term).startswith(CANONICAL_BASE):
        return rdflib.URIRef(base + str(term)[len(CANONICAL_BASE) :])
    return term


def test_shapes_html_by_negotiation_and_refusals(discovery_server):
    reply = fetch(discovery_server + "shapes", HTML)
    assert reply.media_type == "text/html" and reply.headers["Content-Location"] == "/shapes.html"
    assert fetch(discovery_server + "shapes", {"Accept": "image/png"}).status == 406
    assert fetch(discovery_server + "shapes.pdf").status == 404


def test_without_shapes_the_page_says_so(fixture_server):
    html = parse_html(fetch(fixture_server + "shapes.html", HTML).text)
    assert "No shapes are loaded." in html.text()
    reply = fetch(fixture_server + "shapes.ttl")
    assert reply.status == 200 and len(parse_rdf(reply.body, "text/turtle")) == 0
