"""HTML pages over real HTTP: what a reader sees, escaping of hostile text, links that resolve."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pyoxigraph as ox
import pytest
import rdflib

from frkg import store
from frkg.config import expand_paths
from frkg.formats import RDF_FORMATS
from frkg.namespaces import ontology_ns

from conftest import HUB_SIZE, LONG_TEXT_SIZE, ROOT
from http_helpers import fetch, parse_html, parse_rdf

HTML = {"Accept": "text/html"}


def page(server: str, path: str):
    reply = fetch(server + path, HTML)
    assert reply.status == 200, (path, reply.status)
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    return reply, parse_html(reply.text)


def site_scripts_only(html) -> bool:
    """True when every <script> is the page's JSON-LD block or the site's search.js."""
    scripts = [a for tag, a in html.elements if tag == "script"]
    data = [a for a in scripts if a.get("type") == "application/ld+json" and "src" not in a]
    own = [a for a in scripts if a.get("src", "").startswith("/static/search.js?")]
    return len(data) == 1 and len(own) == 1 and len(scripts) == 2


def test_entity_page_shows_label_types_description_iri_and_twins(fixture_server):
    reply, html = page(fixture_server, "page/example-rights-group")
    assert html.texts["h1"] == ["Example Rights Group"]
    text = html.text()
    assert "advocacy organization" in text  # the type, by its ontology label
    assert "A fictional advocacy organization used in tests." in text
    assert f"{fixture_server}id/example-rights-group" in text  # the IRI on this server
    assert "https://w3id.org/frkg/id/example-rights-group" in text  # the citable one
    alternates = {a["type"]: a["href"] for a in html.attrs("link") if a.get("rel") == "alternate"}
    for fmt in RDF_FORMATS:
        assert alternates[fmt.media_type] == f"/data/example-rights-group.{fmt.suffix}"
    downloads = {a["href"] for a in html.attrs("a") if "download" in a}
    assert downloads == {f"/data/example-rights-group.{f.suffix}" for f in RDF_FORMATS}


def test_values_link_to_their_pages_and_incoming_links_are_grouped(fixture_server):
    _, html = page(fixture_server, "page/example-rights-group")
    hrefs = {a.get("href") for a in html.attrs("a")}
    assert "/page/ada-example-membership" in hrefs  # incoming org:organization
    assert "/page/quote-ada-ban" in hrefs  # represented in (inverse of speaks for)
    assert "/page/example-article" in hrefs  # its source
    assert "https://example.org/rights" in hrefs  # homepage, an outside address
    assert "What links here" in html.text()


def test_statement_page_shows_quote_speaker_organization_date_stance_source(fixture_server):
    _, html = page(fixture_server, "page/quote-ada-ban")
    assert html.texts["blockquote"] == ["We need a ban, not promises."]
    (quote,) = html.attrs("blockquote")
    assert quote["cite"] == "https://example.org/news/ban"
    figcaption = "".join(html.texts["figcaption"])
    for expected in ("Ada Example", "Example Rights Group", "6 May 2019", "supports a ban"):
        assert expected in figcaption
    hrefs = {a.get("href") for a in html.attrs("a")}
    assert {"/page/ada-example", "/page/example-rights-group", "/page/example-article"} <= hrefs
    assert "/ontology.html#stance-supports-ban" in hrefs
    assert "https://example.org/news/ban" in hrefs  # the original source
    times = [a["datetime"] for a in html.attrs("time")]
    assert "2019-05-06" in times


def test_paraphrase_page_says_the_words_are_the_sources(fixture_server):
    _, html = page(fixture_server, "page/paraphrase-ada-oversight")
    assert not html.attrs("blockquote")
    assert "The source's words, not the speaker's." in html.text()


def test_hostile_text_is_shown_as_text_never_as_markup(fixture_server):
    reply, html = page(fixture_server, "page/hostile-script")
    assert html.texts["h1"] == ["<script>alert('label')</script> & \"Quotes\" 'Co'"]
    # no element came out of the data: the only scripts are the JSON-LD data block and the
    # site's own search suggestions, loaded from /static/
    assert site_scripts_only(html)
    assert not html.attrs("img") and not html.attrs("b")
    assert not [a for _, a in html.elements if any(k.startswith("on") for k in a)]
    assert not [a for a in html.attrs("a") if a.get("href", "").startswith("javascript:")]
    text = html.text()
    assert "<img src=x onerror=alert('caution')>" in text
    assert "Ends the block: </script><script>alert('comment')</script>" in text
    assert "&lt;script&gt;" in reply.text  # escaped in the source, not merely hidden
    _, quote = page(fixture_server, "page/hostile-quote")
    assert quote.texts["blockquote"] == [
        "</blockquote><script>alert('quote')</script>“Curly” & ‘single’"
    ]
    assert site_scripts_only(quote)


def test_right_to_left_text_keeps_its_language_and_direction(fixture_server):
    _, html = page(fixture_server, "page/hostile-script")
    arabic = [a for _, a in html.elements if a.get("lang") == "ar"]
    assert arabic and all(a.get("dir") == "auto" for a in arabic)
    assert "منظمة <b>الحقوق</b> الرقمية" in html.text()
    hebrew = 'עמותה &amp; "זכויות"'
    assert hebrew in html.text()


def test_content_security_policy_forbids_inline_script_and_style(fixture_server):
    reply, html = page(fixture_server, "page/hostile-script")
    policy = dict(
        part.strip().split(" ", 1) for part in reply.headers["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["default-src"] == "'none'"
    assert "unsafe-inline" not in reply.headers["Content-Security-Policy"]
    assert not [a for _, a in html.elements if "style" in a]  # no inline style to allow
    assert reply.headers["X-Content-Type-Options"] == "nosniff"


def test_very_long_text_is_served_whole(fixture_server):
    reply, html = page(fixture_server, "page/long-text")
    assert "x" * 5000 in html.texts["h1"][0]
    description = "".join(html.texts["p"])
    assert description.count("A very long sentence") >= LONG_TEXT_SIZE // 31


def test_hub_page_shows_counts_and_a_show_all_link_that_pages_through_everything(fixture_server):
    _, html = page(fixture_server, "page/hub-source")
    items = {a["href"] for a in html.attrs("a") if a.get("href", "").startswith("/page/hub-item-")}
    assert len(items) == 25
    assert f"({HUB_SIZE + 1})" in html.text()
    (more,) = [
        a["href"] for a in html.attrs("a") if a.get("href", "").startswith("/page/hub-source/links")
    ]
    seen: list[str] = []
    url = urljoin(fixture_server, more)
    while url:
        reply = fetch(url, HTML)
        assert reply.status == 200
        listing = parse_html(reply.text)
        seen += [
            a["href"]
            for a in listing.attrs("a")
            if a.get("href", "").startswith("/page/")
            and "links" not in a["href"]
            and a["href"] != "/page/hub-source"
        ]
        nexts = [a["href"] for a in listing.attrs("a") if a.get("rel") == "next"]
        url = urljoin(fixture_server, nexts[0]) if nexts else ""
    assert len(seen) == len(set(seen)) == HUB_SIZE + 1


def test_every_entity_is_reachable_from_the_home_page_and_each_link_resolves(live_server):
    """From the home page, through the list of every entity (all its pages), to every entity of
    the repository's data, and every link on their pages resolves."""
    _, home = page(live_server, "")
    (everything,) = {a["href"] for a in home.attrs("a") if a.get("href") == "/browse/rdfs:Resource"}
    links: set[str] = set()
    url = urljoin(live_server, everything)
    while url:
        reply = fetch(url, HTML)
        assert reply.status == 200, url
        listing = parse_html(reply.text)
        links |= {a["href"] for a in listing.attrs("a") if a.get("href", "").startswith("/page/")}
        nexts = [a["href"] for a in listing.attrs("a") if a.get("rel") == "next"]
        url = urljoin(live_server, nexts[0]) if nexts else ""
    kg = store.load_files({"data": expand_paths([str(ROOT / "data")])}, live_server)
    entities = {
        n.value
        for q in kg.store.quads_for_pattern(None, None, None, None)
        for n in (q.subject, q.object)
        if isinstance(n, ox.NamedNode) and n.value.startswith(live_server + "id/")
    }
    assert {live_server + "id/" + h.removeprefix("/page/") for h in links} == entities
    targets: set[str] = set()
    for href in sorted(links):
        _, entity = page(live_server, href.lstrip("/"))
        hrefs = {a["href"] for a in entity.attrs("a")}
        assert "/" in hrefs  # and back to the home page
        targets |= {
            urlsplit(h).path + (f"?{urlsplit(h).query}" if urlsplit(h).query else "")
            for h in hrefs
            if h.startswith("/") and "/links" not in h
        }
    for path in sorted(targets - links):
        assert fetch(live_server + path.lstrip("/"), HTML).status == 200, path


