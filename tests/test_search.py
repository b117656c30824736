"""Label search over real HTTP: case and accents ignored, best matches first, a JSON twin."""

from __future__ import annotations

import json
import unicodedata
from urllib.parse import quote

import pytest

from frkg.publish.search import SearchIndex

from conftest import REPORT_COUNT, report_label
from http_helpers import fetch, parse_html

HTML = {"Accept": "text/html"}


def search_json(server: str, q: str, **params) -> dict:
    extra = "".join(f"&{k}={v}" for k, v in params.items())
    reply = fetch(f"{server}search?q={quote(q)}&format=json{extra}")
    assert reply.status == 200 and reply.media_type == "application/json"
    return json.loads(reply.body)


@pytest.mark.parametrize("q", ["greer", "evan g", "GREER", "Evan Greer", "  evan   GREER ", "gre"])
def test_evan_greer_is_found_first_from_any_part_of_his_name(discovery_server, q):
    body = search_json(discovery_server, q)
    first = body["results"][0]
    assert first["iri"] == discovery_server + "id/evan-greer"
    assert first["label"] == "Evan Greer"
    assert first["url"] == discovery_server + "page/evan-greer"
    assert [t["curie"] for t in first["types"]] == ["schema:Person"]


@pytest.mark.parametrize(
    "q, slug",
    [
        ("jose nunez", "jose-nunez"),
        ("NÚÑEZ", "jose-nunez"),
        ("zoe angstrom", "zoe-angstrom"),
        ("angstrom li", "zoe-angstrom"),
        ("zal", "zoe-angstrom"),  # an alternative label
        ("mcdonald", "mary-mcdonald"),
        ("Mary McDonald", "mary-mcdonald"),
    ],
)
def test_accents_case_and_alternative_labels_do_not_matter(discovery_server, q, slug):
    body = search_json(discovery_server, q)
    assert body["results"][0]["iri"] == discovery_server + "id/" + slug


def test_exact_then_prefix_then_word_matches(discovery_server):
    body = search_json(discovery_server, "evan greer", limit=100)
    matches = [(r["label"], r["match"]) for r in body["results"]]
    assert matches[0] == ("Evan Greer", "exact")
    kinds = [m for _, m in matches]
    assert kinds == sorted(kinds, key=["exact", "prefix", "words"].index)
    assert ("Evan Greer: ban it", "prefix") in matches  # starts with the query
    # a label that only contains the words, not at its start, ranks after every prefix match
    words = search_json(discovery_server, "ban", limit=100)["results"]
    labels = [r["label"] for r in words]
    assert labels[0] == "ban"  # the policy kind's exact label, from the ontology
    assert labels.index("Metro City ban") > labels.index("ban")


