"""The home page over real HTTP: counts as SPARQL counts them, a stance matrix (a table with one
row per actor and one column per stance stated) and an SVG timeline with one mark per dated thing,
every mark a link that resolves, and how to cite the dataset."""

from __future__ import annotations

import re
from html import unescape

import pyoxigraph as ox
import pytest
import rdflib

from frkg.publish.overview import parse_period

from http_helpers import fetch, parse_html, parse_rdf

HTML = {"Accept": "text/html"}
XSD = "http://www.w3.org/2001/XMLSchema#"

# An actor takes the stance of a statement it makes or is spoken for in, of a statement by or
# for a coalition it belongs to, and of a statement made in a letter it signed. "No position
# stated" is no stance: it is never a column.
ACTOR_STANCES = """
SELECT DISTINCT ?actor ?stance WHERE {
  ?st frkg:stance ?stance .
  { ?st frkg:speaker ?actor } UNION { ?st frkg:speaksFor ?actor }
  UNION { ?st frkg:speaker|frkg:speaksFor ?c . ?c a frkg:Coalition .
          { ?c org:hasMember ?actor } UNION { ?actor org:memberOf ?c } }
  UNION { ?st frkg:channel ?letter . ?letter frkg:signatory ?actor }
  FILTER(?stance != frkg:stance-no-position)
}"""
USERS = "SELECT DISTINCT ?actor WHERE { ?use frkg:user ?actor }"
DATED = """
SELECT DISTINCT ?x WHERE {
  { ?x a frkg:PolicyEvent ; dct:date ?d }
  UNION { ?x a frkg:Campaign ; schema:startDate ?d }
  UNION { ?x a frkg:OpenLetter . { ?x schema:datePublished ?d } UNION { ?x dct:date ?d } }
}"""


def select(kg, query: str) -> list:
    prefixes = {
        "frkg": kg.base + "ontology#",
        "org": "http://www.w3.org/ns/org#",
        "dct": "http://purl.org/dc/terms/",
        "schema": "https://schema.org/",
    }
    return list(kg.store.query(query, prefixes=prefixes, use_default_graph_as_union=True))


def label(kg, node) -> str:
    for prop in ("http://www.w3.org/2000/01/rdf-schema#label", SKOS_PREF):
        for q in kg.store.quads_for_pattern(node, ox.NamedNode(prop), None, None):
            if q.object.language == "en":
                return q.object.value
    raise AssertionError(f"no English label for {node}")


SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"


def svg(text: str, cls: str) -> str:
    """The timeline's SVG, or the stance matrix's table ("matrix")."""
    tag = "table" if cls == "matrix" else "svg"
    (found,) = re.findall(rf'<{tag} class="{cls}".*?</{tag}>', text, flags=re.S)
    return found


def links(fragment: str, cls: str) -> list[tuple[str, str, str]]:
    """(href, aria-label, title) of every <a> whose class list holds ``cls`` (the title from
    its ``title`` attribute in HTML, from its ``<title>`` in SVG)."""
    out = []
    for attrs, body in re.findall(r"<a ([^>]*)>(.*?)</a>", fragment, flags=re.S):
        classes = re.search(r'class="([^"]*)"', attrs)
        if classes and cls in classes.group(1).split():
            href = re.search(r'href="([^"]*)"', attrs).group(1)
            aria = unescape(re.search(r'aria-label="([^"]*)"', attrs).group(1))
            titled = re.search(r'title="([^"]*)"', attrs) or re.search(
                r"<title>(.*?)</title>", body, flags=re.S
            )
            out.append((unescape(href), aria, unescape(titled.group(1))))
    return out


@pytest.fixture(scope="module", params=["repository", "fixture"])
def home(request):
    """(server, its knowledge graph, the home page's HTML) for both datasets."""
    if request.param == "repository":
        server, kg = request.getfixturevalue("live_server"), request.getfixturevalue("repo_kg")
    else:
        server = request.getfixturevalue("discovery_server")
        kg = request.getfixturevalue("discovery_kg")
    reply = fetch(server, HTML)
    assert reply.status == 200 and reply.media_type == "text/html"
    return server, kg, reply.text


