"""The policy tracker and the people-and-organizations table, through real HTTP (``frkg serve``).

Expected rows come from the data (SPARQL over the same files), never from hard-coded counts.
"""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import quote

import pytest
import rdflib

from http_helpers import fetch

HTML = {"Accept": "text/html"}
ROW = re.compile(r'<th scope="row"><a href="([^"]+)"')


def select(kg, query: str) -> list[dict[str, str]]:
    """Run a SELECT over every graph of ``kg``; each row's values as strings."""
    prefixes = f"PREFIX frkg: <{kg.base}ontology#>\n"
    prefixes += "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    prefixes += "PREFIX schema: <https://schema.org/>\nPREFIX org: <http://www.w3.org/ns/org#>\n"
    prefixes += "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    prefixes += "PREFIX owl: <http://www.w3.org/2002/07/owl#>\n"
    solutions = kg.store.query(prefixes + query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in solutions]


def policies(kg) -> set[str]:
    rows = select(
        kg, "SELECT DISTINCT ?p { ?p a ?c . ?c rdfs:subClassOf* frkg:Policy . FILTER(isIRI(?p)) }"
    )
    return {r["p"] for r in rows}


def page_rows(text: str) -> list[str]:
    """The slugs of the rows an HTML table shows, in order."""
    return [href.rsplit("/", 1)[-1] for href in ROW.findall(text)]


def get_json(url: str) -> dict:
    reply = fetch(url)
    assert reply.status == 200, reply.text
    assert reply.media_type == "application/json"
    return json.loads(reply.text)


def all_rows(url: str) -> list[dict]:
    """Every row of a table's JSON twin, following its pages (``next``)."""
    rows: list[dict] = []
    while url:
        data = get_json(url)
        rows += data["rows"]
        url = data.get("next", "")
        if url:  # the JSON names pages under the serving base, which is the server's own URL
            assert url.startswith("http://127.0.0.1:")
    return rows


def test_tracker_lists_every_policy_of_the_data(live_server, repo_kg):
    reply = fetch(f"{live_server}tracker", HTML)
    assert reply.status == 200 and reply.media_type == "text/html"
    expected = {iri.rsplit("/", 1)[-1] for iri in policies(repo_kg)}
    assert set(page_rows(reply.text)) == expected
    data = get_json(f"{live_server}tracker?format=json")
    assert {r["iri"] for r in data["rows"]} == policies(repo_kg)
    assert data["total"] == data["unfiltered"] == len(expected)


def test_home_page_links_to_both_tables(live_server):
    text = fetch(live_server, HTML).text
    assert 'href="/tracker"' in text and 'href="/tracker/people"' in text


def test_each_row_shows_jurisdiction_kind_and_scope_from_the_data(live_server, repo_kg):
    data = get_json(f"{live_server}tracker?format=json")
    expected = select(
        repo_kg,
        "SELECT ?p ?where ?kind ?scope { ?p a ?c . ?c rdfs:subClassOf* frkg:Policy ."
        " OPTIONAL { ?p frkg:jurisdiction|frkg:adoptedBy ?where }"
        " OPTIONAL { ?p frkg:policyKind ?kind } OPTIONAL { ?p frkg:scope ?scope } }",
    )
    rows = {r["iri"]: r for r in data["rows"]}
    for e in expected:
        row = rows[e["p"]]
        if "kind" in e:
            assert e["kind"] in {k["iri"] for k in row["kinds"]}
        if "scope" in e:
            assert e["scope"] in {s["iri"] for s in row["scopes"]}
    # a city ban says its level
    sf = next(
        r
        for r in data["rows"]
        if r["iri"].endswith("/san-francisco-stop-secret-surveillance-ordinance")
    )
    assert [j["label"] for j in sf["jurisdictions"]] == ["San Francisco"]
    assert [lv["label"] for lv in sf["levels"]] == ["city"]


def test_key_dates_link_to_their_event_and_sources_with_precision(live_server, repo_kg):
    data = get_json(f"{live_server}tracker?format=json")
    events = select(
        repo_kg,
        "SELECT ?e ?p ?d ?s { ?e a frkg:PolicyEvent ; frkg:policy ?p ;"
        " <http://purl.org/dc/terms/date> ?d ."
        " OPTIONAL { ?e <http://purl.org/dc/terms/source> ?s } }",
    )
    shown = {(d["event"]["iri"], d["date"]): d for r in data["rows"] for d in r["dates"]}
    assert shown, "no key dates at all"
    for e in events:
        key = (e["e"], e["d"])
        if key not in shown:
            continue  # an event type that is not one of the tracker's date columns
        entry = shown[key]
        precision = {10: "day", 7: "month", 4: "year"}[len(e["d"])]
        assert entry["precision"] == precision
        if "s" in e:
            assert e["s"] in {s["iri"] for s in entry["sources"]}
    # a month-only date says so on the page
    month_only = [e for e in events if len(e["d"]) == 7]
    if month_only:
        text = fetch(f"{live_server}tracker", HTML).text
        assert "to the month" in text


