"""The shapes themselves: valid SHACL, a message on every constraint, every ontology class and
property covered, no term the ontology does not define, and the reused-terms block complete."""

from __future__ import annotations

import pyshacl
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SH

from conftest import GOOD_FIXTURES, ROOT

FRKG = rdflib.Namespace("https://w3id.org/frkg/ontology#")
FRKG_SHAPES = "https://w3id.org/frkg/shapes#"
SCHEMA = rdflib.Namespace("https://schema.org/")
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
DATE_PROPERTIES = {
    DCT.date,
    SCHEMA.datePublished,
    FRKG.statusDate,
    SCHEMA.startDate,
    SCHEMA.endDate,
    DCT.issued,
    DCT.modified,
    SCHEMA.dateCreated,
    SCHEMA.dateModified,
    SCHEMA.foundingDate,
    SCHEMA.expires,
}
# Parameters that make a shape check something (SHACL Core section 4, SHACL-SPARQL section 5).
CONSTRAINTS = {
    SH[name]
    for name in (
        "class datatype nodeKind minCount maxCount minExclusive minInclusive maxExclusive "
        "maxInclusive minLength maxLength pattern languageIn uniqueLang equals disjoint lessThan "
        "lessThanOrEquals not and or xone node qualifiedValueShape closed hasValue in sparql"
    ).split()
}


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / "ontology" / "frkg.ttl")


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        graph.parse(path)
    return graph


def declared(ontology: rdflib.Graph, *kinds) -> set[rdflib.URIRef]:
    return {
        s
        for kind in kinds
        for s in ontology.subjects(RDF.type, kind)
        if isinstance(s, rdflib.URIRef)
    }


def reported_shapes(shapes: rdflib.Graph) -> set[rdflib.term.Node]:
    """Shapes whose failures are reported as results: targeted shapes and their property shapes.

    Shapes used only inside sh:node, sh:or or sh:qualifiedValueShape are reported through the
    shape that uses them, with that shape's message.
    """
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
    top = {s for t in targets for s in shapes.subjects(t, None)}
    return top | {p for s in top for p in shapes.objects(s, SH.property)}


def test_shapes_are_valid_shacl():
    # pyshacl checks the shapes graph against SHACL-SHACL (SHACL Appendix C) before validating.
    data = rdflib.Graph()
    for path in [*(ROOT / "ontology").glob("*.ttl"), *GOOD_FIXTURES.glob("*.ttl")]:
        data.parse(path)
    shapes = rdflib.Graph()
    for path in (ROOT / "shapes").glob("*.ttl"):
        shapes.parse(path)
    conforms, _, text = pyshacl.validate(
        data, shacl_graph=shapes, meta_shacl=True, advanced=True, inference="none"
    )
    assert conforms, text


def test_every_constraint_has_a_message(shapes):
    missing = [
        str(s)
        for s in reported_shapes(shapes)
        if any((s, c, None) in shapes for c in CONSTRAINTS - {SH.sparql})
        and shapes.value(s, SH.message) is None
    ]
    missing += [str(c) for c in shapes.objects(None, SH.sparql) if not shapes.value(c, SH.message)]
    assert missing == []


def test_every_message_is_english_and_says_how_to_fix(shapes):
    for message in shapes.objects(None, SH.message):
        assert message.language == "en", message
        assert len(message) > 40, message


def test_every_class_of_the_ontology_is_checked(ontology, shapes):
    targeted = set(shapes.objects(None, SH.targetClass))
    sparql_text = " ".join(str(q) for q in shapes.objects(None, SH.select))

    def covered(cls) -> bool:
        supers = set(ontology.transitive_objects(cls, RDFS.subClassOf))
        return bool(supers & targeted) or cls.n3(ontology.namespace_manager) in sparql_text

    classes = {c for c in declared(ontology, OWL.Class) if str(c).startswith(str(FRKG))}
    classes |= {SCHEMA.Person, ORG.Membership, ORG.Role}
    # frkg:Agent has no instances of its own: it is the union of people and organizations.
    assert sorted(str(c) for c in classes - {FRKG.Agent} if not covered(c)) == []


