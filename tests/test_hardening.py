"""No 500s, no echoes (issue 12, point 5), over real HTTP against `frkg serve` on 127.0.0.1.

- IRIs outside Latin-1 in every URI header, written as URIs (RFC 3987 section 3.1);
- huge literals and MemoryError: cut or refused with a message, never a 500 or a traceback;
- error bodies that echo what the request said escape it for their syntax, or do not echo it;
- no answer is built from the request's ``Host``; ``SCRIPT_NAME`` and ``X-Forwarded-*`` are
  trusted only from the proxies ``FRKG_FORWARDED_ALLOW_IPS`` names;
- unknown query parameters do not create response-cache entries.
"""

from __future__ import annotations

import base64
import hashlib
import json
import resource
import time
import xml.dom.minidom
from pathlib import Path
from urllib.parse import quote

import pytest
import rdflib
from werkzeug.urls import iri_to_uri

from frkg.config import Settings
from frkg.web.headers import QUERY_PAGE_CSP, YASGUI_STYLE_HASHES

from conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FIXTURES,
    ROOT,
    WEB_FIXTURES,
    fixture_server_args,
    frkg_command,
    http,
    running_server,
)
from http_helpers import fetch, parse_html, parse_rdf

HARDENING_FIXTURES = FIXTURES / "hardening"
CANONICAL_ID = "https://w3id.org/frkg/id/"
#: Slugs of tests/fixtures/hardening/names.ttl: outside Latin-1 (Polish, Chinese), and inside it
#: but outside ASCII (a Latin-1 header value is sendable, but is not the URI).
SLUGS = ["fundacja-łódź-przykład", "示例文章", "société-exemple"]
#: The generated entity with a literal of HUGE_SIZE characters.
HUGE = "huge-literal"
HUGE_SIZE = 12 * 2**20
#: A spoofed Host and forwarded headers; none of it may come back.
SPOOF = "evil.example"
SPOOFING = {
    "Host": SPOOF,
    "X-Forwarded-Host": SPOOF,
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Prefix": "/" + SPOOF,
    "Forwarded": f"host={SPOOF};proto=https",
}
QUERY = {"Content-Type": "application/sparql-query"}


