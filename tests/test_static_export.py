"""`frkg build`: the static export, served by Debian's nginx on 127.0.0.1, answers as frkg serve.

The content-negotiation tests of tests/test_conneg.py run against both servers (``any_server``);
these check what is particular to the export: the negotiation rules against the app's own
decisions, the documented differences, byte-identical files, links that resolve, live-only URLs,
and the command line.
"""

from __future__ import annotations

import gzip
import random
import re
import subprocess
import sys
from urllib.parse import urljoin, urlsplit

import pytest
from rdflib import URIRef
from rdflib.compare import isomorphic

from frkg import store
from frkg.config import Settings
from frkg.export import conneg_rules, site
from frkg.formats import RDF_FORMATS
from frkg.web import create_app

from conftest import (
    FIXTURES,
    NGINX,
    ROOT,
    assert_same_site,
    bench_generate,
    free_port,
    jsonld_blocks,
    running_nginx,
    running_server,
    serve_args,
)
from http_helpers import fetch, parse_html, parse_rdf

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


# -- the negotiation rules against the app's own decisions (RFC 9110 section 12.5.1) ----------


def _random_accept(rng: random.Random, pool: list[str], decimals: int) -> str:
    def weight() -> str:
        r = rng.random()
        if r < 0.4:
            return ""
        if r < 0.5:
            return ";q=0"
        if r < 0.55:
            return ";q=1"
        return f";q={rng.randint(1, 10**decimals - 1) / 10**decimals}"

    return ", ".join(rng.choice(pool) + weight() for _ in range(rng.randint(1, 4)))


@pytest.fixture(scope="module")
def negotiations(app):
    """The app's negotiations, as the export reproduces them (read from its registry)."""
    return site.negotiations(app)


def _pool(negotiations) -> list[str]:
    types = sorted({m for n in negotiations.values() for m in n.media_types})
    return types + ["*/*", "text/*", "application/*", "image/*", "image/png", "application/pdf"]


@pytest.mark.parametrize("name", sorted(site.NEGOTIATIONS))
def test_rules_choose_what_the_app_chooses_when_q_values_differ_in_the_first_decimal(
    negotiations, name
):
    negotiation = negotiations[name]
    rng = random.Random(7)
    pool = _pool(negotiations)
    for _ in range(1500):
        accept = _random_accept(rng, pool, decimals=1)
        expected = negotiation.decide(accept) or negotiation.fallback
        assert conneg_rules.simulate(negotiation, accept) == expected, accept


@pytest.mark.parametrize(
    "name, accept",
    [
        ("thing", None),
        ("thing", ""),
        ("thing", BROWSER_ACCEPT),
        ("thing", "*/*, text/turtle;q=0"),  # the alias application/x-turtle still matches */*
        ("thing", "text/html;q=0.9, */*"),
        ("thing", "text/*;q=0.1, text/html;q=0.9"),
        ("thing", "TEXT/HTML"),
        ("thing", "text/html;level=1"),  # a parameter other than q never matches (werkzeug)
        ("list", "application/json"),  # plain JSON on lists, JSON-LD on things
        ("thing", "application/json"),
        ("error", "*/*, text/*;q=0.09, text/html;q=0.97"),
    ],
)
def test_rules_agree_with_the_app_on_tricky_headers(negotiations, name, accept):
    negotiation = negotiations[name]
    expected = negotiation.decide(accept) or negotiation.fallback
    assert conneg_rules.simulate(negotiation, accept) == expected


#: Where the rules differ from the app (docs/static-export.md): q-values that differ only
#: after the first decimal are equal to the rules, and the server's order decides.
DIFFERENCES = [
    # (negotiation, Accept, what frkg serve picks, what the static site picks)
    ("thing", "application/ld+json;q=0.54, text/turtle;q=0.52", "jsonld", "ttl"),
    ("thing", "application/xhtml+xml;q=0.32, text/*;q=0.39", "ttl", "html"),
    ("rdf", "application/rdf+xml;q=0.41, application/n-triples;q=0.48", "nt", "rdf"),
]


@pytest.mark.parametrize("name, accept, served, static", DIFFERENCES)
def test_documented_difference_q_values_equal_in_their_first_decimal(
    negotiations, name, accept, served, static
):
    negotiation = negotiations[name]
    assert negotiation.decide(accept) == served
    assert conneg_rules.simulate(negotiation, accept) == static