def test_ontology_page_has_an_anchor_for_every_term_iri(fixture_server, fixture_kg):
    _, html = page(fixture_server, "ontology.html")
    ns = ontology_ns(fixture_kg.base)
    terms = {
        n.value[len(ns) :]
        for q in fixture_kg.store.quads_for_pattern(None, None, None, None)
        for n in (q.subject, q.predicate, q.object)
        if isinstance(n, ox.NamedNode) and n.value.startswith(ns) and n.value != ns
    }
    assert {"Quote", "speaker", "stance-supports-ban", "StanceScheme"} <= terms
    assert terms <= html.ids()
    assert "Used but not defined" not in html.text()


def test_term_iris_dereference_to_the_ontology(fixture_server):
    term = fixture_server + "ontology#speaker"
    reply = fetch(term, {"Accept": "text/html"})  # the client drops the fragment
    assert reply.status == 200 and reply.headers["Content-Location"] == "/ontology.html"
    assert "speaker" in parse_html(reply.text).ids()
    turtle = fetch(term, {"Accept": "text/turtle"})
    assert turtle.headers["Content-Location"] == "/ontology.ttl"
    graph = parse_rdf(turtle.body, "text/turtle")
    assert (rdflib.URIRef(term), rdflib.RDFS.label, rdflib.Literal("speaker", lang="en")) in graph
    assert {"accept"} <= turtle.vary()
    assert fetch(fixture_server + "ontology", {"Accept": "image/png"}).status == 406
    assert fetch(fixture_server + "ontology").media_type == "text/turtle"


