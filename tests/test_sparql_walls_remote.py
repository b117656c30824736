"""`frkg serve --sparql-endpoint`: what reaches the remote endpoint is the checked query as the
parser writes it back, never the text a client sent (a real Virtuoso, behind a recording proxy
on 127.0.0.1 that keeps every query the server forwards)."""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from frkg import sparql_syntax

from conftest import FIXTURES, SPARQL_FIXTURE, SPARQL_LIMITS, frkg_command, http, running_server

pytestmark = pytest.mark.slow

DIRECT = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}


class Recorder:
    """An HTTP proxy to one SPARQL endpoint that records the form of every POST it forwards."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.forms: list[dict[str, list[str]]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server interface
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                recorder.forms.append(parse_qs(body.decode()))
                forwarded = urllib.request.Request(
                    recorder.target,
                    data=body,
                    headers={k: v for k, v in self.headers.items() if k.lower() != "host"},
                    method="POST",
                )
                try:
                    with urllib.request.urlopen(forwarded, timeout=30) as answer:
                        status, headers, data = answer.status, answer.headers, answer.read()
                except urllib.error.HTTPError as e:
                    status, headers, data = e.code, e.headers, e.read()
                self.send_response(status)
                for name in ("Content-Type", "X-SPARQL-MaxRows"):
                    if headers.get(name):
                        self.send_header(name, headers[name])
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def queries(self) -> list[str]:
        return [q for form in self.forms for q in form.get("query", [])]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def recorder(tmp_path_factory) -> Iterator[Recorder]:
    """A Virtuoso of this module's own (the session's holds other loads) with the fixture data,
    behind the recording proxy."""
    from virtuoso_server import Virtuoso

    folder = tmp_path_factory.mktemp("walls-remote")
    path: Path = folder / "fixture.nq"
    result = frkg_command(
        "load", "--nquads", str(path), "--data", str(SPARQL_FIXTURE),
        "--shapes", str(FIXTURES / "empty"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    with Virtuoso(folder / "virtuoso", max_query_seconds=10) as server:
        server.load([path], "urn:x-frkg:unused")
        proxy = Recorder(server.endpoint)
        yield proxy
        proxy.close()


@pytest.fixture(scope="module")
def remote_server(recorder) -> Iterator[str]:
    with running_server("--sparql-endpoint", recorder.url, env=SPARQL_LIMITS) as url:
        yield url


HIDDEN_FROM = [
    # FROM behind `<` and a comment: the old check saw no FROM, Virtuoso got it as sent
    'SELECT (1 <?b#>""" AS ?x)\nAS ?x) FROM <http://e/g> WHERE { ?s ?p ?o }\n#""" AS ?x) { }',
    # FROM glued to ASK: one word to the grammar, two to pyoxigraph
    "ASKFROM<http://e/g>{ ?s ?p ?o }",
]


@pytest.mark.parametrize("query", HIDDEN_FROM, ids=["less-than-comment", "glued"])
def test_hidden_from_never_reaches_the_remote_endpoint(remote_server, recorder, query):
    before = len(recorder.forms)
    status, _, body = http("POST", remote_server + "sparql", query, DIRECT)
    assert status == 400 and b"Syntax error" in body
    assert recorder.forms[before:] == []  # refused before anything was sent


def test_the_endpoint_gets_the_query_written_back_and_the_dataset_as_parameters(
    remote_server, recorder
):
    query = (
        "# a comment the endpoint never sees\n"
        "SELECT ?o FROM <http://e/not-a-graph-of-the-dataset> WHERE { ?s ?p ?o } LIMIT 1"
    )
    before = len(recorder.forms)
    status, _, body = http("POST", remote_server + "sparql", query, DIRECT)
    assert status == 200, body
    (form,) = recorder.forms[before:]
    (sent,) = form["query"]
    assert "#" not in sent and "FROM" not in sent
    assert sent.endswith("SELECT ?o WHERE { ?s ?p ?o } LIMIT 1")
    # The FROM graph is not one of the dataset's: it is sent as the graph nothing holds.
    assert form["default-graph-uri"] == ["urn:x-frkg:no-graph"]


def test_every_query_the_server_forwards_is_written_back_text(remote_server, recorder):
    http("GET", remote_server + "void")  # pages query the endpoint too
    sent = recorder.queries()
    assert sent
    for text in sent:
        # Written back already: one line, and writing it back again changes nothing.
        assert "\n" not in text and sparql_syntax.parse(text).text() == text, text