def test_rules_differ_from_the_app_only_within_a_decimal(negotiations):
    # with two decimals, every disagreement is between q-values equal in their first decimal
    rng = random.Random(11)
    pool = _pool(negotiations)
    negotiation = negotiations["thing"]
    disagreements = 0
    for _ in range(1500):
        accept = _random_accept(rng, pool, decimals=2)
        expected = negotiation.decide(accept) or negotiation.fallback
        if conneg_rules.simulate(negotiation, accept) != expected:
            disagreements += 1
            truncated = re.sub(r"q=0\.(\d)\d", r"q=0.\1", accept)
            assert conneg_rules.simulate(negotiation, truncated) == (
                negotiation.decide(truncated) or negotiation.fallback
            ), accept
    assert disagreements < 1500 * 0.02  # rare, and each one explained above


def test_format_words_are_those_the_app_accepts():
    words = conneg_rules.format_words(RDF_FORMATS)
    assert words["ttl"] == words["turtle"] == words["text/turtle"] == "ttl"
    # lower-cased: nginx and Apache compare them ignoring case, as the app does
    assert words["application%2frdf%2bxml"] == words["application/rdf%2bxml"] == "rdf"
    assert words["json"] == "jsonld"


# -- nginx: the same answers, the same bytes --------------------------------------------------


@pytest.mark.parametrize(
    "accept",
    [
        BROWSER_ACCEPT,
        "text/turtle;q=0.5, application/ld+json",
        "application/ld+json;q=0, text/turtle;q=0.2",
        "*/*;q=0.1, application/n-quads;q=0.3",
        "text/html;q=0.9, */*",
        "image/png",
        *[d[1] for d in DIFFERENCES if d[0] == "thing"],
    ],
)
def test_nginx_answers_what_its_rules_say(negotiations, nginx_server, fixture_server, accept):
    expected = conneg_rules.simulate(negotiations["thing"], accept)
    reply = fetch(nginx_server + "id/ada-example", {"Accept": accept})
    served = fetch(fixture_server + "id/ada-example", {"Accept": accept})
    if not expected:
        assert reply.status == served.status == 406
        return
    target = "/page/ada-example" if expected == "html" else f"/data/ada-example.{expected}"
    assert (reply.status, reply.headers["Location"]) == (303, target)
    documented = any(accept == d[1] for d in DIFFERENCES)
    assert (served.headers["Location"] == target) != documented


def test_nginx_sends_the_documents_the_rules_choose_for_data(nginx_server):
    for name, accept, _, static in DIFFERENCES:
        if name == "rdf":
            reply = fetch(nginx_server + "data/ada-example", {"Accept": accept})
            assert reply.headers["Content-Location"] == f"/data/ada-example.{static}"


#: Headers nginx must send as the app does (the rest, like ETag, it makes from the file).
COMPARED = (
    "Content-Type",
    "Link",
    "Vary",
    "Access-Control-Allow-Origin",
    "Access-Control-Expose-Headers",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cache-Control",
    "Content-Location",
    "Last-Modified",
    "Content-Disposition",
)


@pytest.fixture(scope="module")
def same_base_server(fixture_sources, nginx_server, tmp_path_factory):
    """`frkg serve` over the fixture data, publishing under nginx's base IRI."""
    no_shapes = tmp_path_factory.mktemp("no-shapes-same-base")
    sources = {**fixture_sources, "shapes": [no_shapes]}
    with running_server(*serve_args(sources), "--base-iri", nginx_server) as url:
        yield url


RDF_MEDIA_TYPES = {f.media_type for f in RDF_FORMATS}
DCAT_BYTE_SIZE = URIRef("http://www.w3.org/ns/dcat#byteSize")


def _file_of(export, path: str, reply) -> str:
    """The exported file nginx answered ``path`` from (Content-Location names negotiated ones)."""
    url = reply.headers.get("Content-Location") or "/" + path
    if "?" in url or url.startswith(("/browse", "/source", "/page/")):
        found = export.urls.classify(
            url if "?" in url or "format" in url else _with_format(url, reply)
        )
        return found.file
    return export.urls.classify(url).file


