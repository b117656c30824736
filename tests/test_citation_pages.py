"""Pages show the source and excerpt next to the claim they back (issues 13 and 14), through a real
server on 127.0.0.1 over the repository's data; the RDF documents carry the same citations."""

from __future__ import annotations

import html
import json
import re

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from frkg.cli import main
from tests.conftest import http
from tests.test_data_citations import FRKG, citations, data, one

from doc_examples import fenced_blocks, page_text
from http_helpers import parse_rdf

#: The words a page shows for each citation: the excerpt in a blockquote, a reference note in a
#: paragraph marked as the reference file's record.
_EXCERPT = re.compile(r'<blockquote class="excerpt"[^>]*><p>(.*?)</p></blockquote>', re.S)
_NOTE = re.compile(r'<p class="note-words"[^>]*><span class="marker">[^<]*</span> (.*?)</p>', re.S)


def page(server: str, slug: str) -> str:
    status, headers, body = http("GET", f"{server}page/{slug}", headers={"Accept": "text/html"})
    assert status == 200, (slug, status)
    return body.decode("utf-8")


def shown_words(text: str) -> tuple[set[str], set[str]]:
    unescape = html.unescape
    return {unescape(m) for m in _EXCERPT.findall(text)}, {unescape(m) for m in _NOTE.findall(text)}


def slug(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def test_every_citation_is_shown_on_the_page_of_the_claim_it_backs(live_server):
    by_subject: dict[str, list] = {}
    for subject, citation in citations():
        by_subject.setdefault(subject, []).append(citation)
    missing = []
    for subject, cited in by_subject.items():
        excerpts, notes = shown_words(page(live_server, slug(subject)))
        for c in cited:
            excerpt, note = one(c, FRKG + "excerpt"), one(c, FRKG + "referenceNote")
            if excerpt is not None and excerpt not in excerpts:
                missing.append(f"{subject}: excerpt {excerpt[:60]!r}")
            if note is not None and note not in notes:
                missing.append(f"{subject}: reference note {note[:60]!r}")
    assert len(by_subject) > 100
    assert not missing, "\n".join(missing)


def test_a_policy_page_shows_each_steps_excerpt_under_that_step(live_server):
    text = page(live_server, "san-francisco-stop-secret-surveillance-ordinance")
    steps = text.split('<li class="event-line">')[1:]
    assert len(steps) == 2
    first, final = steps
    assert "voted eight to one to ban the purchase and use" in first
    assert "checked in facts.md #1" in first
    assert "voted eight to one" not in final
    assert "FILE NO. 190568 AMENDED IN BOARD 5/21/2019 ORDINANCE NO. 107-19" in final
    # The excerpt names its source and links to the original (HTML: blockquote cite attribute).
    assert 'cite="https://www.straitstimes.com/world/united-states/san-francisco-votes-' in first


def test_an_event_page_says_what_the_sources_say_and_keeps_citations_out_of_the_table(live_server):
    text = page(live_server, "san-francisco-stop-secret-surveillance-ordinance-first-vote")
    assert "What the sources say" in text
    section = text.split('id="citations"', 1)[1].split("</section>", 1)[0]
    assert "voted eight to one" in section
    assert re.search(r"backs .*date.*event type.*vote tally", section, re.S)
    table = text.split('id="properties-heading"', 1)[1]
    assert "frkg:citation" not in table


@pytest.mark.parametrize("fmt", ["text/turtle", "application/ld+json"])
def test_the_rdf_document_of_a_claim_holds_its_citations(live_server, fmt):
    """The description's blank-node closure carries each citation whole, so a client reading the
    RDF gets the excerpt and its source without another request."""
    iri = "https://w3id.org/frkg/id/san-francisco-stop-secret-surveillance-ordinance-first-vote"
    status, headers, body = http(
        "GET",
        f"{live_server}data/{slug(iri)}.{'ttl' if fmt == 'text/turtle' else 'jsonld'}",
        headers={"Accept": fmt},
    )
    assert status == 200
    g = parse_rdf(body, fmt)
    # The server publishes under its own base: the ontology's terms too.
    served, ontology = f"{live_server}id/{slug(iri)}", f"{live_server}ontology#"
    rows = list(
        g.query(
            f"PREFIX frkg: <{ontology}> PREFIX prov: <http://www.w3.org/ns/prov#>"
            + """
            SELECT ?claim ?excerpt ?source WHERE { ?claim frkg:citation ?c .
              ?c a frkg:Citation ; frkg:excerpt ?excerpt ; prov:wasQuotedFrom ?source ;
                 frkg:checkedIn ?entry ; frkg:supports ?p . }"""
        )
    )
    assert rows and {str(r.claim) for r in rows} == {served}
    expected = {
        str(o.object.value)
        for q in data().quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(FRKG + "citation"), None)
        for o in data().quads_for_pattern(q.object, ox.NamedNode(FRKG + "excerpt"), None)
    }
    assert {str(r.excerpt) for r in rows} == expected
    assert {slug(str(r.source)) for r in rows} == {"straits-times-2019-san-francisco-ban-vote"}


def test_the_data_model_pages_citation_query_answers_with_each_steps_words():
    """docs/data-model.md's example, run as a user runs it (`frkg query`)."""

    (query,) = [
        text
        for _, text in fenced_blocks(page_text("docs/data-model.md"), "sparql")
        if "prov:wasQuotedFrom" in text
    ]
    result = CliRunner().invoke(main, ["query", "--format", "json", query])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["results"]["bindings"]
    assert [(r["date"]["value"], slug(r["source"]["value"])) for r in rows] == [
        ("2019-05-14", "straits-times-2019-san-francisco-ban-vote"),
        ("2019-05-21", "san-francisco-ordinance-107-19-text"),
    ]
    assert "voted eight to one" in rows[0]["words"]["value"]
