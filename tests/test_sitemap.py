"""For crawlers over real HTTP: the sitemap lists every entity page (sitemaps.org protocol 0.9),
each listed URL answers, and robots.txt points at it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pyoxigraph as ox

from frkg.web import crawlers

from http_helpers import fetch

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def entities(kg) -> set[str]:
    """Every IRI under {base}id/ in the data files' graphs and the inferred links, by SPARQL."""
    graphs = " ".join(f"<{g.value}>" for g in kg.graphs("data")) + f" <{kg.inferred_graph}>"
    rows = kg.store.query(
        "SELECT DISTINCT ?x WHERE { GRAPH ?g { ?s ?p ?o } VALUES ?g { " + graphs + " } "
        "VALUES ?pos { 1 2 } BIND(IF(?pos = 1, ?s, ?o) AS ?x) "
        f'FILTER(isIRI(?x) && STRSTARTS(STR(?x), "{kg.base}id/")) }}'
    )
    return {row["x"].value for row in rows}


def test_the_sitemap_lists_every_entity_page_and_each_answers(live_server, repo_kg):
    reply = fetch(live_server + "sitemap.xml")
    assert reply.status == 200 and reply.media_type == "application/xml"
    root = ET.fromstring(reply.body)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    locs = [u.findtext("s:loc", namespaces=NS) for u in root.findall("s:url", NS)]
    lastmods = {u.findtext("s:lastmod", namespaces=NS) for u in root.findall("s:url", NS)}
    assert lastmods == {repo_kg.modified.date().isoformat()}
    assert len(locs) == len(set(locs))
    pages = {loc for loc in locs if loc.startswith(live_server + "page/")}
    assert {p.replace("/page/", "/id/", 1) for p in pages} == entities(repo_kg)
    assert {live_server, live_server + "ontology.html", live_server + "void.html"} <= set(locs)
    for loc in locs:
        assert fetch(loc, {"Accept": "text/html"}).status == 200, loc


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_off_endless_urls(live_server):
    reply = fetch(live_server + "robots.txt")
    assert reply.status == 200 and reply.media_type == "text/plain"
    lines = reply.text.splitlines()
    assert lines[0] == "User-agent: *"
    assert f"Sitemap: {live_server}sitemap.xml" in lines
    assert "Disallow: /search" in lines and "Disallow: /browse/*?" in lines
    assert "Disallow: /" not in lines  # everything else may be crawled


def test_a_large_sitemap_becomes_an_index_of_numbered_sitemaps(app, monkeypatch):
    monkeypatch.setattr(crawlers, "SITEMAP_LIMIT", 10)
    client = app.test_client()
    assert client.get("/sitemap-1.xml").status_code == 200
    root = ET.fromstring(client.get("/sitemap.xml").data)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    parts = [s.findtext("s:loc", namespaces=NS) for s in root.findall("s:sitemap", NS)]
    base = app.extensions["frkg"].base
    assert parts == [f"{base}sitemap-{n}.xml" for n in range(1, len(parts) + 1)]
    seen: list[str] = []
    for part in parts:
        urlset = ET.fromstring(client.get("/" + part.removeprefix(base)).data)
        locs = [u.findtext("s:loc", namespaces=NS) for u in urlset.findall("s:url", NS)]
        assert 0 < len(locs) <= 10
        seen += locs
    monkeypatch.setattr(crawlers, "SITEMAP_LIMIT", 50_000)
    whole = ET.fromstring(client.get("/sitemap.xml").data)
    assert seen == [u.findtext("s:loc", namespaces=NS) for u in whole.findall("s:url", NS)]
    assert client.get(f"/sitemap-{len(parts) + 1}.xml").status_code == 404
    assert client.get("/sitemap-1.xml").status_code == 404  # no index, no parts
    assert client.get("/sitemap-0.xml").status_code == 404


def test_every_sitemap_location_is_an_absolute_iri_of_this_site(live_server, repo_kg):
    """sitemaps.org protocol 0.9: each <loc> is a full URL that begins with the protocol, is
    shorter than 2,048 characters and is on the sitemap's own host; one per entity page, at
    least."""
    root = ET.fromstring(fetch(live_server + "sitemap.xml").body)
    locs = [u.findtext("s:loc", namespaces=NS) for u in root.findall("s:url", NS)]
    assert sum(loc.startswith(live_server + "page/") for loc in locs) == len(entities(repo_kg))
    for loc in locs:
        assert ox.NamedNode(loc).value == loc  # raises on an invalid IRI
        assert loc.startswith(live_server) and len(loc) < 2048, loc
