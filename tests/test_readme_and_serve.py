"""docs/urls-and-formats.md's curl examples run against a live server; `frkg serve` says what it
loaded and where."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest
import rdflib
from rdflib.compare import isomorphic

from frkg.formats import RDF_FORMATS

from conftest import ROOT, WEB_FIXTURES, answers, free_port, wait_until_listening
from doc_examples import RUN_COMMANDS, page_commands
from http_helpers import fetch, parse_html, parse_rdf

DOCS_BASE = "http://127.0.0.1:8000/"
PAGE = "docs/urls-and-formats.md"


def curl_commands() -> list[str]:
    return page_commands(PAGE, "curl ")


def test_the_page_documents_curl_examples():
    commands = curl_commands()
    assert len(commands) == RUN_COMMANDS[PAGE, "curl "]
    assert any("-L -H 'Accept: text/turtle'" in c and "/id/" in c for c in commands)


@pytest.mark.parametrize("command", curl_commands())
def test_docs_curl_example_works_against_a_live_server(live_server, command):
    args = shlex.split(command.replace(DOCS_BASE, live_server))
    # --fail makes an HTTP error a non-zero exit; the content type goes to stderr.
    args += ["--silent", "--show-error", "--fail", "--write-out", "%{stderr}%{content_type}"]
    result = subprocess.run(args, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    if "-i" in args:
        head = result.stdout.decode().split("\r\n\r\n")[0]
        assert head.startswith("HTTP/1.1 303")
        assert re.search(r"^Location: /page/frkg\r?$", head, flags=re.M | re.I)
        assert re.search(r"^Vary: .*Accept", head, flags=re.M | re.I)
        return
    media_type = result.stderr.decode().split(";")[0].strip()
    assert media_type in {f.media_type for f in RDF_FORMATS}
    graph = parse_rdf(result.stdout, media_type)
    subject = live_server + ("ontology" if "/ontology" in command else "id/frkg")
    assert (rdflib.URIRef(subject), None, None) in graph


def test_serve_prints_each_file_and_the_url_to_open_even_under_the_canonical_base(tmp_path):
    port = free_port()
    data = sorted(WEB_FIXTURES.glob("*.ttl"))
    cmd = [sys.executable, "-m", "frkg", "serve", "--port", str(port), "--workers", "1"]
    cmd += ["--base-iri", "https://w3id.org/frkg/", "--shapes", str(tmp_path)]
    cmd += ["--ontology", str(ROOT / "ontology" / "frkg.ttl")]
    for path in data:
        cmd += ["--data", str(path)]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    lines: list[str] = []
    try:
        while not (lines and lines[-1].startswith("serving at")):
            line = proc.stderr.readline()
            assert line, f"serve stopped early: {lines}"
            lines.append(line.rstrip("\n"))
        url = f"http://127.0.0.1:{port}/"
        loaded = [line for line in lines if line.startswith("loaded ")]
        assert len(loaded) == 1 + len(data)
        for path in data:
            assert any(f"loaded {path} (data): " in line for line in loaded)
        assert "publishing IRIs under https://w3id.org/frkg/" in lines
        assert lines[-1].startswith(f"serving at {url} ")
        wait_until_listening(proc, port, "frkg serve", ready=lambda: answers(url))

        # RDF keeps the canonical IRIs; redirects and page links stay on this server.
        reply = fetch(url + "id/ada-example", {"Accept": "text/turtle"})
        assert (reply.status, reply.headers["Location"]) == (303, "/data/ada-example.ttl")
        graph = parse_rdf(fetch(url + "data/ada-example.ttl").body, "text/turtle")
        assert (rdflib.URIRef("https://w3id.org/frkg/id/ada-example"), None, None) in graph
        page = parse_html(fetch(url + "page/ada-example").text)
        links = [a["href"] for a in page.attrs("a") if "/page/" in a.get("href", "")]
        assert links and all(h.startswith("/page/") for h in links)
        assert fetch(url + links[0].lstrip("/")).status == 200

        # The ontology served is the ontology file, triple for triple (rdflib as the reference).
        served = parse_rdf(fetch(url + "ontology.ttl").body, "text/turtle")
        reference = rdflib.Graph().parse(ROOT / "ontology" / "frkg.ttl", format="turtle")
        assert isomorphic(served, reference)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()
