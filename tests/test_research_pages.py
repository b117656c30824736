"""Entity pages lead with what matters per class, and concepts list what carries them; through
real HTTP against ``frkg serve`` over the repository's data. Expectations come from SPARQL."""

from __future__ import annotations

import html
import json

from test_research_tracker import select

from http_helpers import fetch

HTML = {"Accept": "text/html"}


def page(url: str) -> str:
    reply = fetch(url, HTML)
    assert reply.status == 200, reply.status
    return html.unescape(reply.text)


def test_policy_page_leads_with_status_place_kind_and_dated_steps(live_server, repo_kg):
    slug = "san-francisco-stop-secret-surveillance-ordinance"
    text = page(f"{live_server}page/{slug}")
    table = text.index("Every property")
    lead = text[:table]
    assert "(today)" in lead and "San Francisco" in lead and "(city)" in lead
    iri = f"{live_server}id/{slug}"
    events = select(
        repo_kg,
        f"SELECT ?e ?label ?source {{ ?e frkg:policy <{iri}> ; rdfs:label ?label ."
        " OPTIONAL { ?e <http://purl.org/dc/terms/source> ?source } }",
    )
    assert events
    for e in events:
        assert e["label"] in lead
        if "source" in e:  # each step names its sources next to it
            assert f'href="/page/{e["source"].rsplit("/", 1)[-1]}"' in lead
    kinds = select(
        repo_kg, f"SELECT ?label {{ <{iri}> frkg:policyKind ?k . ?k skos:prefLabel ?label }}"
    )
    assert all(k["label"] in lead for k in kinds)


def test_policy_page_shows_who_sponsored_it(live_server, repo_kg):
    rows = select(
        repo_kg,
        "SELECT ?p ?who ?name { ?p frkg:sponsor ?who . ?who rdfs:label ?name } LIMIT 3",
    )
    for r in rows:
        lead = page(f"{live_server}page/{r['p'].rsplit('/', 1)[-1]}").split("Every property")[0]
        assert "Sponsored by" in lead and r["name"] in lead


def test_person_page_lists_every_statement_with_its_full_words(live_server, repo_kg):
    text = page(f"{live_server}page/evan-greer")
    lead = text[: text.index("Every property")]
    said = select(
        repo_kg,
        f"SELECT ?s ?words ?source {{ ?s frkg:speaker <{live_server}id/evan-greer> ;"
        " frkg:verbatimText|frkg:paraphraseText ?words ."
        " OPTIONAL { ?s <http://purl.org/dc/terms/source> ?source } }",
    )
    assert said
    for s in said:
        assert s["words"] in lead
        if "source" in s:
            assert f'/page/{s["source"].rsplit("/", 1)[-1]}"' in lead
    assert "deputy director of Fight for the Future" in lead  # her role, as the source words it


def test_organization_page_lists_members_and_statements(live_server, repo_kg):
    text = page(f"{live_server}page/fight-for-the-future")
    lead = text[: text.index("Every property")]
    members = select(
        repo_kg,
        f"SELECT ?name {{ ?m org:organization <{live_server}id/fight-for-the-future> ;"
        " org:member ?p . ?p rdfs:label ?name }",
    )
    assert members and all(m["name"] in lead for m in members)
    assert 'id="statements"' in lead


def test_paraphrases_are_marked_as_the_sources_words(live_server, repo_kg):
    rows = select(
        repo_kg,
        "SELECT ?who ?words { ?s frkg:paraphraseText ?words ; frkg:speaker|frkg:speaksFor ?who }"
        " LIMIT 1",
    )
    who = rows[0]["who"].rsplit("/", 1)[-1]
    lead = page(f"{live_server}page/{who}").split("Every property")[0]
    at = lead.index(rows[0]["words"])
    assert "Paraphrase" in lead[at - 200 : at]


def test_concept_page_lists_what_carries_it(live_server, repo_kg):
    text = page(f"{live_server}concept?name=stance-opposes-ban")
    rows = select(
        repo_kg,
        "SELECT DISTINCT ?s ?label { ?s frkg:stance frkg:stance-opposes-ban ; rdfs:label ?label }",
    )
    assert rows and all(r["label"] in text for r in rows)
    assert 'href="/tracker/people?stance=frkg:stance-opposes-ban"' in text
    data = json.loads(fetch(f"{live_server}concept?name=stance-opposes-ban&format=json").text)
    carried = {t["iri"] for g in data["carriedBy"] for t in g["things"]}
    assert carried == {r["s"] for r in rows}


def test_unknown_concept_is_404(live_server):
    assert fetch(f"{live_server}concept?name=no-such-value", HTML).status == 404
    assert fetch(f"{live_server}concept?name=Policy", HTML).status == 404  # a class, not a concept


def test_stance_chips_link_to_the_concept_page(live_server):
    lead = page(f"{live_server}page/evan-greer").split("Every property")[0]
    assert 'href="/concept?name=stance-supports-ban"' in lead


def test_a_concept_page_without_a_name_is_a_clear_400(live_server):
    reply = fetch(f"{live_server}concept", HTML)
    assert reply.status == 400 and "?name=" in html.unescape(reply.text)
