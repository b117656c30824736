"""Real linked-data clients, driven from tests: Comunica 4, and the Accept headers each real
client sends, recorded live from the clients against a listener on 127.0.0.1 (never typed in).

:func:`record_accept_headers` starts a recorder, makes each client fetch from it once, and
returns client name -> (Accept header, query parameters). The recorder answers every request
with a small valid Turtle document, so that no client stops before it has sent its request.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
COMUNICA = ROOT / "node_modules" / ".bin" / "comunica-sparql"
CHROMIUM = "/usr/bin/chromium"

_TURTLE = b"<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n"


def comunica(sources: list[str], query: str, timeout: float = 180) -> list[dict]:
    """``query`` run by Comunica 4 over ``sources`` (URLs, ``sparql@`` hints allowed): its
    SPARQL JSON bindings."""
    assert shutil.which("node") and COMUNICA.exists(), "run scripts/setup.sh --test (npm ci)"
    result = subprocess.run(
        [str(COMUNICA), *sources, query, "-t", "application/sparql-results+json"],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)["results"]["bindings"]


def rows(bindings: list[dict], *names: str) -> list[tuple]:
    """SPARQL JSON bindings as sorted tuples of (type, value, datatype, language) per name."""

    def term(b: dict | None):
        if b is None:
            return None
        kind = "uri" if b["type"] == "uri" else b["type"].replace("typed-literal", "literal")
        datatype = b.get("datatype")
        if datatype == "http://www.w3.org/2001/XMLSchema#string":
            datatype = None
        if b.get("xml:lang"):
            datatype = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
        return (kind, b["value"] if kind != "bnode" else "_", datatype, b.get("xml:lang"))

    return sorted((tuple(term(b.get(n)) for n in names) for b in bindings), key=repr)


class _Recorder(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, dict]]

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        parts = urlsplit(self.path)
        client = parts.path.strip("/").split("/")[0]
        self.server.seen.append(  # type: ignore[attr-defined]
            (client, self.headers.get("Accept", ""), parse_qs(parts.query))
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/turtle")
        self.send_header("Content-Length", str(len(_TURTLE)))
        self.end_headers()
        self.wfile.write(_TURTLE)

    do_POST = do_GET  # noqa: N815

    def log_message(self, *args) -> None:
        pass


def _sparqlwrapper(url: str, return_format: str, accept: str | None = None) -> None:
    from SPARQLWrapper import SPARQLWrapper

    wrapper = SPARQLWrapper(url)
    wrapper.setQuery("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1")
    wrapper.setReturnFormat(return_format)
    if accept:
        # How SPARQLWrapper's users ask for one member of a family (its documented way to
        # send a header of their own): the family word still goes in format=/output=/results=.
        wrapper.addCustomHttpHeader("Accept", accept)
    try:
        wrapper.query()
    except Exception:  # noqa: BLE001 - only the request matters here, not the answer
        pass


def _chromium(url: str) -> None:
    from playwright.sync_api import sync_playwright

    from conftest import CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            browser.new_page().goto(url)
        finally:
            browser.close()


def record_accept_headers(with_browser: bool = True) -> dict[str, tuple[str, dict]]:
    """Client name -> (the Accept header it sent, its query parameters), recorded live."""
    import rdflib
    import requests
    from SPARQLWrapper import JSONLD, N3, RDFXML, TURTLE, XML

    from http_helpers import rdflib_quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        comunica([base + "comunica"], "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
        with rdflib_quiet():
            rdflib.Graph().parse(base + "rdflib-graph")
            rdflib.Dataset().parse(base + "rdflib-dataset")
        subprocess.run(["curl", "-s", "-o", "/dev/null", base + "curl"], check=True, timeout=30)
        requests.get(base + "python-requests", timeout=30)
        for name, fmt in (
            ("turtle", TURTLE),
            ("n3", N3),
            ("xml", XML),
            ("rdfxml", RDFXML),
            ("jsonld", JSONLD),
        ):
            _sparqlwrapper(base + f"sparqlwrapper-{name}", fmt)
        _sparqlwrapper(base + "sparqlwrapper-n3-ntriples", N3, "application/n-triples")
        if with_browser:
            _chromium(base + "chromium")
    finally:
        server.shutdown()
        server.server_close()
    recorded: dict[str, tuple[str, dict]] = {}
    for client, accept, params in server.seen:  # type: ignore[attr-defined]
        recorded.setdefault(client, (accept, params))
    return recorded
