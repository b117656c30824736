"""Browsing over real HTTP: class lists sorted and paged exactly, facets that count exactly,
shareable filter URLs, JSON and RDF twins, and a page per source.

Expectations come from the fixture's generating rules (conftest: report_label, report_year,
report_publisher) and from SPARQL over the loaded data, never from the implementation.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from urllib.parse import quote, urljoin

import pytest
import rdflib
from rdflib import Namespace, URIRef

from conftest import REPORT_COUNT, report_label, report_publisher, report_year
from http_helpers import fetch, parse_html, parse_rdf

HTML = {"Accept": "text/html"}
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
PAGE = 50


def plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def get_json(url: str) -> dict:
    reply = fetch(url, {"Accept": "application/json"})
    assert reply.status == 200, (url, reply.status, reply.text[:300])
    assert reply.media_type == "application/json"
    return json.loads(reply.body)


def expected_reports(server: str, keep=lambda i: True) -> list[str]:
    """Report IRIs in list order: by label without case or accents, then label, then IRI."""
    chosen = [i for i in range(REPORT_COUNT) if keep(i)]
    chosen.sort(key=lambda i: (plain(report_label(i)), report_label(i), f"{i:03d}"))
    return [f"{server}id/report-{i:03d}" for i in chosen]


def walk(server: str, path: str) -> tuple[list[str], list[dict]]:
    """Every item IRI of a list, following its "next" links; and every page body."""
    items, pages = [], []
    url = server + path
    while url:
        body = get_json(url)
        pages.append(body)
        items += [i["iri"] for i in body["items"]]
        url = body.get("next", "")
    return items, pages


def facet(body: dict, name: str) -> dict[str, int]:
    (found,) = [f for f in body["facets"] if f["name"] == name]
    return {v["value"]: v["count"] for v in found["values"]}


# -- paging ------------------------------------------------------------------------------------


def test_a_class_lists_every_instance_once_sorted_by_label_in_pages_of_fifty(discovery_server):
    items, pages = walk(discovery_server, "browse/frkg:Report")
    assert items == expected_reports(discovery_server)
    assert [len(p["items"]) for p in pages] == [50, 50, 30]
    assert [p["page"] for p in pages] == [1, 2, 3]
    assert {p["pages"] for p in pages} == {3} and {p["total"] for p in pages} == {130}
    assert pages[1]["previous"] == pages[0]["url"] and pages[0]["first"] == pages[0]["url"]
    assert "next" not in pages[2] and pages[2]["last"] == pages[2]["url"]


def test_html_pages_follow_the_same_order(discovery_server):
    seen: list[str] = []
    url = discovery_server + "browse/frkg:Report"
    while url:
        html = parse_html(fetch(url, HTML).text)
        seen += [
            discovery_server + "id/" + a["href"].removeprefix("/page/")
            for a in html.attrs("a")
            if a.get("href", "").startswith("/page/report-")
        ]
        nexts = [a["href"] for a in html.attrs("a") if a.get("rel") == "next"]
        url = urljoin(discovery_server, nexts[0]) if nexts else ""
    assert seen == expected_reports(discovery_server)


@pytest.mark.parametrize("page, status", [("0", 400), ("-1", 400), ("two", 400), ("4", 404)])
def test_pages_outside_the_list_are_refused(discovery_server, page, status):
    reply = fetch(discovery_server + f"browse/frkg:Report?page={page}", {"Accept": "*/*"})
    assert reply.status == status
    if status == 404:  # past the last page: the list says how long it is
        assert f"this list has {-(-REPORT_COUNT // PAGE)} pages" in reply.text


# -- facets ------------------------------------------------------------------------------------


def test_report_facets_count_exactly_and_filters_combine(discovery_server):
    base = discovery_server + "browse/frkg:Report"
    body = get_json(base)
    assert facet(body, "publisher") == Counter(report_publisher(i) for i in range(REPORT_COUNT))
    assert facet(body, "year") == Counter(str(report_year(i)) for i in range(REPORT_COUNT))

    items, pages = walk(discovery_server, "browse/frkg:Report?publisher=rights-now&year=2018")
    assert items == expected_reports(
        discovery_server, lambda i: report_publisher(i) == "rights-now" and report_year(i) == 2018
    )
    # each facet counts what its values would give with the other facets' filters kept
    assert facet(pages[0], "year") == Counter(
        str(report_year(i)) for i in range(REPORT_COUNT) if report_publisher(i) == "rights-now"
    )
    assert facet(pages[0], "publisher") == Counter(
        report_publisher(i) for i in range(REPORT_COUNT) if report_year(i) == 2018
    )
    # values of one facet combine with OR
    either, _ = walk(discovery_server, "browse/frkg:Report?year=2018&year=2021")
    assert either == expected_reports(discovery_server, lambda i: report_year(i) in (2018, 2021))


def test_statement_facets_by_stance_speaker_and_source_match_sparql(discovery_server, discovery_kg):
    body = get_json(discovery_server + "browse/frkg:Statement")
    ns = discovery_server

    def counts(prop: str) -> dict[str, int]:
        rows = discovery_kg.store.query(
            "SELECT ?v (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c ; <" + prop + "> ?v . "
            "?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>* <" + ns + "ontology#Statement> "
            "} GROUP BY ?v",
            use_default_graph_as_union=True,
        )
        out = {}
        for row in rows:
            v = row["v"].value
            key = (
                v.removeprefix(ns + "id/")
                if v.startswith(ns + "id/")
                else "frkg:" + v.split("#")[1]
            )
            out[key] = int(row["n"].value)
        return out

    assert facet(body, "stance") == counts(ns + "ontology#stance")
    assert facet(body, "speaker") == counts(ns + "ontology#speaker")
    assert facet(body, "source") == counts("http://purl.org/dc/terms/source")
    assert facet(body, "type") == {"frkg:Quote": 3, "frkg:Paraphrase": 2}
    greer = get_json(discovery_server + "browse/frkg:Statement?speaker=evan-greer")
    assert {i["iri"] for i in greer["items"]} == {
        ns + "id/quote-greer-ban",
        ns + "id/quote-greer-rules",
    }


@pytest.mark.parametrize("place", ["example-country", "example-state", "metro-city", "other-town"])
def test_policies_by_jurisdiction_include_those_of_the_places_inside_it(
    discovery_server, discovery_kg, place
):
    ns = discovery_server
    rows = discovery_kg.store.query(
        "SELECT DISTINCT ?p WHERE { ?p <" + ns + "ontology#jurisdiction>/"
        "<https://schema.org/containedInPlace>* <" + ns + "id/" + place + "> }",
        use_default_graph_as_union=True,
    )
    expected = {row["p"].value for row in rows}
    body = get_json(ns + f"browse/frkg:Policy?jurisdiction={place}")
    assert {i["iri"] for i in body["items"]} == expected and expected
    assert facet(get_json(ns + "browse/frkg:Policy"), "jurisdiction")[place] == len(expected)


def test_policies_by_kind_type_and_year(discovery_server, discovery_kg):
    ns = discovery_server
    body = get_json(ns + "browse/frkg:Policy")
    assert body["total"] == 5
    assert facet(body, "policyKind")["frkg:kind-regulation"] == 2
    assert facet(body, "type") == {
        "frkg:Legislation": 3,
        "frkg:PolicyProposal": 1,
        "frkg:CorporatePolicy": 1,
    }
    rows = discovery_kg.store.query(
        "SELECT ?p ?d WHERE { ?p <" + ns + "ontology#statusDate> ?d }",
        use_default_graph_as_union=True,
    )
    years = Counter(row["d"].value[:4] for row in rows)
    assert facet(body, "year") == years
    in_2020 = get_json(ns + "browse/frkg:Policy?year=2020")
    assert in_2020["total"] == years["2020"] == 3


def test_an_unknown_facet_is_a_bad_request_and_an_unknown_value_matches_nothing(
    discovery_server,
):
    reply = fetch(
        discovery_server + "browse/frkg:Report?colour=red", {"Accept": "application/json"}
    )
    assert reply.status == 400
    message = json.loads(reply.body)["error"]["message"]
    assert "colour" in message and "publisher" in message
    empty = get_json(discovery_server + "browse/frkg:Report?publisher=nobody")
    assert empty["total"] == 0 and empty["items"] == []
    assert {"value": "nobody", "label": "nobody", "count": 0, "selected": True} in [
        v for f in empty["facets"] if f["name"] == "publisher" for v in f["values"]
    ]


def test_facet_links_in_the_page_toggle_one_value_and_keep_the_others(discovery_server):
    url = discovery_server + "browse/frkg:Report?publisher=rights-now"
    html = parse_html(fetch(url, HTML).text)
    hrefs = {a["href"] for a in html.attrs("a")}
    assert "/browse/frkg:Report?publisher=rights-now&year=2018" in hrefs  # add a filter
    assert "/browse/frkg:Report" in hrefs  # remove the selected one (and "clear every filter")
    selected = [a for a in html.attrs("a") if a.get("aria-current") == "true"]
    assert [a["href"] for a in selected] == ["/browse/frkg:Report"]


# -- twins, names, errors ----------------------------------------------------------------------


def test_rdf_twin_is_a_hydra_collection_of_the_same_page(discovery_server):
    path = "browse/frkg:Report?page=2"
    body = get_json(discovery_server + path)
    reply = fetch(discovery_server + path, {"Accept": "text/turtle"})
    assert reply.status == 200 and reply.media_type == "text/turtle"
    graph = parse_rdf(reply.body, "text/turtle")
    collection = URIRef(discovery_server + "browse/frkg:Report")
    view = URIRef(discovery_server + "browse/frkg:Report?page=2")
    assert (collection, HYDRA.totalItems, rdflib.Literal(130)) in graph
    assert (collection, HYDRA.view, view) in graph
    assert {str(m) for m in graph.objects(collection, HYDRA.member)} == {
        i["iri"] for i in body["items"]
    }
    assert (view, HYDRA.next, URIRef(body["next"])) in graph
    assert (view, HYDRA.previous, URIRef(body["previous"])) in graph
    (manages,) = graph.objects(collection, HYDRA.manages)
    assert (manages, HYDRA.object, URIRef(discovery_server + "ontology#Report")) in graph
    for member in graph.objects(collection, HYDRA.member):
        assert (member, rdflib.RDFS.label, None) in graph


@pytest.mark.parametrize(
    "accept, media_type",
    [
        ("text/html", "text/html"),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
    ],
)
def test_lists_negotiate_and_name_their_twins(discovery_server, accept, media_type):
    reply = fetch(discovery_server + "browse/frkg:Report?year=2019", {"Accept": accept})
    assert reply.status == 200 and reply.media_type == media_type
    assert "accept" in reply.vary()
    twins = {
        part.split(";")[0].strip(" <>"): part.split('type="')[1].rstrip('"')
        for part in reply.headers["Link"].split(", ")
    }
    # every other representation is named, with its own shareable URL
    expected = {
        "text/html": "html",
        "application/json": "json",
        "text/turtle": "turtle",
        "application/ld+json": "json-ld",
    }
    for other, keyword in expected.items():
        if other != media_type:
            assert twins[f"/browse/frkg:Report?year=2019&format={keyword}"] == other
    assert media_type not in twins.values()


def test_a_class_named_by_its_iri_redirects_to_its_prefixed_name(discovery_server):
    iri = discovery_server.replace(":", "%3A").replace("/", "%2F") + "ontology%23Report"
    reply = fetch(discovery_server + f"browse?class={iri}&year=2019")
    assert reply.status == 301
    assert reply.headers["Location"] == "/browse/frkg:Report?year=2019"


@pytest.mark.parametrize(
    "path, status",
    [
        ("browse/nope:Thing", 404),
        ("browse/frkg:SupranationalUnion", 404),  # a class without entities
        ("browse/Report", 404),
        ("browse?class=not%20an%20iri", 400),
        ("browse/frkg:Report?format=pdf", 400),
    ],
)
def test_unknown_classes_and_formats(discovery_server, path, status):
    assert fetch(discovery_server + path, HTML).status == status


def test_the_class_index_counts_instances_with_their_subclasses(discovery_server, discovery_kg):
    body = get_json(discovery_server + "browse")
    flat: dict[str, int] = {}

    def walk_tree(entries):
        for e in entries:
            flat[e["iri"]] = e["entities"]
            walk_tree(e.get("subclasses", []))

    walk_tree(body["classes"])
    for cls, count in flat.items():
        rows = discovery_kg.store.query(
            "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c . "
            "?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>* <" + cls + "> "
            'FILTER(STRSTARTS(STR(?s), "' + discovery_server + 'id/")) }',
            use_default_graph_as_union=True,
        )
        assert int(next(iter(rows))["n"].value) == count, cls
    assert flat[discovery_server + "ontology#Policy"] == 5
    assert body["entities"] == get_json(body["all"])["total"]


def test_every_entity_list_includes_the_untyped(fixture_server):
    body = get_json(fixture_server + "browse/rdfs:Resource?page=1")
    everything, _ = walk(fixture_server, "browse/rdfs:Resource")
    assert fixture_server + "id/hostile-xml" in everything  # an entity with no type
    assert len(everything) == len(set(everything)) == body["total"]


# -- sources -----------------------------------------------------------------------------------


def test_a_source_page_lists_everything_that_cites_it_grouped_by_kind(
    discovery_server, discovery_kg
):
    ns = discovery_server
    rows = discovery_kg.store.query(
        "SELECT DISTINCT ?x WHERE { GRAPH ?g { ?x <http://purl.org/dc/terms/source> <"
        + ns
        + "id/article-a> } }"
    )
    expected = {row["x"].value for row in rows}
    body = get_json(ns + "source/article-a")
    listed = [i["iri"] for g in body["groups"] for i in g["items"]]
    assert sorted(listed) == sorted(expected) and body["total"] == len(expected)
    kinds = {g["kind"]["curie"]: {i["iri"] for i in g["items"]} for g in body["groups"]}
    # what was said comes first
    assert [g["kind"]["curie"] for g in body["groups"]][:2] == ["frkg:Paraphrase", "frkg:Quote"]
    assert kinds["frkg:Quote"] == {ns + "id/quote-greer-ban"}
    assert kinds["frkg:Paraphrase"] == {ns + "id/paraphrase-nunez-pause"}
    assert ns + "id/city-ban" in kinds["frkg:Legislation"]
    quote = next(i for g in body["groups"] for i in g["items"] if i["iri"].endswith("greer-ban"))
    assert quote["text"] == "Ban it."
    assert [s["label"] for s in quote["speakers"]] == ["Evan Greer"]
    assert [s["label"] for s in quote["stances"]] == ["supports a ban"]


def test_source_page_in_html_and_rdf_and_the_link_from_the_source(discovery_server):
    ns = discovery_server
    html = parse_html(fetch(ns + "source/article-a", HTML).text)
    assert html.texts["h1"] == ["Metro City weighs a ban"]
    assert "/page/quote-greer-ban" in {a.get("href") for a in html.attrs("a")}
    graph = parse_rdf(fetch(ns + "source/article-a?format=ttl").body, "text/turtle")
    dct_source = URIRef("http://purl.org/dc/terms/source")
    assert (URIRef(ns + "id/quote-greer-ban"), dct_source, URIRef(ns + "id/article-a")) in graph
    page = parse_html(fetch(ns + "page/article-a", HTML).text)
    assert "/source/article-a" in {a.get("href") for a in page.attrs("a")}
    uncited = parse_html(fetch(ns + "page/evan-greer", HTML).text)
    assert "/source/evan-greer" not in {a.get("href") for a in uncited.attrs("a")}


@pytest.mark.parametrize("slug", ["evan-greer", "no-such-thing", "%20"])
def test_a_source_page_needs_something_that_cites_it(discovery_server, slug):
    reply = fetch(discovery_server + f"source/{slug}", HTML)
    assert reply.status == 404 and "nothing in the data cites" in reply.text


def test_hostile_filter_values_are_shown_as_text(discovery_server):
    value = "<script>alert('x')</script>"
    url = discovery_server + "browse/frkg:Report?publisher=" + quote(value)
    reply = fetch(url, HTML)
    assert reply.status == 200
    assert "<script>alert" not in reply.text and "&lt;script&gt;alert" in reply.text
    html = parse_html(reply.text)
    assert [a for tag, a in html.elements if tag == "script" and "src" not in a] == []
