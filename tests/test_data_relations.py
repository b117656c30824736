"""Relations between policies (issue 13): "what replaced this" is one link, both ways.

facts.md section 2.1: row 14/15 (Port of Seattle Motion 2019-13 superseded and extended by Order
2021-06), rows 4/5 (Amazon's 2021 extension of its 2020 moratorium), row 8 (AB 1215 repealed by
its own terms on 2023-01-01), row 11 (Portland's two ordinances, one vote).
"""

from __future__ import annotations

import pytest

from frkg import CANONICAL_BASE

from conftest import ROOT

ID = CANONICAL_BASE + "id/"
FRKG = CANONICAL_BASE + "ontology#"


def relations(kg) -> set[tuple[str, str, str]]:
    text = (ROOT / "src/frkg/sparql/queries/policy-relations.rq").read_text(encoding="utf-8")
    return {
        (
            r["policy"].value[len(ID) :],
            r["relation"].value[len(FRKG) :],
            r["other"].value[len(ID) :],
        )
        for r in kg.store.query(text, use_default_graph_as_union=True)
    }


@pytest.mark.parametrize(
    ("policy", "relation", "other"),
    [
        ("port-of-seattle-order-2021-06", "supersedes", "port-of-seattle-motion-2019-13"),
        ("port-of-seattle-motion-2019-13", "supersededBy", "port-of-seattle-order-2021-06"),
        ("port-of-seattle-order-2021-06", "extends", "port-of-seattle-motion-2019-13"),
        ("port-of-seattle-motion-2019-13", "extendedBy", "port-of-seattle-order-2021-06"),
        (
            "amazon-rekognition-police-moratorium-extension-2021",
            "supersedes",
            "amazon-rekognition-police-moratorium-2020",
        ),
        (
            "amazon-rekognition-police-moratorium-2020",
            "supersededBy",
            "amazon-rekognition-police-moratorium-extension-2021",
        ),
        (
            "amazon-rekognition-police-moratorium-2020",
            "extendedBy",
            "amazon-rekognition-police-moratorium-extension-2021",
        ),
        (
            "portland-city-bureaus-facial-recognition-ban",
            "adoptedWith",
            "portland-private-entities-facial-recognition-ban",
        ),
        (
            "portland-private-entities-facial-recognition-ban",
            "adoptedWith",
            "portland-city-bureaus-facial-recognition-ban",
        ),
    ],
)
def test_what_replaced_extended_or_accompanied_a_policy_is_one_link(kg, policy, relation, other):
    assert (policy, relation, other) in relations(kg)


def test_ab_1215_sunset_is_its_expiry_date_and_step(kg):
    text = (ROOT / "src/frkg/sparql/queries/policy-relations.rq").read_text(encoding="utf-8")
    assert "schema:expires" in text
    rows = list(
        kg.store.query(
            f"""SELECT ?expires ?step {{
                <{ID}california-ab-1215> <https://schema.org/expires> ?expires .
                ?step <{FRKG}policy> <{ID}california-ab-1215> ;
                      <{FRKG}eventType> <{FRKG}event-expired> ;
                      <http://purl.org/dc/terms/date> ?expires }}""",
            use_default_graph_as_union=True,
        )
    )
    assert [(r["expires"].value, r["step"].value) for r in rows] == [
        ("2023-01-01", ID + "california-ab-1215-expired")
    ]


def test_every_relation_links_two_policies(kg):
    for policy, _, other in relations(kg):
        for node in (policy, other):
            assert kg.store.query(
                f"ASK {{ <{ID}{node}> a ?c . "
                f"?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{FRKG}Policy> }}",
                use_default_graph_as_union=True,
            ), node