def test_the_matrix_has_one_mark_per_actor_each_linking_to_its_page(home):
    server, kg, text = home
    actors = {r["actor"].value for r in select(kg, ACTOR_STANCES) + select(kg, USERS)}
    rows = links(svg(text, "matrix"), "actor")
    assert len(rows) == len(actors) > 0
    assert {server + "id/" + href.removeprefix("/page/") for href, _, _ in rows} == actors
    for href, aria, title in rows:
        assert aria == title == label(kg, ox.NamedNode(server + "id/" + href[6:]))


def test_each_mark_in_the_matrix_is_a_stance_the_actor_takes(home):
    server, kg, text = home
    expected = {(label(kg, r["actor"]), label(kg, r["stance"])) for r in select(kg, ACTOR_STANCES)}
    marks = links(svg(text, "matrix"), "mark")
    stances = set()
    users = set()
    for _, aria, title in marks:
        assert aria == title
        if " uses the technology: " in aria:
            users.add(aria.split(" uses the technology: ")[0])
        else:
            actor, rest = aria.split(": ", 1)
            stances.add((actor, rest.split(". ", 1)[0]))
    assert stances == expected
    assert users == {label(kg, r["actor"]) for r in select(kg, USERS)}


def test_the_timeline_has_a_mark_for_every_dated_event_campaign_and_letter(home):
    server, kg, text = home
    expected = {r["x"].value for r in select(kg, DATED)}
    marks = links(svg(text, "timeline"), "mark")
    shown = {server + "id/" + href.removeprefix("/page/") for href, _, _ in marks}
    cut = re.search(r"Showing the (\d+) busiest of ([\d,]+) rows", text)
    if cut:  # more policies than the timeline draws (overview.MAX_LANES): the busiest only
        from frkg.publish import overview

        assert int(cut[1]) == overview.MAX_LANES < int(cut[2].replace(",", ""))
        assert shown and shown < expected
    else:
        assert shown == expected
    for _, aria, title in marks:
        assert aria == title and ": " in title


def test_every_link_in_the_pictures_resolves(home):
    server, _, text = home
    hrefs = {
        href
        for picture in ("matrix", "timeline")
        for cls in ("actor", "mark", "lane-label")
        for href, _, _ in links(svg(text, picture), cls)
    }
    hrefs |= set(re.findall(r'<a href="(/concept\?name=[^"]*)"', svg(text, "matrix")))
    assert hrefs
    for href in sorted(hrefs):
        reply = fetch(server + href.lstrip("/").split("#")[0], HTML)
        assert reply.status == 200, href
        if "#" in href:
            assert href.split("#")[1] in parse_html(reply.text).ids()


def test_the_pictures_are_accessible_with_table_twins(home):
    _, _, text = home
    found = svg(text, "timeline")
    assert 'role="group"' in found and "aria-labelledby=" in found
    assert re.search(r"<title id=\"[a-z-]+\">[^<]+</title>", found)
    assert re.search(r"<desc id=\"[a-z-]+\">[^<]+</desc>", found)
    matrix = svg(text, "matrix")
    assert "<caption" in matrix and '<th scope="col"' in matrix and '<th scope="row"' in matrix
    for picture in (found, matrix):
        assert "style=" not in picture  # the CSP allows no inline style
    html = parse_html(text)
    assert len(html.attrs("table")) == 2  # the matrix, and the timeline's table twin
    assert not [a for _, a in html.elements if "style" in a]


def test_each_stance_has_its_own_colour_and_a_legend(home):
    _, _, text = home
    matrix = svg(text, "matrix")
    colours = re.findall(r'<th scope="col" class="stance-col c(\d+)"', matrix)
    assert colours and len(colours) == len(set(colours))  # one colour per stance, none shared
    legend = re.search(r'<ul class="legend stance-legend".*?</ul>', text, flags=re.S).group(0)
    assert sorted(re.findall(r'legend-mark c(\d+)"', legend)) == sorted(colours)
    assert "no position" not in matrix