def test_twins_hold_exactly_the_rows_shown(live_server):
    """HTML, JSON, CSV and Turtle of one filtered, sorted view list the same policies."""
    state = "day=2020-01-01&kind=frkg:kind-ban&sort=-passed"
    page = fetch(f"{live_server}tracker?{state}", HTML)
    slugs = page_rows(page.text)
    assert slugs, "the filter left nothing to compare"
    data = get_json(f"{live_server}tracker?{state}&format=json")
    assert [r["iri"].rsplit("/", 1)[-1] for r in data["rows"]] == slugs
    assert data["day"] == "2020-01-01" and data["sort"] == "-passed"
    frkg = f"{live_server}ontology#"
    assert all(frkg + "kind-ban" in {k["iri"] for k in r["kinds"]} for r in data["rows"])
    reply = fetch(f"{live_server}tracker?{state}&format=csv")
    assert reply.status == 200 and reply.media_type == "text/csv"
    assert "\r\n" in reply.text  # RFC 4180 section 2: CRLF ends each record
    rows = list(csv.DictReader(io.StringIO(reply.text)))
    assert [r["policy"].rsplit("/", 1)[-1] for r in rows] == slugs
    assert "status on 2020-01-01" in rows[0]
    reply = fetch(f"{live_server}tracker?{state}&format=ttl")
    assert reply.status == 200 and reply.media_type == "text/turtle"
    graph = rdflib.Graph().parse(data=reply.text, format="turtle")
    typed = {str(s).rsplit("/", 1)[-1] for s in graph.subjects(rdflib.RDF.type, None)}
    assert set(slugs) <= typed
    kinds = {
        str(s).rsplit("/", 1)[-1] for s in graph.subjects(rdflib.URIRef(frkg + "policyKind"), None)
    }
    assert kinds == set(slugs)
    # every twin is named in the page and in the Link header (RFC 8288)
    link = page.headers["Link"]
    for fmt in ("json", "csv", "turtle"):
        assert f"format={fmt}" in link
        assert f"format={fmt}" in page.text


def test_sorting_by_a_date_column_puts_undated_rows_last(live_server):
    for order in ("passed", "-passed"):
        rows = get_json(f"{live_server}tracker?sort={order}&format=json")["rows"]
        dates = [
            min((d["date"] for d in r["dates"] if d["what"] == "passed"), default=None)
            for r in rows
        ]
        dated = [d for d in dates if d]
        assert dates[: len(dated)] == dated  # the undated come after
        # By the day each date starts: a month ("2020-12") and its first day tie.
        starts = [(d + "-01-01")[:10] for d in dated]
        assert starts == sorted(starts, reverse=order.startswith("-"))


def test_facet_counts_are_the_rows_each_value_gives(live_server):
    data = get_json(f"{live_server}tracker?kind=frkg:kind-ban&format=json")
    level = next(f for f in data["facets"] if f["name"] == "level")
    for value in level["values"][:4]:
        narrowed = get_json(
            f"{live_server}tracker?kind=frkg:kind-ban&level={quote(value['value'])}&format=json"
        )
        assert narrowed["total"] == value["count"]


def test_free_text_filter_reads_names_places_and_notes(live_server, repo_kg):
    rows = get_json(f"{live_server}tracker?q=somerville&format=json")["rows"]
    assert any(r["iri"].endswith("/somerville-face-surveillance-full-ban-ordinance") for r in rows)
    identifier = select(repo_kg, "SELECT ?p ?i { ?p schema:legislationIdentifier ?i } LIMIT 1")[0]
    rows = get_json(f"{live_server}tracker?q={quote(identifier['i'])}&format=json")["rows"]
    assert identifier["p"] in {r["iri"] for r in rows}


def test_status_column_is_the_status_on_the_day_asked(live_server):
    data = get_json(f"{live_server}tracker?day=2020-01-01&format=json")
    assert all(r["status"]["day"] == "2020-01-01" for r in data["rows"])
    status = next(f for f in data["facets"] if f["name"] == "status")
    in_force = [v for v in status["values"] if v["value"] == "frkg:status-in-force"]
    if in_force:
        narrowed = get_json(
            f"{live_server}tracker?day=2020-01-01&status=frkg:status-in-force&format=json"
        )
        assert narrowed["total"] == in_force[0]["count"]
        assert all(r["status"]["inForce"] for r in narrowed["rows"])


