"""Pages of things with many links: read from the per-load hub index, the same as read whole.

A page shows the first PAGE_LIMIT values of each property with the count of all of them
(describe.Describer.hubs). These tests check that what a capped page shows, counts and embeds is
exactly what the page built from the whole description shows, on data with large incoming
groups, large outgoing groups (materialised inverses) and incoming links mirrored by them.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from frkg import store
from frkg.publish import entity_view
from frkg.publish.browse import Browser
from frkg.publish.dataset import DatasetIndex
from frkg.publish.describe import PAGE_LIMIT, Describer

from conftest import ROOT

BASE = "https://w3id.org/frkg/"
FRKG = BASE + "ontology#"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
MANY = 60


@pytest.fixture(scope="module")
def hub_describer(tmp_path_factory) -> Describer:
    """An organization with MANY quotes said for it (frkg:speaksFor, whose inverse the loader
    materialises: MANY outgoing frkg:representedIn), MANY members, MANY citing sources, and a
    person with a few quotes (no large group at all)."""
    folder: Path = tmp_path_factory.mktemp("hubs")
    lines = [
        "@prefix id: <https://w3id.org/frkg/id/> .",
        "@prefix frkg: <https://w3id.org/frkg/ontology#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        "@prefix org: <http://www.w3.org/ns/org#> .",
        'id:big-org a frkg:AdvocacyOrganization ; rdfs:label "Big Org"@en ; '
        'rdfs:comment "Many things point here."@en ; dct:source id:big-source .',
        'id:big-source a frkg:WebPage ; rdfs:label "Big source"@en .',
        'id:small-person a frkg:Person ; rdfs:label "Small Person"@en ; org:memberOf id:big-org .',
    ]
    for i in range(MANY):
        # Labels in an order unlike the IRIs', so page order (by label) is exercised.
        label = f"Quote {(i * 37) % MANY:03d}"
        speaker = "id:small-person" if i < 3 else f"id:member-{i}"
        lines.append(
            f'id:quote-{i} a frkg:Quote ; rdfs:label "{label}"@en ; frkg:speaker {speaker} ; '
            f'frkg:speaksFor id:big-org ; frkg:verbatimText "Words {i}."@en ; '
            "dct:source id:big-source ."
        )
        lines.append(
            f'id:member-{i} a frkg:Person ; rdfs:label "Member {MANY - i:03d}"@en ; '
            "org:memberOf id:big-org ; dct:source id:big-source ."
        )
    path = folder / "hubs.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    kg = store.load_files({"ontology": [ROOT / "ontology" / "frkg.ttl"], "data": [path]}, BASE)
    return Describer(kg)


def entity_slugs(d: Describer) -> list[str]:
    return sorted(
        {
            slug
            for q in d.kg.store.quads_for_pattern(None, None, None, None)
            for node in (q.subject, q.object)
            if (slug := d.slug_of(node.value) if hasattr(node, "value") else None)
        }
    )


def test_the_hub_index_holds_the_things_with_large_groups_only(hub_describer):
    hubs = hub_describer.hubs
    assert BASE + "id/big-org" in hubs and BASE + "id/big-source" in hubs
    assert BASE + "id/small-person" not in hubs
    org = hubs[BASE + "id/big-org"]
    assert len(org.large[("out", FRKG + "representedIn")]) == MANY
    # Every incoming frkg:speaksFor is said again by a materialised outgoing representedIn.
    assert org.large[("in", FRKG + "speaksFor")] == ()


def test_every_page_shows_the_same_whether_capped_or_read_whole(hub_describer):
    d = hub_describer
    slugs = entity_slugs(d)
    assert "big-org" in slugs and len(slugs) > 2 * MANY
    for slug in slugs:
        whole = entity_view.view(d, d.describe(slug))
        capped = entity_view.view(d, d.describe(slug, capped=True))
        assert capped == whole, slug


def test_capped_groups_keep_page_order_and_count_everything(hub_describer):
    d = hub_describer
    view = entity_view.view(d, d.describe("big-org", capped=True))
    (said,) = [g for g in view.properties if g.property.value == FRKG + "representedIn"]
    assert said.total == MANY and len(said.values) == PAGE_LIMIT and said.more
    labels = [v.label for v in said.values]
    assert labels == sorted(labels) and labels[0] == "Quote 000"
    (members,) = [g for g in view.properties if g.property.value == ORG + "hasMember"]
    assert members.total == MANY + 1  # the members and the small person
    # Shown once, as outgoing: no incoming speaksFor or memberOf group.
    assert {g.property.value for g in view.incoming} == set()
    source = entity_view.view(d, d.describe("big-source", capped=True))
    (citing,) = [g for g in source.incoming if g.property.value == DCT + "source"]
    assert citing.total == 2 * MANY + 1 and len(citing.values) == PAGE_LIMIT


def test_the_embedded_document_of_a_capped_page_is_part_of_the_whole_document(hub_describer):
    d = hub_describer
    whole = d.describe("big-org")
    capped = d.describe("big-org", capped=True)
    shown = {(q.subject, q.predicate, q.object) for q in d.page_quads(capped)}
    everything = {(q.subject, q.predicate, q.object) for q in whole.quads}
    assert shown <= everything
    assert len(shown) < len(everything)  # the links past the first PAGE_LIMIT are not embedded


def test_show_all_lists_every_value_of_a_large_group_in_page_order(hub_describer):
    d = hub_describer
    page = entity_view.links(d, "big-org", FRKG + "representedIn", "out", 1)
    assert page.total == MANY and [v.label for v in page.values] == sorted(
        v.label for v in page.values
    )
    # Incoming links are all listed on a show-all page, mirrored ones included.
    assert entity_view.links(d, "big-org", FRKG + "speaksFor", "in", 1).total == MANY


def test_citation_counts_on_pages_match_the_citing_nodes(hub_describer):
    d = hub_describer
    browser = Browser(DatasetIndex(d.kg, d.inverse), d)
    for slug in entity_slugs(d):
        node = ox.NamedNode(BASE + "id/" + slug)
        assert browser.citing_count(node) == len(browser.citing(node)), slug
    assert browser.citing_count(ox.NamedNode(BASE + "id/big-source")) == 2 * MANY + 1