def _with_format(url: str, reply) -> str:
    if "/links" in url:
        return url
    suffix = {"text/html": "html", "application/json": "json"}.get(reply.media_type)
    suffix = suffix or next(f.suffix for f in RDF_FORMATS if f.media_type == reply.media_type)
    return f"{url}?format={suffix}" if not url.startswith("/page/") else url


@pytest.mark.parametrize(
    "path, headers",
    [
        ("", {}),
        ("page/ada-example", {}),
        *[(f"data/ada-example.{f.suffix}", {}) for f in RDF_FORMATS],
        ("data/ada-example", {"Accept": "application/rdf+xml"}),
        ("data/hub-source.ttl", {"Accept-Encoding": "gzip"}),
        ("ontology", {"Accept": "text/html"}),
        ("ontology.ttl", {}),
        ("void.jsonld", {}),
        (".well-known/void", {"Accept": "application/n-triples"}),
        ("shapes.ttl", {}),
        ("dumps/frkg.ttl", {"Accept-Encoding": "gzip"}),
        ("dumps/frkg.nt.gz", {}),
        ("browse", {}),
        ("browse?format=html", {}),
        ("browse/frkg:WebPage", {"Accept": "text/html"}),
        ("browse/frkg:WebPage?page=3&format=json", {}),
        ("browse/frkg:WebPage?page=2&format=ttl", {}),
        ("source/hub-source?format=html", {}),
        ("source/hub-source", {"Accept": "application/ld+json"}),
        (
            "page/hub-source/links?property=http%3A%2F%2Fpurl.org%2Fdc%2Fterms%2Fsource"
            "&direction=in&page=2",
            {},
        ),
        ("robots.txt", {}),
        ("sitemap.xml", {}),
        ("static/frkg.css", {}),
    ],
)
def test_nginx_sends_the_bytes_and_headers_frkg_serve_sends(
    static_export, nginx_server, same_base_server, path, headers
):
    static = fetch(nginx_server + path, headers)
    live = fetch(same_base_server + path, headers)
    assert static.status == live.status == 200
    assert static.headers.get("Content-Encoding") == live.headers.get("Content-Encoding")
    body = gzip.decompress(static.body) if "Content-Encoding" in static.headers else static.body
    live_body = gzip.decompress(live.body) if "Content-Encoding" in live.headers else live.body
    file = static_export.outdir / "public" / _file_of(static_export, path, static)
    assert body == file.read_bytes()  # nginx sends the exported bytes untouched
    # The export was rendered by the app in another process than `frkg serve`: blank-node
    # labels (drawn afresh by each load) and the order of a document's triples (it follows
    # Python's hash seed) may differ there, so RDF is compared as graphs, and pages apart from
    # their JSON-LD, which is compared as a graph.
    media_type = static.media_type
    if media_type == "application/gzip":  # the .nt.gz dump: compare what it holds
        body, live_body = gzip.decompress(body), gzip.decompress(live_body)
        media_type = "application/n-triples"
    if media_type in RDF_MEDIA_TYPES:
        ours, theirs = parse_rdf(body, media_type), parse_rdf(live_body, media_type)
        # a gzip dump's size follows its blank-node labels, which each load draws afresh
        for graph in (ours, theirs):
            graph.remove((None, DCAT_BYTE_SIZE, None))
        assert isomorphic(ours, theirs)
    elif media_type == "text/html":
        ours, theirs = jsonld_blocks(body), jsonld_blocks(live_body)
        assert ours[0] == theirs[0]
        assert len(ours[1]) == len(theirs[1])
        for a, b in zip(ours[1], theirs[1], strict=True):
            assert isomorphic(
                parse_rdf(a, "application/ld+json"), parse_rdf(b, "application/ld+json")
            )
    else:
        assert body == live_body
    for name in COMPARED:
        if path.startswith("static/") and name == "Content-Disposition":
            continue  # Flask's file sender names the file; nothing needs it
        assert static.headers.get(name) == live.headers.get(name), name


def test_rdfxml_a_document_cannot_express_is_refused_with_406(nginx_server):
    reply = fetch(nginx_server + "data/hostile-xml.rdf")
    assert reply.status == 406 and "property/123" in reply.text
    assert fetch(nginx_server + "data/hostile-xml.ttl").status == 200


