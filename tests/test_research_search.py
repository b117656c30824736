"""Search finds what people type (words of quotes and notes, aliases, bill numbers, Wikidata
identifiers), grouped by kind with the words marked; a 404 offers the nearest matches. Real HTTP
against ``frkg serve`` over the repository's data; expectations come from SPARQL."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from test_research_tracker import select

from http_helpers import fetch, parse_html

HTML = {"Accept": "text/html"}


def found(server: str, q: str) -> dict[str, dict]:
    reply = fetch(f"{server}search?q={quote(q)}&format=json&limit=100")
    assert reply.status == 200
    return {r["iri"]: r for r in json.loads(reply.text)["results"]}


def test_a_word_of_a_quote_finds_the_quote_and_marks_it(live_server, repo_kg):
    rows = select(
        repo_kg,
        f"SELECT ?s ?words {{ ?s frkg:speaker <{live_server}id/evan-greer> ;"
        " frkg:verbatimText ?words }",
    )
    quote_with_dissent = [r for r in rows if "dissent" in r["words"]]
    assert quote_with_dissent, "the data no longer has the word"
    hits = found(live_server, "dissent")
    hit = hits[quote_with_dissent[0]["s"]]
    assert hit["match"] == "text" and "dissent" in hit["excerpt"]
    page = fetch(f"{live_server}search?q=dissent", HTML).text
    assert "<mark>dissent</mark>" in page


def test_a_wikidata_identifier_finds_its_entity(live_server, repo_kg):
    rows = select(
        repo_kg,
        "SELECT ?e ?same { ?e owl:sameAs ?same"
        " FILTER(STRSTARTS(STR(?same), 'http://www.wikidata.org/entity/Q')) }",
    )
    assert rows
    for r in rows[:5]:
        qid = r["same"].rsplit("/", 1)[-1]
        hit = found(live_server, qid)[r["e"]]
        assert hit["matched"] == qid


def test_a_bill_number_finds_its_policy(live_server, repo_kg):
    rows = select(repo_kg, "SELECT ?p ?n { ?p schema:legislationIdentifier ?n }")
    assert rows
    for r in rows:
        assert r["p"] in found(live_server, r["n"])


def test_an_alias_finds_its_entity(live_server, repo_kg):
    rows = select(repo_kg, "SELECT ?e ?alias { ?e skos:altLabel ?alias }")
    assert rows
    for r in rows[:10]:
        assert r["e"] in found(live_server, r["alias"])


def test_names_rank_before_text_matches(live_server):
    results = json.loads(fetch(f"{live_server}search?q=greer&format=json&limit=100").text)
    matches = [r["match"] for r in results["results"]]
    assert matches[0] != "text"
    if "text" in matches:
        assert all(m == "text" for m in matches[matches.index("text") :])


def test_results_page_groups_hits_by_kind(live_server):
    page = fetch(f"{live_server}search?q=greer", HTML).text
    headings = re.findall(r'<h2 id="group-\d+">([^<]+)<', page)
    assert "Person " in headings and "Quote " in headings
    assert len(headings) == len(set(headings))


@pytest.mark.parametrize(
    "path, expected",
    [
        ("page/evan-gree", "/page/evan-greer"),
        ("id/fight-for-future", "/page/fight-for-the-future"),
        ("no/such/somerville", "/page/somerville"),
    ],
)
def test_a_404_page_offers_the_nearest_matches(live_server, path, expected):
    """RFC 9110 section 15.5.5: not found; the page still helps the reader on."""
    reply = fetch(live_server + path, HTML)
    assert reply.status == 404
    near = parse_html(reply.text)
    offered = [a["href"] for a in near.attrs("a")]
    assert "Perhaps you meant" in reply.text and expected in offered
    assert any(f.get("action") == "/search" for f in near.attrs("form"))


def test_a_404_for_a_hostile_path_shows_no_markup_of_it(live_server):
    reply = fetch(live_server + "page/" + quote("<script>alert(1)</script>"), HTML)
    assert reply.status == 404 and "<script>alert(1)" not in reply.text