def test_actors_quoted_without_a_stance_are_listed_apart(live_server, repo_kg):
    rows = select(
        repo_kg,
        "SELECT DISTINCT ?a WHERE { ?s frkg:stance frkg:stance-no-position ;"
        " frkg:speaker|frkg:speaksFor ?a }",
    )
    stated = {r["actor"].value for r in select(repo_kg, ACTOR_STANCES)}
    users = {r["actor"].value for r in select(repo_kg, USERS)}
    apart = {r["a"].value for r in rows} - stated - users
    text = fetch(live_server, HTML).text
    if apart:
        listed = re.search(r'<p class="unstated">.*?</p>', text, flags=re.S).group(0)
        assert {
            live_server + "id/" + h for h in re.findall(r'href="/page/([^"]+)"', listed)
        } == apart


def test_the_timeline_draws_each_kind_of_step_as_its_own_mark_with_a_legend(home):
    _, _, text = home
    found = svg(text, "timeline")
    shapes = set(re.findall(r'class="mark \w+ shape-(\w+)"', found))
    legend = re.search(
        r'<ul class="legend" aria-label="Marks of the timeline">.*?</ul>', text, flags=re.S
    ).group(0)
    assert shapes == set(re.findall(r"legend-shape shape-(\w+)", legend))


def test_timeline_labels_are_whole(home):
    """No lane label is cut: every policy's full label is in its lane's text."""
    _, _, text = home
    found = svg(text, "timeline")
    for aria, lines in re.findall(
        r'<a class="lane-label"[^>]*aria-label="([^"]*)"><title>.*?</title><text[^>]*>(.*?)</text>',
        found,
        flags=re.S,
    ):
        words = " ".join(re.findall(r"<tspan[^>]*>(.*?)</tspan>", lines))
        assert " ".join(unescape(words).split()) == unescape(aria)


