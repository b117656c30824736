"""Plain HTTP for the tests: one request, no redirect followed, no decoding; and HTML parsing."""

from __future__ import annotations

import gzip
import http.client
import json
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import rdflib


@dataclass
class Reply:
    """What the server sent: status, headers and the raw body."""

    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        """The body as UTF-8 text (gunzipped when it was sent gzip-encoded)."""
        body = self.body
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return body.decode("utf-8")

    @property
    def media_type(self) -> str:
        """The Content-Type without parameters."""
        return (self.headers.get("Content-Type") or "").split(";")[0].strip()

    def vary(self) -> set[str]:
        """The header names in Vary, lower-cased."""
        return {v.strip().lower() for v in (self.headers.get("Vary") or "").split(",") if v.strip()}


def fetch(
    url: str, headers: dict[str, str] | None = None, method: str = "GET", body: bytes | None = None
) -> Reply:
    """One HTTP request to a 127.0.0.1 server; redirects are returned, not followed."""
    parts = urlsplit(url)
    assert parts.hostname == "127.0.0.1", url
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return Reply(response.status, response.msg, response.read())
    finally:
        conn.close()


def follow(url: str, headers: dict[str, str] | None = None, limit: int = 5) -> tuple[str, Reply]:
    """Follow redirects like a client does; returns the final URL and reply."""
    for _ in range(limit):
        reply = fetch(url, headers)
        if reply.status not in (301, 302, 303, 307, 308):
            return url, reply
        url = urljoin(url, reply.headers["Location"])
    raise AssertionError(f"too many redirects from {url}")


@dataclass
class Page:
    """The parts of an HTML page the tests look at."""

    elements: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    scripts: list[tuple[str, str]] = field(default_factory=list)
    texts: dict[str, list[str]] = field(default_factory=dict)
    all_text: list[str] = field(default_factory=list)

    def attrs(self, tag: str) -> list[dict[str, str]]:
        """The attributes of every ``tag`` element."""
        return [a for t, a in self.elements if t == tag]

    def ids(self) -> set[str]:
        """Every id attribute on the page."""
        return {a["id"] for _, a in self.elements if "id" in a}

    def text(self) -> str:
        """All text content (scripts excluded), joined."""
        return "".join(self.all_text)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._stack: list[str] = []
        self._script: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        self.page.elements.append((tag, attributes))
        if tag == "script":
            self._script = (attributes.get("type", ""), [])
        elif tag not in ("meta", "link", "br", "img", "input"):
            self._stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.page.scripts.append((self._script[0], "".join(self._script[1])))
            self._script = None
        elif tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass

    def handle_data(self, data):
        if self._script is not None:
            self._script[1].append(data)
            return
        self.page.all_text.append(data)
        for tag in set(self._stack):
            self.page.texts.setdefault(tag, []).append(data)


def parse_html(text: str) -> Page:
    """Parse ``text`` with the standard library's HTML parser."""
    parser = _Parser()
    parser.feed(text)
    parser.close()
    return parser.page


@contextmanager
def rdflib_quiet():
    """Silence the deprecation warnings rdflib raises about its own internals while parsing.

    rdflib 7's JSON-LD, N-Quads and TriG parsers build a ConjunctiveGraph and use
    Dataset.default_context internally, and warn about both; the warnings are rdflib's, not
    ours, so they are silenced around rdflib's parsing here and only here.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        yield


def parse_rdf(body: bytes | str, media_type: str) -> rdflib.Graph:
    """Parse with rdflib (the reference parser); a dataset syntax's graphs are merged."""
    with rdflib_quiet():
        if media_type in ("application/n-quads", "application/trig"):
            dataset = rdflib.Dataset()
            dataset.parse(data=body, format=media_type)
            graph = rdflib.Graph()
            for s, p, o, _ in dataset.quads((None, None, None, None)):
                graph.add((s, p, o))
            return graph
        return rdflib.Graph().parse(data=body, format=media_type)


def sparql_select(server: str, query: str) -> list[dict]:
    """The JSON bindings ``server``'s /sparql answers ``query`` with, sent by POST directly
    (SPARQL 1.1 Protocol section 2.1.3), so a long query never meets a URL length limit."""
    reply = fetch(
        server + "sparql",
        {
            "Accept": "application/sparql-results+json",
            "Content-Type": "application/sparql-query; charset=utf-8",
        },
        method="POST",
        body=query.encode("utf-8"),
    )
    assert reply.status == 200, reply.text
    return json.loads(reply.text)["results"]["bindings"]