def test_head_of_an_exported_dump_is_its_get_without_body(nginx_server):
    get = fetch(nginx_server + "dumps/frkg.jsonld", {"Accept-Encoding": "gzip"})
    head = fetch(nginx_server + "dumps/frkg.jsonld", {"Accept-Encoding": "gzip"}, "HEAD")
    assert head.body == b"" and head.headers["Content-Length"] == get.headers["Content-Length"]


@pytest.mark.slow
def test_every_link_on_every_exported_page_resolves(static_export, nginx_server):
    """Crawl the static site from its home page: every link is there, or is a live-only URL."""
    pages = ["/"]
    seen = set(pages)
    broken, live_only = [], set()
    while pages:
        path = pages.pop()
        reply = fetch(nginx_server + path.lstrip("/"), {"Accept": BROWSER_ACCEPT})
        if reply.status == 404 and "static copy" in reply.text:
            live_only.add(urlsplit(path).path)
            continue
        # the app links every twin, and refuses RDF/XML where it cannot write the document
        refused = reply.status == 406 and path in static_export.layout.refused
        if reply.status not in (200, 303) and not refused:
            broken.append((path, reply.status))
            continue
        if reply.media_type != "text/html":
            continue
        page = parse_html(reply.text)
        for tag, attr in (("a", "href"), ("link", "href"), ("script", "src")):
            for element in page.attrs(tag):
                target = urljoin(path, element.get(attr, ""))
                if target.startswith(nginx_server):
                    target = "/" + target[len(nginx_server) :]
                if target.startswith("/") and target.split("#")[0] not in seen:
                    seen.add(target.split("#")[0])
                    pages.append(target.split("#")[0])
    assert not broken
    assert len(seen) > 1000  # the whole fixture dataset was walked
    assert live_only <= {
        "/search",
        "/sparql",
        "/browse",
        "/tracker",
        "/tracker/people",
        "/concept",
        *{p for p in live_only if "/browse/" in p},
    }
    assert "/search" in live_only and "/sparql" in live_only


def test_live_only_urls_say_the_site_is_a_static_copy(nginx_server):
    for path in ("search?q=ada", "sparql", "health", "browse/frkg:WebPage?year=2019"):
        reply = fetch(nginx_server + path)
        assert reply.status == 404 and "static copy" in reply.text
        browser = fetch(nginx_server + path, {"Accept": BROWSER_ACCEPT})
        assert browser.media_type == "text/html" and "static copy" in browser.text


def test_with_a_live_url_live_only_urls_are_redirected_there(static_export, fixture_server):
    port = free_port()
    with running_nginx(
        static_export.outdir, static_export.layout, port, live_url=fixture_server
    ) as url:
        for path in ("search?q=ada", "sparql?query=ASK%7B%7D", "browse?class=x", "health"):
            reply = fetch(url + path)
            assert reply.status == 307  # the method is kept: SPARQL POSTs too
            assert reply.headers["Location"] == fixture_server + path
        assert fetch(fixture_server + "search?q=ada").status == 200
        # everything else is still served from the files
        assert fetch(url + "data/ada-example.ttl").status == 200


def test_exported_files_carry_the_data_s_modification_time(static_export, fixture_server):
    page = static_export.outdir / "public" / "page" / "ada-example.html"
    served = fetch(fixture_server + "page/ada-example")
    from email.utils import parsedate_to_datetime

    assert (
        page.stat().st_mtime == parsedate_to_datetime(served.headers["Last-Modified"]).timestamp()
    )
    zipped = page.with_name("ada-example.html.gz")
    assert gzip.decompress(zipped.read_bytes()) == page.read_bytes()


# -- the command line -------------------------------------------------------------------------