@pytest.mark.parametrize(
    "query, says",
    [
        ("day=2020-13-01", "not a day of the calendar"),
        ("day=yesterday", "YYYY-MM-DD"),
        ("sort=colour", "sort must name a column"),
        ("colour=red", "is not a filter of this table"),
        ("q=" + "x" * 300, "at most"),
    ],
)
def test_bad_view_parameters_are_a_clear_400(live_server, query, says):
    """RFC 9110 section 15.5.1: the client's request cannot be honoured, and says why."""
    reply = fetch(f"{live_server}tracker?{query}")
    assert reply.status == 400 and says in reply.text
    page = fetch(f"{live_server}tracker?{query}", HTML)
    assert page.status == 400 and page.media_type == "text/html"


def test_unacceptable_accept_is_406_and_answers_vary(live_server):
    reply = fetch(f"{live_server}tracker", {"Accept": "image/png"})
    assert reply.status == 406 and "text/csv" in reply.text
    assert "accept" in fetch(f"{live_server}tracker", HTML).vary()  # RFC 9110 section 12.5.5


def test_people_table_lists_people_and_organizations_with_statements(live_server, repo_kg):
    data = get_json(f"{live_server}tracker/people?q=greer&format=json")
    greer = next(r for r in data["rows"] if r["iri"].endswith("/evan-greer"))
    said = select(
        repo_kg,
        f"SELECT DISTINCT ?s {{ ?s frkg:speaker|frkg:speaksFor <{greer['iri']}> }}",
    )
    assert greer["statements"] == len(said)
    stances = select(
        repo_kg,
        f"SELECT DISTINCT ?st {{ ?s frkg:speaker|frkg:speaksFor <{greer['iri']}> ;"
        " frkg:stance ?st . FILTER(?st != frkg:stance-no-position) }",
    )
    assert {s["iri"] for s in greer["stances"]} == {s["st"] for s in stances}
    assert any(r["organization"]["iri"].endswith("/fight-for-the-future") for r in greer["roles"])
    everyone = {"rows": all_rows(f"{live_server}tracker/people?format=json")}
    agents = select(
        repo_kg,
        "SELECT DISTINCT ?a { { ?a a schema:Person }"
        " UNION { ?a a ?c . ?c rdfs:subClassOf* org:Organization } }",
    )
    assert {r["iri"] for r in everyone["rows"]} == {a["a"] for a in agents}


#: Who takes a stance: by saying it (or being spoken for), as a member of a coalition that said
#: it, or as a signatory of a letter it was said in.
TAKES_STANCE = """SELECT DISTINCT ?a {
  ?s frkg:stance frkg:stance-opposes-ban .
  { ?s frkg:speaker|frkg:speaksFor ?a }
  UNION { ?s frkg:speaker|frkg:speaksFor ?c . ?c a frkg:Coalition .
          { ?c org:hasMember ?a } UNION { ?a org:memberOf ?c } }
  UNION { ?s frkg:channel ?letter . ?letter frkg:signatory ?a }
}"""


def test_people_table_filters_by_stance_stated_or_shared(live_server, repo_kg):
    url = f"{live_server}tracker/people?stance=frkg:stance-opposes-ban&format=json"
    rows = get_json(url)["rows"]
    expected = select(repo_kg, TAKES_STANCE)
    assert {r["iri"] for r in rows} == {e["a"] for e in expected}
    page = fetch(f"{live_server}tracker/people?stance=frkg:stance-opposes-ban", HTML)
    assert set(page_rows(page.text)) == {e["a"].rsplit("/", 1)[-1] for e in expected}
    reply = fetch(f"{live_server}tracker/people?stance=frkg:stance-opposes-ban&format=csv")
    assert len(list(csv.DictReader(io.StringIO(reply.text)))) == len(expected)


def test_a_long_table_is_paged_and_each_twin_holds_that_page(app, monkeypatch):
    """Rows past a page go to the next (Hydra-style previous/next links); every format of one
    page holds the same rows, and a page past the end is 404."""
    from frkg.web import tracker as web_tracker

    from conftest import serving

    monkeypatch.setattr(web_tracker, "PAGE_SIZE", 5)
    with serving(app.wsgi_app) as server:
        first = get_json(f"{server}tracker?sort=-passed&format=json")
        assert first["pages"] > 1 and len(first["rows"]) == 5 and "next" in first
        second = get_json(f"{server}tracker?sort=-passed&page=2&format=json")
        assert second["page"] == 2 and "previous" in second
        assert not {r["iri"] for r in first["rows"]} & {r["iri"] for r in second["rows"]}
        page = fetch(f"{server}tracker?sort=-passed&page=2", HTML)
        assert page_rows(page.text) == [r["iri"].rsplit("/", 1)[-1] for r in second["rows"]]
        rows = list(
            csv.DictReader(
                io.StringIO(fetch(f"{server}tracker?sort=-passed&page=2&format=csv").text)
            )
        )
        assert [r["policy"] for r in rows] == [r["iri"] for r in second["rows"]]
        last = first["pages"]
        assert fetch(f"{server}tracker?page={last + 1}", HTML).status == 404
        assert fetch(f"{server}tracker?page=0", HTML).status == 400
