"""describe(): what the document about a thing holds, and what its page shows."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from frkg import formats
from frkg.formats import RDF_FORMATS
from frkg.labels import humanize
from frkg.publish import entity_view
from frkg.publish.dataset import DatasetIndex
from frkg.publish.dates import format_date
from frkg.publish.describe import PAGE_LIMIT, Describer

from conftest import HUB_SIZE

BASE = "https://w3id.org/frkg/"
ID = BASE + "id/"
FRKG = BASE + "ontology#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"


@pytest.fixture(scope="module")
def describer(fixture_kg) -> Describer:
    return Describer(fixture_kg)


def triples(description) -> set[tuple[str, str, str]]:
    return {(t.subject.value, t.predicate.value, t.object.value) for t in description.triples}


def test_unknown_thing_has_no_description(describer):
    assert describer.describe("no-such-thing") is None
    assert describer.describe("not a valid iri <>") is None
    assert not describer.exists("no-such-thing")


def test_document_holds_outgoing_incoming_and_neighbour_labels(describer):
    d = describer.describe("ada-example")
    t = triples(d)
    assert (
        ID + "ada-example",
        "http://www.w3.org/ns/org#memberOf",
        ID + "example-rights-group",
    ) in t
    # incoming: the quote names her as speaker
    assert (ID + "quote-ada-ban", FRKG + "speaker", ID + "ada-example") in t
    # labels of neighbours, in and out, in every language they have
    assert (ID + "example-rights-group", RDFS + "label", "Example Rights Group") in t
    assert (ID + "quote-ada-ban", RDFS + "label", "Ada Example on a ban") in t
    assert (
        FRKG + "stance-supports-ban",
        "http://www.w3.org/2004/02/skos/core#prefLabel",
        "supports a ban",
    ) not in t  # not a neighbour of the person
    city = triples(describer.describe("example-ban"))
    assert (ID + "example-city", RDFS + "label", "Exempelstad") in city
    # nothing from elsewhere: the neighbour's own links stay in its own document
    assert not any(s == ID + "example-rights-group" and p == FOAF + "homepage" for s, p, _ in t)


def test_inverse_links_are_materialised_into_the_document(describer):
    t = triples(describer.describe("ada-example"))
    assert (ID + "ada-example", FRKG + "madeStatement", ID + "quote-ada-ban") in t


def test_blank_node_closure_is_included_to_any_depth(describer):
    d = describer.describe("hostile-script")
    bnode_subjects = {t.subject for t in d.triples if isinstance(t.subject, ox.BlankNode)}
    predicates = {t.predicate.value for t in d.triples if t.subject in bnode_subjects}
    assert "https://schema.org/streetAddress" in predicates
    assert "https://schema.org/latitude" in predicates  # the nested blank node too


def test_document_metadata_names_topic_dataset_licence_and_twins(describer):
    d = describer.describe("ada-example")
    doc = BASE + "data/ada-example"
    t = triples(d)
    assert (doc, FOAF + "primaryTopic", ID + "ada-example") in t
    assert (doc, "http://rdfs.org/ns/void#inDataset", ID + "frkg") in t
    assert (doc, DCT + "license", "https://creativecommons.org/licenses/by/4.0/") in t
    for fmt in RDF_FORMATS:
        twin = f"{doc}.{fmt.suffix}"
        assert (doc, DCT + "hasFormat", twin) in t
        assert (twin, DCT + "format", fmt.iri) in t
    assert (BASE + "page/ada-example", FOAF + "primaryTopic", ID + "ada-example") in t


def test_metadata_sits_in_the_default_graph_and_data_in_file_graphs(describer, fixture_kg):
    d = describer.describe("ada-example")
    graphs = {q.graph_name for q in d.quads}
    assert ox.DefaultGraph() in graphs
    file_graphs = {ox.NamedNode(f.graph) for f in fixture_kg.files}
    assert graphs - {ox.DefaultGraph(), ox.NamedNode(fixture_kg.inferred_graph)} <= file_graphs


def test_labels_prefer_english(describer):
    view = entity_view.view(describer, describer.describe("hostile-script"))
    assert view.label.language == "en" and view.label.text.startswith("<script>")
    city = entity_view.view(describer, describer.describe("example-city"))
    assert city.label.text == "Example City"
    other = [v for g in city.properties for v in g.values if v.language == "sv"]
    assert [v.label for v in other] == ["Exempelstad"]  # the other language is still shown


def test_properties_are_labelled_from_the_ontology_and_grouped(describer):
    view = entity_view.view(describer, describer.describe("example-ban"))
    labels = {g.property.value: g.property.label for g in view.properties}
    assert labels[FRKG + "jurisdiction"] == "jurisdiction"
    assert labels[FRKG + "policyKind"] == "policy kind"
    assert labels[FRKG + "statusDate"] == "status as of"
    assert view.properties[-1].property.value == DCT + "source"  # sources come last
    status_date = next(g for g in view.properties if g.property.value == FRKG + "statusDate")
    assert [(v.label, v.machine) for v in status_date.values] == [("14 May 2019", "2019-05-14")]
    kind = next(g for g in view.properties if g.property.value == FRKG + "policyKind")
    assert [(v.label, v.fragment) for v in kind.values] == [("ban", "kind-ban")]


def test_statement_view_has_quote_speaker_organization_date_stance_source(describer):
    view = entity_view.view(describer, describer.describe("quote-ada-ban"))
    s = view.statement
    assert s.kind == "quote"
    assert [t.value for t in s.text] == ["We need a ban, not promises."]
    assert [t.slug for t in s.speakers] == ["ada-example"]
    assert [t.slug for t in s.organizations] == ["example-rights-group"]
    assert [t.label for t in s.dates] == ["6 May 2019"]
    assert [t.label for t in s.stances] == ["supports a ban"]
    assert [(t.slug, t.url) for t in s.sources] == [
        ("example-article", "https://example.org/news/ban")
    ]
    shown = {g.property.value for g in view.properties}
    assert FRKG + "about" in shown and FRKG + "verbatimText" not in shown


def test_paraphrase_is_not_presented_as_a_quote(describer):
    s = entity_view.view(describer, describer.describe("paraphrase-ada-oversight")).statement
    assert s.kind == "paraphrase" and s.dates[0].label == "2019"


def test_incoming_link_mirrored_by_an_inverse_is_shown_once(describer):
    view = entity_view.view(describer, describer.describe("ada-example"))
    outgoing = {g.property.value for g in view.properties}
    incoming = {g.property.value for g in view.incoming}
    assert FRKG + "madeStatement" in outgoing
    assert FRKG + "speaker" not in incoming  # the same fact, already shown as "made statement"
    assert "http://www.w3.org/ns/org#member" not in incoming  # org:hasMembership says it
    group = entity_view.view(describer, describer.describe("example-rights-group"))
    # org:organization has no inverse in the ontology: the link is shown as incoming
    assert "http://www.w3.org/ns/org#organization" in {g.property.value for g in group.incoming}


def test_hub_incoming_links_are_capped_with_a_count_never_dropped(describer):
    d = describer.describe("hub-source")
    assert sum(1 for q in d.incoming if q.predicate.value == DCT + "source") == HUB_SIZE + 1
    (group,) = [
        g for g in entity_view.view(describer, d).incoming if g.property.value == DCT + "source"
    ]
    assert group.total == HUB_SIZE + 1 and len(group.values) == PAGE_LIMIT and group.more


def test_show_all_pages_cover_every_link_once(describer):
    first = entity_view.links(describer, "hub-source", DCT + "source", "in", 1)
    assert first.total == HUB_SIZE + 1 and first.pages == 3
    seen = [
        v.value
        for page in range(1, 4)
        for v in entity_view.links(describer, "hub-source", DCT + "source", "in", page).values
    ]
    assert len(seen) == len(set(seen)) == HUB_SIZE + 1
    assert entity_view.links(describer, "hub-source", DCT + "source", "out", 1) is None
    assert entity_view.links(describer, "hub-source", "not an iri", "in", 1) is None


def test_only_web_addresses_become_links(describer):
    view = entity_view.view(describer, describer.describe("hostile-script"))
    values = [v for g in view.properties for v in g.values]
    assert all(v.url is None for v in values if "javascript:" in v.value)
    assert not [v for v in values if v.url and not v.url.startswith(("http://", "https://"))]


def test_invalid_dates_are_shown_as_written(describer):
    view = entity_view.view(describer, describer.describe("hostile-script"))
    founding = [v for g in view.properties for v in g.values if v.value == "2019-13-45"]
    assert [(v.label, v.machine) for v in founding] == [("2019-13-45", None)]


@pytest.mark.parametrize(
    "lexical, datatype, expected",
    [
        ("2019-05-06", "date", ("6 May 2019", "2019-05-06")),
        ("2019-05", "gYearMonth", ("May 2019", "2019-05")),
        ("2019", "gYear", ("2019", "2019")),
        ("2019-05-06T14:03:00Z", "dateTime", ("6 May 2019, 14:03 UTC", "2019-05-06T14:03:00Z")),
        ("2019-02-30x", "date", None),
        ("2019-00", "gYearMonth", None),
    ],
)
def test_dates_are_formatted_for_readers(lexical, datatype, expected):
    assert format_date(lexical, "http://www.w3.org/2001/XMLSchema#" + datatype) == expected


@pytest.mark.parametrize(
    "name, expected",
    [("memberOf", "member of"), ("datePublished", "date published"), ("DOI", "DOI")],
)
def test_unlabelled_terms_get_readable_names(name, expected):
    assert humanize(name) == expected


def test_rdfxml_refuses_a_predicate_it_cannot_write(describer):
    d = describer.describe("hostile-xml")
    with pytest.raises(formats.Unrepresentable, match="property/123"):
        formats.serialize(formats.by_suffix("rdf"), d.quads)
    assert formats.serialize(formats.by_suffix("ttl"), d.quads)


def test_every_entity_is_listed_by_its_kind_or_as_untyped(describer, fixture_kg):
    index = DatasetIndex(fixture_kg, describer.inverse)
    everything = {
        n.value
        for q in fixture_kg.store.quads_for_pattern(None, None, None, None)
        for n in (q.subject, q.object)
        if isinstance(n, ox.NamedNode) and n.value.startswith(ID)
    }
    typed = {e.value for cls in index.listed_classes() for e in index.instances(cls)}
    untyped = {e.value for e in index.untyped()}
    assert typed | untyped == everything == {e.value for e in index.entities}
    assert index.entity_count == len(everything)
    assert sorted(u.removeprefix(ID) for u in untyped) == ["hostile-xml", "long-text"]
