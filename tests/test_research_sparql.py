"""The SPARQL endpoint declares the dataset's prefixes server side, and the query page groups its
examples by question in a researcher's words; real HTTP against ``frkg serve``."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

from frkg import namespaces
from frkg.publish import query_guide
from frkg.sparql import example_queries

from http_helpers import fetch

JSON = {"Accept": "application/sparql-results+json"}


def post_form(url: str, fields: dict[str, str]):
    """POST ``fields`` as an HTML form does (application/x-www-form-urlencoded)."""
    import http.client
    from urllib.parse import urlencode, urlsplit

    from http_helpers import Reply

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        body = urlencode(fields)
        kind = {"Content-Type": "application/x-www-form-urlencoded"}
        conn.request("POST", parts.path, body=body, headers=kind)
        response = conn.getresponse()
        return Reply(response.status, response.msg, response.read())
    finally:
        conn.close()


def test_a_query_may_use_the_dataset_prefixes_without_declaring_them(live_server, repo_kg):
    """pyoxigraph's ``Store.query(..., prefixes=...)``: the prefixes the page lists work as if
    declared (SPARQL 1.1 Query section 4.1.1.1, prefixed names)."""
    text = "SELECT ?p ?label WHERE {\n  ?p a frkg:Legislation ; rdfs:label ?label .\n}"
    reply = fetch(f"{live_server}sparql?query={quote(text)}", JSON)
    assert reply.status == 200, reply.text
    rows = json.loads(reply.text)["results"]["bindings"]
    declared = f"PREFIX frkg: <{live_server}ontology#>\nPREFIX rdfs: <{namespaces.RDFS}>\n"
    expected = repo_kg.store.query(declared + text, use_default_graph_as_union=True)
    assert {r["p"]["value"] for r in rows} == {s["p"].value for s in expected}
    assert rows


def test_a_query_declaring_a_prefix_of_its_own_keeps_it(live_server):
    text = "PREFIX frkg: <http://example.org/other#>\nSELECT ?p WHERE { ?p a frkg:Legislation }"
    reply = fetch(f"{live_server}sparql?query={quote(text)}", JSON)
    assert reply.status == 200 and json.loads(reply.text)["results"]["bindings"] == []


def test_an_undeclared_unknown_prefix_is_still_a_clear_400(live_server):
    reply = fetch(f"{live_server}sparql?query={quote('SELECT * WHERE { ?s a nope:X }')}", JSON)
    assert reply.status == 400 and "nope:" in reply.text


def test_every_example_is_placed_under_a_question_and_runs_as_csv(live_server):
    prefixes = namespaces.prefixes(live_server)
    guide = query_guide.questions(example_queries(), prefixes, live_server)
    placed = [e.name for q in guide for e in q.examples]
    assert sorted(placed) == sorted(e.name for e in example_queries())
    for q in guide:
        for e in q.examples:
            assert "facts.md" not in e.description and "README" not in e.description
            assert not [line for line in e.query.splitlines() if line.startswith("PREFIX frkg:")]
            reply = post_form(f"{live_server}sparql", {"query": e.query, "format": "csv"})
            assert reply.status == 200, (e.name, reply.text)
            assert reply.media_type == "text/csv"
            list(csv.reader(io.StringIO(reply.text)))  # RFC 4180


def test_the_page_lists_the_prefixes_and_links_each_example_as_csv(live_server):
    text = fetch(f"{live_server}sparql", {"Accept": "text/html"}).text
    assert f"<code>{live_server}ontology#</code>" in text
    assert text.count('class="example-links"') == len(example_queries())
    assert 'aria-label="Site"' in text  # the site's navigation


def test_internal_references_are_left_out_of_unknown_examples():
    said = "Lists every policy. facts.md section 2.1 has 26 rows (see README). Dates are days."
    assert query_guide.public_description(said) == "Lists every policy. Dates are days."
    text = "PREFIX frkg: <https://x/ontology#>\nPREFIX ex: <http://e/>\nSELECT * {}\n"
    kept = query_guide.without_declared_prefixes(text, {"frkg": "https://x/ontology#"})
    assert kept == "PREFIX ex: <http://e/>\nSELECT * {}\n"