@pytest.fixture(scope="module")
def huge_fixture(tmp_path_factory) -> Path:
    """An entity whose comment is HUGE_SIZE characters long (below pyoxigraph's 16 MiB parser
    buffer, so it loads)."""
    path = tmp_path_factory.mktemp("huge") / "huge.ttl"
    path.write_text(
        f'<{CANONICAL_ID}{HUGE}> <http://www.w3.org/2000/01/rdf-schema#label> "Huge"@en ;\n'
        f'  <http://www.w3.org/2000/01/rdf-schema#comment> "{"y" * HUGE_SIZE}"@en .\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def server(huge_fixture) -> str:
    """The web fixtures, the hardening fixtures and the huge literal, served for real, with a
    byte cap large enough for an answer far larger than the memory a test leaves the server."""
    args = fixture_server_args(WEB_FIXTURES, HARDENING_FIXTURES, huge_fixture)
    with running_server(*args, env={"FRKG_SPARQL_RESULT_MAX_BYTES": str(256 * 2**20)}) as url:
        yield url


def ascii_headers(reply) -> None:
    for name, value in reply.headers.items():
        assert value.isascii(), (name, value)


def header_uris(link: str) -> list[str]:
    return [part.split(">", 1)[0].lstrip(" ,<") for part in link.split(", <")]


# -- IRIs in headers: RFC 3987 section 3.1 ----------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_thing_outside_ascii_redirects_with_uri_location_and_links(server, slug):
    path = quote(slug)
    reply = fetch(f"{server}id/{path}", {"Accept": "text/turtle"})
    assert reply.status == 303
    ascii_headers(reply)
    assert reply.headers["Location"] == f"/data/{path}.ttl"
    assert f"/page/{path}" in header_uris(reply.headers["Link"])


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("suffix", ["ttl", "nt", "jsonld", "rdf", "nq", "trig"])
def test_documents_of_a_thing_outside_ascii_answer_with_uri_headers(server, slug, suffix):
    reply = fetch(f"{server}data/{quote(slug)}.{suffix}")
    assert reply.status == 200, reply.body[:300]
    ascii_headers(reply)
    iri = f"{server}id/{slug}"
    # rel="describes" names the thing by its URI (werkzeug's mapping agrees with RFC 3987's
    # for this host); the document names it by its IRI.
    assert f'<{iri_to_uri(iri)}>; rel="describes"' in reply.headers["Link"]
    assert rdflib.URIRef(iri) in set(parse_rdf(reply.body, reply.media_type).subjects())


@pytest.mark.parametrize("slug", SLUGS)
def test_page_and_negotiated_document_of_a_thing_outside_ascii_answer_200(server, slug):
    page = fetch(f"{server}page/{quote(slug)}")
    assert page.status == 200 and page.media_type == "text/html"
    ascii_headers(page)
    negotiated = fetch(f"{server}data/{quote(slug)}", {"Accept": "application/n-triples"})
    assert negotiated.status == 200
    ascii_headers(negotiated)
    assert negotiated.headers["Content-Location"] == f"/data/{quote(slug)}.nt"


@pytest.mark.browser
def test_a_browser_given_the_iri_of_a_thing_reaches_its_page(server):
    # Chromium maps the IRI to its URI itself (as RFC 3987 section 3.1 says a client does).
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            response = page.goto(f"{server}id/{SLUGS[0]}")
            assert response.status == 200
            assert page.url == f"{server}page/{quote(SLUGS[0])}"
            assert page.locator("h1").first.inner_text() == "Fundacja Łódź Przykład"
        finally:
            browser.close()


def test_the_uri_form_in_lower_case_hex_is_the_same_thing(server):
    # RFC 3986 section 6.2.2.1: percent-encodings are equivalent whatever the case of the hex.
    slug = SLUGS[0]
    upper = fetch(f"{server}data/{quote(slug)}.ttl")
    lower = fetch(f"{server}data/{quote(slug).lower()}.ttl")
    assert upper.status == lower.status == 200 and upper.body == lower.body


def test_raw_utf8_in_the_request_line_is_a_bad_request_not_a_500(server):
    # RFC 9112 section 3.2: the request target is ASCII; clients send the URI form.
    import socket
    from urllib.parse import urlsplit

    where = urlsplit(server)
    with socket.create_connection((where.hostname, where.port), timeout=10) as s:
        s.sendall(
            b"GET /id/" + SLUGS[0].encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        status = s.recv(64).split(b" ", 2)[1]
    assert status == b"400"


# -- huge literals and MemoryError ------------------------------------------------------------


def doubling(times: int, seed: str = "x" * 17) -> str:
    """A one-row SELECT of a literal of len(seed) * 2**times characters."""
    binds = " ".join(f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(times))
    return f'SELECT ?v{times} WHERE {{ BIND("{seed}" AS ?v0) {binds} }}'


@pytest.mark.parametrize(
    "accept",
    ["application/sparql-results+json", "application/sparql-results+xml", "text/csv"],
)
def test_a_literal_past_the_parser_buffer_is_cut_in_every_result_format(server, accept):
    # 17 MiB: below the byte cap (64 MiB), above the 16 MiB pyoxigraph's parsers read; only TSV,
    # which is not re-read, can carry it.
    status, headers, body = http(
        "POST", server + "sparql", doubling(20), {**QUERY, "Accept": accept}
    )
    assert status == 200, body[:300]
    assert headers["frkg-results-truncated"] == "0"
    assert b"xxxxxxxx" not in body


def test_the_same_literal_is_kept_in_tsv(server):
    status, headers, body = http(
        "POST", server + "sparql", doubling(20), {**QUERY, "Accept": "text/tab-separated-values"}
    )
    assert status == 200 and "frkg-results-truncated" not in headers
    assert len(body) > 17 * 2**20


def test_a_triple_past_the_parser_buffer_is_cut_in_turtle_and_kept_in_ntriples(server):
    select = doubling(20)
    construct = "CONSTRUCT { <urn:x:s> <urn:x:p> ?v20 } WHERE" + select.split("WHERE", 1)[1]
    status, headers, body = http(
        "POST", server + "sparql", construct, {**QUERY, "Accept": "text/turtle"}
    )
    assert status == 200 and headers["frkg-results-truncated"] == "0"
    status, headers, body = http(
        "POST", server + "sparql", construct, {**QUERY, "Accept": "application/n-triples"}
    )
    assert status == 200 and len(body) > 17 * 2**20


@pytest.mark.parametrize("suffix", ["ttl", "nt", "jsonld", "rdf", "nq", "trig"])
def test_documents_with_a_huge_literal_answer_whole(server, suffix):
    reply = fetch(f"{server}data/{HUGE}.{suffix}")
    assert reply.status == 200 and reply.body.count(b"y" * 1024) >= HUGE_SIZE // 1024


def test_page_with_a_huge_literal_answers_whole(server):
    reply = fetch(f"{server}page/{HUGE}")
    assert reply.status == 200
    # shown on the page and in its embedded JSON-LD
    assert reply.body.count(b"y" * 1024) >= 2 * (HUGE_SIZE // 1024)


def test_a_literal_past_the_parser_buffer_in_a_data_file_is_a_load_error(tmp_path):
    big = tmp_path / "big.ttl"
    big.write_text(f'<{CANONICAL_ID}big> <urn:x:p> "{"z" * (17 * 2**20)}" .\n', encoding="utf-8")
    result = frkg_command("stats", "--data", str(big), "--shapes", str(FIXTURES / "empty"))
    assert result.returncode == 2, result.stderr
    assert "a term is longer than the parser can read" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture()
def tight_memory(server):
    """Limit the server worker process (not its query workers, forked before) to its present
    address space plus 40 MiB, and lift the limit afterwards."""
    from urllib.parse import urlsplit

    port = urlsplit(server).port
    worker = serving_worker(port)
    resource.prlimit(worker, resource.RLIMIT_AS, (address_space(worker) + 40 * 2**20, -1))
    try:
        yield worker
    finally:
        resource.prlimit(worker, resource.RLIMIT_AS, (-1, -1))


def serving_worker(port: int) -> int:
    """The pid of the gunicorn worker listening on ``port`` (a child of the `frkg serve` master,
    which `running_server` started with --workers 1)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in cmdline and str(port).encode() in cmdline:
            children = (proc / "task" / proc.name / "children").read_text().split()
            return int(children[0])
    raise AssertionError(f"no frkg serve on port {port}")


def address_space(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmSize")


def descendants(pid: int) -> list[int]:
    children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return children + [d for c in children for d in descendants(c)]


def test_memory_error_on_a_page_is_503_with_retry_after(server, tight_memory):
    reply = fetch(f"{server}page/{HUGE}", {"Accept": "text/plain"})
    assert reply.status == 503, reply.body[:300]
    assert reply.headers["Retry-After"] == "10"
    assert b"not enough memory" in reply.body and b"Traceback" not in reply.body
    assert fetch(f"{server}page/ada-example").status == 200  # the next request is served


def test_memory_error_receiving_a_sparql_answer_is_503_and_frees_its_query_worker(
    server, tight_memory
):
    before = descendants(tight_memory)
    # 136 MiB of TSV: the query worker (its own ceiling) makes it, this process cannot take it.
    status, headers, body = http(
        "POST", server + "sparql", doubling(23), {**QUERY, "Accept": "text/tab-separated-values"}
    )
    assert status == 503 and headers["retry-after"] == "10", body[:300]
    assert b"not enough memory" in body  # this process's, not "the query needed more"
    # The worker whose answer could not be read is killed, not left running outside the pool.
    deadline = time.monotonic() + 10
    while len(descendants(tight_memory)) >= len(before) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(descendants(tight_memory)) == len(before) - 1
    status, _, _ = http("POST", server + "sparql", "ASK {}", {**QUERY, "Accept": "text/csv"})
    assert status == 200


# -- error bodies: escaped for their syntax, or no echo at all --------------------------------

#: A slug that tries to end an XML comment and add an element, start a line, and carry controls
#: (%01, U+202E). (No "/": a %2F would not route to the view at all.)
HOSTILE_SLUG = 'x--->\n# injected\r<evil attr="1"><!--\x01\u202e-'


@pytest.mark.parametrize("suffix", ["rdf", "ttl", "nt", "nq", "trig"])
def test_rdf_404_keeps_the_echoed_iri_inside_one_comment(server, suffix):
    reply = fetch(f"{server}data/{quote(HOSTILE_SLUG, safe='')}.{suffix}")
    assert reply.status == 404
    if suffix == "rdf":
        document = xml.dom.minidom.parseString(reply.body)  # well-formed XML
        comments = [n for n in document.childNodes if n.nodeType == n.COMMENT_NODE]
        elements = [n for n in document.childNodes if n.nodeType == n.ELEMENT_NODE]
        assert [e.tagName for e in elements] == ["rdf:RDF"] and not elements[0].childNodes
        assert len(comments) == 1 and "--" not in comments[0].data
    else:
        lines = reply.text.splitlines()
        assert len(lines) == 1 and lines[0].startswith("# ")
    assert len(parse_rdf(reply.body, reply.media_type)) == 0


@pytest.mark.parametrize(
    "path, shown",
    [
        (f"page/{quote(HOSTILE_SLUG, safe='')}", b"&lt;evil attr=&#34;1&#34;&gt;"),
        ("browse/<b>hostile<b>", b"&lt;b&gt;hostile"),
        ("page/ada-example/links?property=<b>hostile</b>", b"&lt;b&gt;hostile"),
        ("id/ada-example?format=<b>hostile</b>", b"&lt;b&gt;hostile"),
    ],
)
def test_html_error_pages_show_what_they_echo_as_text(server, path, shown):
    reply = fetch(server + path, {"Accept": "text/html"})
    assert 400 <= reply.status < 500 and reply.media_type == "text/html"
    assert b"<b>" not in reply.body and b"<evil" not in reply.body
    assert shown in reply.body


def test_json_errors_carry_what_they_echo_as_data(server):
    reply = fetch(f"{server}browse/%22%7D%3Cb%3E", {"Accept": "application/json"})
    assert reply.status == 404 and reply.media_type == "application/json"
    assert '"}<b>' in json.loads(reply.body)["error"]["message"]


MARKER = "marker-7f3a"


@pytest.mark.parametrize(
    "method, path, headers, body",
    [
        ("GET", f"dumps/{MARKER}.nt", {}, None),  # a dump's name
        ("GET", f"data/ada-example.{MARKER}", {}, None),  # a format suffix
        ("GET", f"ontology/{MARKER}", {}, None),  # an ontology version
        ("POST", "sparql", {**QUERY, "Accept": f"application/{MARKER}"}, "ASK {}"),  # Accept
    ],
)
def test_errors_that_need_no_echo_do_not_echo(server, method, path, headers, body):
    status, _, answer = http(method, server + path, body, headers)
    assert 400 <= status < 500
    assert MARKER.encode() not in answer


# -- the public base comes from configuration, never from Host --------------------------------


def test_spoofed_host_is_nowhere_in_the_sparql_page(server):
    reply = fetch(server + "sparql", {**SPOOFING, "Accept": "text/html"})
    assert reply.status == 200
    assert SPOOF.encode() not in reply.body
    page = parse_html(reply.text)
    config = json.loads(dict(page.scripts)["application/json"])
    assert config["endpoint"] == "/sparql"  # a path: the browser resolves it
    assert f"<code>{server}sparql</code>" in reply.text  # the configured endpoint


def test_slash_redirect_is_a_path_whatever_the_host_says(server):
    reply = fetch(server + "page//ada-example", SPOOFING)
    assert reply.status == 308
    assert reply.headers["Location"] == "/page/ada-example"
    assert SPOOF.encode() not in reply.body


@pytest.mark.parametrize(
    "path",
    [
        "",
        "id/ada-example",
        "data/ada-example",
        "page/ada-example",
        "page//ada-example",
        "void",
        "ontology",
        "shapes",
        "sparql",
        "browse",
        "search?q=ada",
        "sitemap.xml",
        "robots.txt",
        "no/such/path",
    ],
)
@pytest.mark.parametrize("accept", ["text/html", "text/turtle", "application/json"])
def test_no_answer_carries_a_spoofed_host(server, path, accept):
    reply = fetch(server + path, {**SPOOFING, "Accept": accept})
    assert reply.status < 500
    assert SPOOF not in str(reply.headers) and SPOOF.encode() not in reply.text.encode()


# -- SCRIPT_NAME and X-Forwarded-*: trusted only from configured proxies ----------------------


def test_client_sent_script_name_moves_nothing_by_default(server):
    reply = fetch(server + "id/ada-example", {"SCRIPT_NAME": "/elsewhere"})
    assert reply.status == 303 and reply.headers["Location"] == "/data/ada-example.ttl"
    moved = fetch(server + "elsewhere/id/ada-example", {"SCRIPT_NAME": "/elsewhere"})
    assert moved.status == 404


@pytest.fixture(scope="module")
def behind_a_proxy() -> str:
    """A server that trusts 127.0.0.1 as its front proxy."""
    env = {"FRKG_FORWARDED_ALLOW_IPS": "127.0.0.1"}
    with running_server(*fixture_server_args(WEB_FIXTURES), env=env) as url:
        yield url


def test_a_configured_proxy_may_mount_the_site_under_a_path(behind_a_proxy):
    reply = fetch(behind_a_proxy + "mounted/id/ada-example", {"SCRIPT_NAME": "/mounted"})
    assert reply.status == 303 and reply.headers["Location"] == "/mounted/data/ada-example.ttl"


def test_forwarded_allow_ips_must_name_addresses():
    with pytest.raises(ValueError, match="FRKG_FORWARDED_ALLOW_IPS: 'proxy' is not an IP"):
        Settings.from_env({"FRKG_FORWARDED_ALLOW_IPS": "10.0.0.1,proxy"})
    assert Settings.from_env({"FRKG_FORWARDED_ALLOW_IPS": "10.0.0.0/8, ::1,*"})


# -- the response cache ------------------------------------------------------------------------


def cache_state(server: str) -> dict:
    return json.loads(fetch(server + "health").body)["response_cache"]


def test_unknown_query_parameters_create_no_cache_entries(server):
    page = f"{server}page/example-rights-group"
    for _ in range(3):
        assert fetch(page).status == 200  # kept the second time, replayed the third
    before = cache_state(server)
    assert before["entries"] >= 1
    for i in range(40):
        for _ in range(2):  # twice each: what the cache would keep
            assert fetch(f"{page}?x={i}").status == 200
    after = cache_state(server)
    assert after["entries"] == before["entries"]
    fetch(page)
    assert cache_state(server)["hits"] == after["hits"] + 1  # the page is still kept


def test_known_parameters_in_another_order_are_one_cache_entry(server):
    links = f"{server}page/ada-example/links"
    first, second = (
        f"{links}?property=http://xmlns.com/foaf/0.1/name&direction=out&page=1",
        f"{links}?page=1&direction=out&property=http%3A%2F%2Fxmlns.com%2Ffoaf%2F0.1%2Fname",
    )
    before = cache_state(server)
    assert fetch(first).status == 200
    assert fetch(second).status == 200  # the same request: now kept
    assert cache_state(server)["entries"] == before["entries"] + 1


# -- the query page's CSP ----------------------------------------------------------------------

YASGUI = ROOT / "src" / "frkg" / "web" / "static" / "vendor" / "yasgui-4.6.2" / "yasgui.min.js"


def test_each_allowed_inline_style_is_a_text_the_vendored_yasgui_writes():
    bundle = YASGUI.read_text(encoding="utf-8")
    start = bundle.index("r.createStyle(a,`") + len("r.createStyle(a,`")
    resizer = bundle[start : bundle.index("`", start)]  # column-resizer's stylesheet
    cursor = "*{cursor:`+n.opt.dragCursor+`!important}"  # dragCursor is col-resize by default
    assert cursor in bundle and "dragCursor:`col-resize`" in bundle
    underline = "<strong style='text-decoration:underline'>"
    assert underline in bundle
    texts = (resizer, "*{cursor:col-resize!important}", "text-decoration:underline")
    hashes = tuple(
        "'sha256-" + base64.b64encode(hashlib.sha256(t.encode()).digest()).decode() + "'"
        for t in texts
    )
    assert hashes == YASGUI_STYLE_HASHES
    assert all(h in QUERY_PAGE_CSP for h in hashes) and "unsafe-inline" not in QUERY_PAGE_CSP
    # the only <style> YASGUI makes is column-resizer's: those two, and a third only for a
    # hover cursor other than its default, which YASR does not set
    assert bundle.count("createElement(`style`)") == 1
    assert bundle.count(".createStyle(") == 3
    assert "e.hoverCursor&&e.hoverCursor!==`col-resize`" in bundle
    assert "hoverCursor:`col-resize`" in bundle