def test_every_frkg_property_is_checked(ontology, shapes):
    # By a shape (as a path, or in a SPARQL query), or through the domain or range the ontology
    # declares, which frkgsh:DomainShape and frkgsh:RangeShape check for every property.
    paths = set()
    for path in shapes.objects(None, SH.path):
        paths |= {n for n in _path_terms(shapes, path)}
    sparql_text = " ".join(str(q) for q in shapes.objects(None, SH.select))
    unchecked = [
        str(p)
        for p in declared(ontology, OWL.ObjectProperty, OWL.DatatypeProperty)
        if str(p).startswith(str(FRKG))
        and p not in paths
        and p.n3(ontology.namespace_manager) not in sparql_text
        and (p, RDFS.domain, None) not in ontology
        and (p, RDFS.range, None) not in ontology
    ]
    assert unchecked == []


def _path_terms(graph: rdflib.Graph, path) -> set:
    if path == RDF.nil:
        return set()
    if isinstance(path, rdflib.URIRef):
        return {path}
    found = set()
    for _, p, o in graph.triples((path, None, None)):
        if p in (RDF.first, RDF.rest, SH.inversePath, SH.alternativePath, SH.zeroOrMorePath):
            found |= _path_terms(graph, o)
    return found


def test_every_datatype_property_has_its_literal_form_checked(ontology, shapes):
    # Datatypes and lexical forms are checked per property (sh:datatype, sh:pattern), dates by
    # frkgsh:DateShape, whose query lists them.
    checked = {
        p
        for s in shapes.subjects(SH.path, None)
        for p in [shapes.value(s, SH.path)]
        if (s, SH.datatype, None) in shapes or (s, SH.pattern, None) in shapes
    }
    date_query = str(
        shapes.value(shapes.value(rdflib.URIRef(FRKG_SHAPES + "DateShape"), SH.target), SH.select)
    )
    for p in DATE_PROPERTIES:
        assert p.n3(ontology.namespace_manager) in date_query, p
    unchecked = declared(ontology, OWL.DatatypeProperty) - checked - DATE_PROPERTIES
    assert sorted(map(str, unchecked)) == []


def test_shapes_use_only_terms_the_ontology_defines(ontology, shapes):
    # A typo in a shape (sh:path frkg:speakr) would silently check nothing.
    classes = declared(ontology, OWL.Class)
    properties = declared(
        ontology, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property
    ) | {RDF.type}
    concepts = declared(ontology, rdflib.URIRef("http://www.w3.org/2004/02/skos/core#Concept"))
    schemes = declared(ontology, rdflib.URIRef("http://www.w3.org/2004/02/skos/core#ConceptScheme"))
    for path in shapes.objects(None, SH.path):
        for p in _path_terms(shapes, path):
            assert p in properties, p
    for predicate in (SH.targetSubjectsOf, SH.targetObjectsOf):
        for p in shapes.objects(None, predicate):
            assert p in properties, p
    for predicate in (SH.targetClass, SH["class"]):
        for c in shapes.objects(None, predicate):
            assert c in classes, c
    for value in shapes.objects(None, SH.hasValue):
        # A concept or scheme; a citation's type; or a property a citation must back
        # (shapes/citations.ttl: sh:path (frkg:citation frkg:supports) ; sh:hasValue dct:date).
        assert value in concepts | schemes | classes | properties, value


def test_reused_terms_are_declared_labelled_and_sourced(ontology):
    # Every term CONTRIBUTING.md and the ontology direct data to use, declared in the ontology's
    # reused-terms block with an English label, a definition and its vocabulary.
    reused = [
        SCHEMA.url, SCHEMA.publisher, SCHEMA.datePublished, SCHEMA.containedInPlace,
        SCHEMA.legislationIdentifier, SCHEMA.manufacturer, SCHEMA.startDate, SCHEMA.endDate,
        SCHEMA.isPartOf, SCHEMA.funder, SCHEMA.author, SCHEMA.Person, RDFS.label, RDFS.comment,
        DCT.source, DCT.date, DCT.title, ORG.Membership, ORG.member, ORG.organization, ORG.role,
        ORG.memberOf, ORG.hasMember, ORG.Role, OWL.sameAs,
        rdflib.URIRef("http://xmlns.com/foaf/0.1/homepage"),
        rdflib.URIRef("http://www.w3.org/2004/02/skos/core#scopeNote"),
    ]  # fmt: skip
    definition = rdflib.URIRef("http://www.w3.org/2004/02/skos/core#definition")
    for term in reused:
        assert (term, RDF.type, None) in ontology, term
        labels = [lbl for lbl in ontology.objects(term, RDFS.label) if lbl.language == "en"]
        assert len(labels) == 1, term
        assert ontology.value(term, definition) is not None, term
        assert isinstance(ontology.value(term, RDFS.isDefinedBy), rdflib.URIRef), term