def test_ontology_version_iri_resolves(fixture_server):
    reply = fetch(fixture_server + "ontology/0.1.0")
    assert (reply.status, reply.headers["Location"]) == (303, "/ontology")
    assert fetch(fixture_server + "ontology/9.9.9").status == 404


@pytest.mark.parametrize("path", ["page/no-such-thing", "page/hub-source/links?property=x"])
def test_missing_pages_are_404_pages(fixture_server, path):
    reply = fetch(fixture_server + path, HTML)
    assert reply.status == 404 and reply.media_type == "text/html"
    assert re.search(r"<h1>404 Not Found</h1>", reply.text)


def test_ontology_terms_say_how_the_data_uses_them(discovery_server):
    reply, html = page(discovery_server, "ontology.html")
    hrefs = {a.get("href") for a in html.attrs("a")}
    assert "/browse/frkg:Policy" in hrefs and "/browse/frkg:Quote" in hrefs

    def term(fragment: str) -> str:
        (found,) = re.findall(
            rf'<section class="term" id="{fragment}".*?</section>', reply.text, re.S
        )
        return " ".join(re.sub(r"<[^>]+>", " ", found).split())

    assert "5 entities in the data" in term("Policy")  # with its subclasses' entities
    assert "used in 5 triples of the data" in term("speaker")  # one per statement