def _build(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "frkg", "build", str(tmp_path / "site"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_frkg_build_writes_the_site_and_a_valid_nginx_configuration(tmp_path):
    done = _build(
        tmp_path,
        "--data",
        str(FIXTURES / "sparql"),
        "--shapes",
        str(FIXTURES / "empty"),
        "--listen",
        "127.0.0.1:8123",
    )
    assert done.returncode == 0, done.stderr
    assert "exported" in done.stderr and "https://w3id.org/frkg/" in done.stderr
    site = tmp_path / "site"
    for name in (
        "public/index.html",
        "public/ontology.ttl",
        "public/.well-known",
        "nginx/frkg.conf",
    ):
        if name == "public/.well-known":
            continue  # /.well-known/void is negotiated onto /void.{ext}
        assert (site / name).is_file(), name
    assert "https://w3id.org/frkg/id/" in (site / "public/void.ttl").read_text()
    config = (site / "nginx/frkg.conf").read_text()
    assert "listen 127.0.0.1:8123;" in config and str(site / "public") in config
    tested = subprocess.run(
        [NGINX, "-t", "-p", str(site / "nginx"), "-c", str(site / "nginx/nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert tested.returncode == 0, tested.stderr


def test_frkg_build_from_an_on_disk_store_writes_the_same_site(tmp_path):
    """`frkg load --store` once, then `frkg build --store`: the site of a dataset too large to
    load at every build is the site the files give (RDF compared as graphs: two loads draw
    different blank-node labels)."""
    files = ("--data", str(FIXTURES / "sparql"), "--shapes", str(FIXTURES / "empty"))
    store_dir = tmp_path / "store"
    loaded = subprocess.run(
        [sys.executable, "-m", "frkg", "load", "--store", str(store_dir), *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert loaded.returncode == 0, loaded.stderr
    for name, args in (("files", files), ("store", ("--store", str(store_dir)))):
        done = _build(tmp_path / name, *args, "--web-root", "/srv/frkg")
        assert done.returncode == 0, done.stderr
        assert "under https://w3id.org/frkg/ " in done.stderr
    assert sum(1 for f in (tmp_path / "files" / "site").rglob("*") if f.is_file()) > 100
    assert_same_site(tmp_path / "store" / "site", tmp_path / "files" / "site")


def _files(folder):
    return {str(f.relative_to(folder)): f for f in sorted(folder.rglob("*")) if f.is_file()}


@pytest.mark.parametrize("data", ["fixtures", "generated"])
def test_reused_view_models_give_byte_for_byte_the_site_computed_file_by_file(
    data, fixture_sources, tmp_path
):
    """The build memoises what files share (terms, list items, list and source pages:
    frkg.export.reuse); from one load, its site is byte for byte the one computed file by file as
    `frkg serve` answers each request, every gzip twin and modification time included (RFC 9110
    section 8.8: the validators name these bytes and that time)."""
    sources = fixture_sources
    if data == "generated":  # many-page class lists, facets, sources cited by many things
        assert bench_generate(tmp_path / "data", "3k", "--seed", "1").returncode == 0
        sources = {**fixture_sources, "data": sorted((tmp_path / "data").glob("*.ttl"))}
    base = "http://127.0.0.1:8080/"
    app = create_app(Settings.from_env({}, base_iri=base), store.load_files(sources, base))
    site.build(app, tmp_path / "plain", jobs=1, reuse=False)
    site.build(app, tmp_path / "reused", jobs=2)
    plain, reused = _files(tmp_path / "plain"), _files(tmp_path / "reused")
    assert plain.keys() == reused.keys()
    assert len(plain) > 300
    for name, file in plain.items():
        assert file.read_bytes() == reused[name].read_bytes(), name
        if not name.startswith(("public/_frkg/", "nginx/", "apache/")):  # those carry no date
            assert file.stat().st_mtime == reused[name].stat().st_mtime, name


def test_frkg_build_refuses_a_slug_a_web_server_cannot_serve_safely(tmp_path):
    data = tmp_path / "odd.ttl"
    data.write_text(
        "<https://w3id.org/frkg/id/odd%20slug> "
        '<http://www.w3.org/2000/01/rdf-schema#label> "x"@en .\n'
    )
    done = _build(tmp_path, "--data", str(data), "--shapes", str(FIXTURES / "empty"))
    assert done.returncode == 1
    assert "cannot be exported safely" in done.stderr and "Traceback" not in done.stderr


# -- Apache: the same answers as nginx ------------------------------------------------------------


def _same_content(ours, our_base: str, theirs, their_base: str) -> bool:
    """Same content once each server's own base is taken out (each export has its base).

    The two exports are two loads: blank-node labels differ, so RDF (and a page's embedded
    JSON-LD) is compared as graphs.
    """
    media_type = ours.media_type
    if media_type == "application/gzip":
        media_type = "application/n-quads"  # the one gzip file compared here
    rdf = media_type in RDF_MEDIA_TYPES
    base = "http://base.example/" if rdf else "/"

    def text(reply, own) -> bytes:
        body = reply.body
        if "Content-Encoding" in reply.headers or reply.media_type == "application/gzip":
            body = gzip.decompress(body)
        return body.replace(own.encode(), base.encode())

    a, b = text(ours, our_base), text(theirs, their_base)
    if media_type == "text/html":
        (page_a, data_a), (page_b, data_b) = jsonld_blocks(a), jsonld_blocks(b)
        return page_a == page_b and all(
            isomorphic(parse_rdf(x, "application/ld+json"), parse_rdf(y, "application/ld+json"))
            for x, y in zip(data_a, data_b, strict=True)
        )
    if not rdf or not a.strip() or a.lstrip().startswith(b"#"):
        return a == b
    graphs = []
    for body in (a, b):
        graph = parse_rdf(body, media_type)
        graph.remove((None, DCAT_BYTE_SIZE, None))  # a dump's size depends on its base
        graphs.append(graph)
    return isomorphic(*graphs)


@pytest.mark.parametrize(
    "path, headers",
    [
        ("", {}),
        ("page/ada-example", {"Accept-Encoding": "gzip"}),
        *[(f"data/ada-example.{f.suffix}", {}) for f in RDF_FORMATS],
        ("data/ada-example", {"Accept": "text/turtle;q=0.5, application/n-quads"}),
        ("id/ada-example", {"Accept": BROWSER_ACCEPT}),
        ("id/ada-example?format=nt", {}),
        ("ontology", {"Accept": "text/html", "Accept-Encoding": "gzip"}),
        (".well-known/void", {}),
        ("shapes.ttl", {}),
        ("dumps/frkg.nq.gz", {}),
        ("browse", {"Accept": "text/html"}),
        ("browse/frkg:WebPage?page=2", {"Accept": "application/ld+json"}),
        ("source/hub-source?format=json", {}),
        (
            "page/hub-source/links?property=http%3A%2F%2Fpurl.org%2Fdc%2Fterms%2Fsource"
            "&direction=in&page=3",
            {},
        ),
        ("data/hostile-xml.rdf", {}),
        ("data/hostile-xml", {"Accept": "application/rdf+xml"}),
        ("ontology/0.1.0", {}),
        ("search?q=ada", {"Accept": BROWSER_ACCEPT}),
        ("no/such/path", {}),
    ],
)
def test_apache_answers_as_nginx_does(nginx_server, apache_server, path, headers):
    ours = fetch(apache_server + path, headers)
    theirs = fetch(nginx_server + path, headers)
    assert ours.status == theirs.status
    redirect = ours.status in (301, 302, 303, 307, 308)
    if not redirect:  # a redirect's body is each server's own short page
        assert _same_content(ours, apache_server, theirs, nginx_server)
    for name in COMPARED:
        if redirect and name == "Content-Type":
            continue
        if name == "Vary":  # Apache writes "Accept,Accept-Encoding"
            assert ours.vary() == theirs.vary()
            continue
        mine = (ours.headers.get(name) or "").replace(apache_server, "/")
        assert mine == (theirs.headers.get(name) or "").replace(nginx_server, "/"), name
    if redirect:
        assert urljoin(apache_server, ours.headers["Location"]) == urljoin(
            nginx_server, theirs.headers["Location"]
        ).replace(nginx_server, apache_server)


def test_apache_with_a_live_url_redirects_live_only_urls_there(apache_export, fixture_server):
    from frkg.export import webserver

    access = apache_export.outdir / "public" / ".htaccess"
    kept = access.read_text()
    root = str(apache_export.outdir.resolve() / "public")
    # Apache reads .htaccess on every request: swap in the one built with --live-url
    access.write_text(webserver.htaccess(apache_export.layout, root, fixture_server))
    try:
        for path in ("search?q=ada", "sparql?query=ASK%7B%7D", "browse?class=x", "health"):
            reply = fetch(apache_export.url + path)
            assert reply.status == 307
            assert reply.headers["Location"] == fixture_server + path
        assert fetch(apache_export.url + "data/ada-example.ttl").status == 200
    finally:
        access.write_text(kept)
    assert fetch(apache_export.url + "search?q=ada").status == 404
