"""/health over real HTTP: 200 with the data version and counts once loaded, 503 while loading;
/health/live answers while loading, /health/ready only once loaded.

Loading is observable through :mod:`frkg.web.loading`: a WSGI app that answers 503 until the
knowledge graph is loaded in a background thread. Here the loader waits on an event the test
holds, so the 503 is seen for certain (no timing involved), over a real socket on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

from frkg.store import LoadError
from frkg.web import create_app
from frkg.web.loading import LoadingApp

from conftest import ROOT, WEB_FIXTURES, free_port, repo_settings, serving, wait_until_listening
from http_helpers import fetch


def test_health_says_ok_with_the_data_version_and_counts(live_server, repo_kg):
    reply = fetch(live_server + "health")
    assert reply.status == 200 and reply.media_type == "application/json"
    body = json.loads(reply.body)
    assert body["status"] == "ok"
    assert body["version"] == repo_kg.version  # the same data, the same version
    assert body["loaded_file_triples"] == repo_kg.triple_count
    # What the endpoint holds, split as VoID splits it (tests/test_interop_truth.py checks both)
    assert body["triples"] == sum(body["parts"].values())
    assert body["dataset"]["version"] == "0.1.0"  # owl:versionInfo of data/dataset.ttl
    void = fetch(live_server + "void.ttl").text
    assert f"void:triples {body['dataset']['triples']}" in void
    assert f"void:entities {body['dataset']['entities']}" in void
    assert reply.headers["Cache-Control"] == "no-store"


def fixture_settings(tmp_path):
    data = [str(p) for p in sorted(WEB_FIXTURES.glob("*.ttl"))]
    return repo_settings(data=data, shapes=[str(tmp_path)])


def test_while_loading_every_request_gets_503_then_the_app_answers(tmp_path):
    release = threading.Event()
    settings = fixture_settings(tmp_path)

    def build():
        assert release.wait(timeout=60), "the test never released the loader"
        return create_app(settings)

    app = LoadingApp(build)
    with serving(app) as url:
        health = fetch(url + "health")
        assert health.status == 503 and health.headers["Retry-After"] == "5"
        body = json.loads(health.body)
        assert body["status"] == "loading" and body["seconds"] >= 0
        assert health.headers["Cache-Control"] == "no-store"
        for path in ("", "page/ada-example", "dumps/frkg.ttl", "search?q=ada"):
            reply = fetch(url + path, {"Accept": "text/html"})
            assert reply.status == 503 and "loading" in reply.text, path
            assert reply.headers["Retry-After"] == "5"
        live, ready = fetch(url + "health/live"), fetch(url + "health/ready")
        assert live.status == 200 and json.loads(live.body)["status"] == "loading"
        assert ready.status == 503 and json.loads(ready.body)["status"] == "loading"
        assert app.state == "loading"
        release.set()
        assert app.wait(timeout=60) and app.state == "ready"
        ready = fetch(url + "health")
        assert ready.status == 200 and json.loads(ready.body)["status"] == "ok"
        assert fetch(url + "page/ada-example", {"Accept": "text/html"}).status == 200
        assert fetch(url + "health/live").status == fetch(url + "health/ready").status == 200


def test_a_failed_load_keeps_answering_503_and_says_why(tmp_path, caplog):
    def build():
        raise LoadError(tmp_path / "broken.ttl", "syntax error: expected '.'", 3, 7)

    app = LoadingApp(build)
    assert app.wait(timeout=60) and app.state == "failed"
    with serving(app) as url:
        reply = fetch(url + "health")
        assert reply.status == 503
        body = json.loads(reply.body)
        assert body["status"] == "failed"
        assert body["error"].endswith("broken.ttl:3:7: syntax error: expected '.'")
        page = fetch(url, {"Accept": "text/html"})
        assert page.status == 503 and "could not be loaded" in page.text
        # Not live either: a process whose data will not load needs restarting.
        assert fetch(url + "health/live").status == fetch(url + "health/ready").status == 503
    assert "could not be loaded" in caplog.text


@pytest.mark.slow
def test_gunicorn_serves_the_background_app_from_the_docs(tmp_path):
    """docs/discovery.md's command: the port answers at once, 503 until loaded, then 200."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRKG_")}
    env.update(
        FRKG_DATA=os.pathsep.join(str(p) for p in sorted(WEB_FIXTURES.glob("*.ttl"))),
        FRKG_SHAPES=str(tmp_path),
        FRKG_BASE_IRI=f"http://127.0.0.1:{port}/",
    )
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        "gthread",
        "--threads",
        "4",
        "frkg.web.loading:background_app()",
    ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    seen: list[tuple[int, str]] = []

    def loaded() -> bool:
        reply = fetch(f"http://127.0.0.1:{port}/health")
        seen.append((reply.status, json.loads(reply.body)["status"]))
        return reply.status == 200

    try:
        wait_until_listening(proc, port, "gunicorn", timeout=60, ready=loaded)
        assert seen and seen[-1] == (200, "ok")
        assert all(answer in ((503, "loading"), (200, "ok")) for answer in seen)
        page = fetch(f"http://127.0.0.1:{port}/page/ada-example", {"Accept": "text/html"})
        assert page.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()