def test_an_outlier_date_breaks_the_axis_instead_of_squeezing_it(tmp_path):
    """A law of 2008 and a cluster of 2019-2021: the axis is broken, and the cluster keeps most
    of the width."""
    from datetime import date

    from frkg.publish import overview

    def p(d: date) -> overview.Period:
        return overview.Period(d, d, "day", str(d), str(d))

    periods = [p(date(2008, 10, 3))] + [p(date(2019 + i // 12, 1 + i % 12, 1)) for i in range(30)]
    stretches = overview._stretches(periods, 600)
    assert len(stretches) == 2
    (a0, a1, x0, x1), (b0, b1, y0, y1) = stretches
    assert a1 < date(2010, 1, 1) and b0 > date(2018, 1, 1)
    assert (y1 - y0) > 4 * (x1 - x0)


def test_home_counts_equal_sparql_counts(home):
    server, kg, text = home
    shown = dict(
        (caption, int(number.replace(",", "")))
        for number, caption in re.findall(
            r'<span class="stat-number">([\d,]+)</span> <span class="stat-caption">(\w+)</span>',
            text,
        )
    )

    def count(local: str) -> int:
        rows = select(
            kg,
            "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c . "
            f"?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>* frkg:{local} }}",
        )
        return int(rows[0]["n"].value)

    assert shown["statements"] == count("Statement")
    assert shown["quotes"] == count("Quote")
    assert shown["policies"] == count("Policy")
    assert shown["sources"] == count("Source")
    void = parse_rdf(fetch(server + "void.ttl").body, "text/turtle")
    dataset = rdflib.URIRef(server + "id/frkg")
    void_ns = rdflib.Namespace("http://rdfs.org/ns/void#")
    assert shown["triples"] == int(next(void.objects(dataset, void_ns.triples)))
    assert shown["entities"] == int(next(void.objects(dataset, void_ns.entities)))


def test_home_links_the_ways_in_and_tells_how_to_cite(discovery_server):
    text = fetch(discovery_server, HTML).text
    html = parse_html(text)
    hrefs = {a.get("href") for a in html.attrs("a")}
    assert {"/ontology.html", "/void.html", "/shapes.html", "/browse", "/search"} <= hrefs
    assert {"/dumps/frkg.ttl", "/dumps/frkg.nt.gz", "/dumps/frkg.jsonld"} <= hrefs
    sparql_served = fetch(discovery_server + "sparql", HTML).status == 200
    assert ("/sparql" in hrefs) == sparql_served  # linked exactly when this app serves it
    citation = " ".join(html.text().split())
    assert "Test publishers (2025). Discovery test dataset (version 9.8.7, 3 February 2025)" in (
        citation
    )
    assert "https://w3id.org/frkg/id/frkg" in citation  # the citable IRI, whatever the host
    licence = [a for a in html.attrs("a") if a.get("rel") == "license"]
    assert [a["href"] for a in licence] == ["https://creativecommons.org/licenses/by/4.0/"]
    assert "@misc{frkg," in text and "version = {9.8.7}" in text
    twins = {a["type"]: a["href"] for a in html.attrs("link") if a.get("rel") == "alternate"}
    assert twins["text/turtle"] == "/void.ttl"


def test_home_loads_nothing_from_elsewhere(discovery_server):
    html = parse_html(fetch(discovery_server, HTML).text)
    for tag, attr in (("script", "src"), ("link", "href"), ("img", "src")):
        for a in html.attrs(tag):
            if attr in a and a.get("rel") not in ("license",):
                assert a[attr].startswith("/"), a


@pytest.mark.parametrize(
    "lexical, datatype, start, end, precision",
    [
        ("2019-07-09", "date", "2019-07-09", "2019-07-09", "day"),
        ("2019-02", "gYearMonth", "2019-02-01", "2019-02-28", "month"),
        ("2020-02", "gYearMonth", "2020-02-01", "2020-02-29", "month"),
        ("2014", "gYear", "2014-01-01", "2014-12-31", "year"),
        ("2019-09-26T10:00:00Z", "dateTime", "2019-09-26", "2019-09-26", "day"),
    ],
)
def test_dates_become_the_period_they_cover_never_a_guessed_day(
    lexical, datatype, start, end, precision
):
    period = parse_period(ox.Literal(lexical, datatype=ox.NamedNode(XSD + datatype)))
    assert (str(period.start), str(period.end), period.precision) == (start, end, precision)


@pytest.mark.parametrize(
    "lexical, datatype", [("2019-02-31", "date"), ("2019-13", "gYearMonth"), ("soon", "gYear")]
)
def test_invalid_dates_are_left_off_the_timeline(lexical, datatype):
    assert parse_period(ox.Literal(lexical, datatype=ox.NamedNode(XSD + datatype))) is None


def test_a_crowded_debate_draws_its_most_quoted_actors_and_busiest_policies(tmp_path):
    """Thousands of rows say nothing: the matrix keeps the actors with the most statements and
    the timeline the policies with the most dated steps, and both say how many there are."""
    from frkg import store
    from frkg.publish import overview
    from frkg.publish.dataset import DatasetIndex
    from frkg.publish.describe import Describer

    from conftest import ROOT

    n = overview.MAX_ACTORS + 5
    lanes = overview.MAX_LANES + 3
    lines = [
        "@prefix id: <https://w3id.org/frkg/id/> .",
        "@prefix frkg: <https://w3id.org/frkg/ontology#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
    ]
    for i in range(n):  # actor i makes i + 1 statements
        lines.append(f'id:a{i} a frkg:Company ; rdfs:label "Actor {i:03d}"@en .')
        for k in range(i + 1):
            lines.append(
                f"id:s{i}-{k} a frkg:Quote ; frkg:speaker id:a{i} ; "
                "frkg:stance frkg:stance-supports-ban ."
            )
    for j in range(lanes):  # policy j has j + 1 dated steps
        lines.append(f'id:p{j} a frkg:Legislation ; rdfs:label "Policy {j:03d}"@en .')
        for k in range(j + 1):
            lines.append(
                f"id:e{j}-{k} a frkg:PolicyEvent ; frkg:policy id:p{j} ; "
                f'dct:date "2020-01-{k % 28 + 1:02d}"^^xsd:date .'
            )
    path = tmp_path / "crowded.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    kg = store.load_files(
        {"ontology": [ROOT / "ontology" / "frkg.ttl"], "data": [path]}, "https://w3id.org/frkg/"
    )
    describer = Describer(kg)
    index = DatasetIndex(kg, describer.inverse)
    matrix = overview.stance_matrix(index, describer)
    assert matrix.truncated and matrix.total_actors == n
    assert {r.actor.label for r in matrix.rows} == {f"Actor {i:03d}" for i in range(5, n)}
    timeline = overview.timeline(index, describer)
    assert timeline.truncated and timeline.total_lanes == lanes
    assert {lane.label for lane in timeline.lanes} == {f"Policy {j:03d}" for j in range(3, lanes)}
