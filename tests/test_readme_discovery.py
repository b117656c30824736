"""docs/discovery.md's commands run: curl against a live server, and `frkg stats` /
`frkg export` as written."""

from __future__ import annotations

import gzip
import json
import os
import shlex
import subprocess
import sys

import pytest
from rdflib.compare import isomorphic

from conftest import ROOT
from doc_examples import RUN_COMMANDS, page_commands
from http_helpers import fetch, parse_rdf

DOCS_BASE = "http://127.0.0.1:8000/"
PAGE = "docs/discovery.md"


def section_commands(prefix: str) -> list[str]:
    return page_commands(PAGE, prefix)


def test_the_page_documents_commands():
    assert len(section_commands("curl ")) == RUN_COMMANDS[PAGE, "curl "]
    assert len(section_commands("frkg ")) == RUN_COMMANDS[PAGE, "frkg "]
    assert section_commands("gunicorn ") == [
        "gunicorn --worker-class gthread --threads 8 'frkg.web.loading:background_app()'"
    ]


@pytest.mark.parametrize("command", section_commands("curl "))
def test_docs_curl_example_works(live_server, command, tmp_path):
    args = shlex.split(command.replace(DOCS_BASE, live_server))
    args += ["--silent", "--show-error", "--fail", "--write-out", "%{stderr}%{content_type}"]
    result = subprocess.run(args, capture_output=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    media_type = result.stderr.decode().split(";")[0].strip()
    body = result.stdout
    if "-O" in args:  # saved under the URL's file name
        (saved,) = tmp_path.iterdir()
        body = saved.read_bytes()
    # What the server answers at that URL when asked directly is what the command printed.
    url = next(a for a in args if a.startswith(live_server))
    accept = next((a.split(":", 1)[1].strip() for a in args if a.startswith("Accept:")), "*/*")
    direct = fetch(url, {"Accept": accept})
    assert direct.status == 200 and direct.media_type == media_type
    if media_type == "application/json":
        assert json.loads(body) == json.loads(direct.body)
    else:
        assert isomorphic(parse_rdf(body, media_type), parse_rdf(direct.body, media_type))


@pytest.mark.parametrize("command", section_commands("frkg "))
def test_docs_frkg_command_works(command, tmp_path, client):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRKG_")}
    env.update(
        FRKG_ONTOLOGY=str(ROOT / "ontology"),
        FRKG_DATA=str(ROOT / "data"),
        FRKG_SHAPES=str(ROOT / "shapes"),
    )
    for part in command.split(">")[0].split("&&"):  # `frkg load ... && frkg stats ...` in turn
        words = shlex.split(part)
        result = subprocess.run(
            [sys.executable, "-m", "frkg", *words[1:]],
            capture_output=True,
            timeout=120,
            cwd=tmp_path,
            env=env,
        )
        assert result.returncode == 0, result.stderr
    if words[1] == "stats":
        assert b"triples" in result.stdout and b"Entities nothing links to" in result.stdout
    elif "-o" in words:  # the dump the server offers, as a graph
        out = tmp_path / words[words.index("-o") + 1]
        nt = "application/n-triples"
        dump = gzip.decompress(client.get("/dumps/frkg.nt.gz").data)
        assert isomorphic(parse_rdf(gzip.decompress(out.read_bytes()), nt), parse_rdf(dump, nt))
    else:
        jsonld = "application/ld+json"
        dump = client.get("/dumps/frkg.jsonld").data
        assert isomorphic(parse_rdf(result.stdout, jsonld), parse_rdf(dump, jsonld))