def plain(text: str) -> str:
    """Lower case without accents, for expectations (the standard library's decomposition)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@pytest.mark.parametrize("q", ["1", "arende", "ÉTUDE", "report 00", "etude 1"])
def test_search_finds_exactly_the_entities_whose_label_words_start_so(discovery_server, q):
    words = plain(q).split()
    expected = {
        f"{discovery_server}id/report-{i:03d}"
        for i in range(REPORT_COUNT)
        if all(any(w.startswith(t) for w in plain(report_label(i)).split()) for t in words)
    }
    found = {r["iri"] for r in search_json(discovery_server, q, limit=100)["results"]}
    reports = {iri for iri in found if "/id/report-" in iri}
    assert reports == expected and expected


def test_search_covers_ontology_terms(discovery_server):
    concept = search_json(discovery_server, "supports a ban")["results"][0]
    assert concept["url"] == discovery_server + "ontology.html#stance-supports-ban"


def test_json_limit_and_total(discovery_server):
    body = search_json(discovery_server, "report", limit=5)
    assert body["total"] > 5 and len(body["results"]) == 5
    assert body["query"] == "report"
    assert search_json(discovery_server, "")["results"] == []
    assert search_json(discovery_server, "zzzz-nothing")["total"] == 0


@pytest.mark.parametrize(
    "path",
    [
        "search?q=a&format=json&limit=0",
        "search?q=a&format=json&limit=1000",
        "search?q=a&format=json&limit=ten",
        "search?q=a&page=0",
        "search?q=" + "x" * 201,
        "search?q=a&format=pdf",
    ],
)
def test_bad_search_requests_are_400_with_a_reason(discovery_server, path):
    reply = fetch(discovery_server + path, HTML)
    assert reply.status == 400
    assert "400" in reply.text


def test_page_past_the_last_is_404_and_says_how_many_there_are(discovery_server):
    pages = -(-search_json(discovery_server, "report")["total"] // 50)  # 50 a page
    assert pages > 1
    assert fetch(discovery_server + f"search?q=report&page={pages}", HTML).status == 200
    for page in (pages + 1, 9):
        reply = fetch(discovery_server + f"search?q=report&page={page}", HTML)
        assert reply.status == 404 and f"there are {pages} pages of results" in reply.text


def test_html_results_page_links_each_hit_and_fills_the_search_box(discovery_server):
    reply = fetch(discovery_server + "search?q=GREER", HTML)
    assert reply.status == 200 and reply.media_type == "text/html"
    html = parse_html(reply.text)
    hrefs = [a["href"] for a in html.attrs("a") if a.get("href", "").startswith("/page/")]
    assert hrefs[0] == "/page/evan-greer"
    boxes = [a for a in html.attrs("input") if a.get("name") == "q"]
    assert boxes and all(a["value"] == "GREER" for a in boxes)
    twins = {a["type"]: a["href"] for a in html.attrs("link") if a.get("rel") == "alternate"}
    assert twins["application/json"] == "/search?q=GREER&format=json"


def test_search_negotiates_json_for_scripts_and_html_for_browsers(discovery_server):
    assert fetch(discovery_server + "search?q=greer").media_type == "application/json"
    assert fetch(discovery_server + "search?q=greer", HTML).media_type == "text/html"
    reply = fetch(discovery_server + "search?q=greer", {"Accept": "application/json"})
    assert reply.media_type == "application/json" and "accept" in reply.vary()


def test_every_page_has_a_search_box(discovery_server):
    for path in ["", "page/evan-greer", "browse", "ontology.html", "void.html", "shapes.html"]:
        html = parse_html(fetch(discovery_server + path, HTML).text)
        forms = [a for a in html.attrs("form") if a.get("role") == "search"]
        assert forms and forms[0]["action"] == "/search", path


def test_search_answers_from_its_index_without_reading_the_store(app, monkeypatch):
    """The index is built once per load: a search reads no triple."""
    kg = app.extensions["frkg"]

    class NoStore:
        def __getattr__(self, name):
            raise AssertionError(f"the store was read ({name}) to answer a search")

    monkeypatch.setattr(kg, "store", NoStore())
    reply = app.test_client().get("/search?q=greer&format=json")
    assert reply.status_code == 200
    assert reply.get_json()["results"][0]["label"] == "Evan Greer"


def test_the_index_finds_by_binary_search_over_folded_labels():
    import pyoxigraph as ox

    nodes = {n: ox.NamedNode(f"http://example.org/{n}") for n in ("a", "b", "c")}
    index = SearchIndex(
        [(nodes["a"], ["Ærøskøbing Ferry"]), (nodes["b"], ["ferry"]), (nodes["c"], ["Ferryman"])]
    )
    assert [h.node for h in index.search("FERRY")] == [nodes["b"], nodes["c"], nodes["a"]]
    assert [h.match for h in index.search("ferry")] == ["exact", "prefix", "words"]
    assert [h.node for h in index.search("aeroskobing")] == [nodes["a"]]
    assert index.search("erry") == []  # words match from their beginning


def test_a_hostile_query_is_shown_as_text(discovery_server):
    reply = fetch(discovery_server + "search?q=" + quote("<img src=x onerror=alert(1)>"), HTML)
    assert reply.status == 200
    assert "<img src=x" not in reply.text and "&lt;img src=x onerror=alert(1)&gt;" in reply.text
    assert not parse_html(reply.text).attrs("img")


def test_a_page_of_hits_is_that_slice_of_all_hits_in_order():
    import pyoxigraph as ox

    # Labels whose order by length, text and IRI differs from the order they are given in.
    labelled = [
        (ox.NamedNode(f"http://example.org/{i:03d}"), [f"Ferry {'x' * (i % 7)} {(i * 31) % 50}"])
        for i in range(120)
    ]
    labelled.append((ox.NamedNode("http://example.org/exact"), ["ferry", "Ferry boat"]))
    index = SearchIndex(labelled)
    everything = index.search("ferry")
    assert len(everything) == 121 and everything[0].match == "exact"
    for start, stop in ((0, 10), (10, 60), (100, 150), (0, None)):
        hits, total = index.find("ferry", start, stop)
        assert total == 121
        assert hits == everything[start:stop]
    assert index.find("ferry 3", 0, 5)[0] == index.search("ferry 3")[:5]
    assert index.find("nothing", 0, 10) == ([], 0)
