"""Shared fixtures: the repository's data, an in-process app, and real servers on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from frkg import store
from frkg.config import Settings
from frkg.web import create_app

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def repo_settings(**overrides) -> Settings:
    """Settings for the repository's own ontology, data and shapes (environment ignored)."""
    paths = {
        "ontology": [str(ROOT / "ontology")],
        "data": [str(ROOT / "data")],
        "shapes": [str(ROOT / "shapes")],
    }
    return Settings.from_env({}, **{**paths, **overrides})


@pytest.fixture(scope="session")
def kg() -> store.KnowledgeGraph:
    """The repository's knowledge graph, loaded once, under the canonical base."""
    return store.load(repo_settings(base_iri="https://w3id.org/frkg/"))


@pytest.fixture(scope="session")
def app(kg):
    """The Flask app over the repository's data (canonical base)."""
    return create_app(repo_settings(base_iri=kg.base), kg)


@pytest.fixture()
def client(app):
    """Flask's test client, for checks that need no socket."""
    return app.test_client()


def free_port() -> int:
    """A port nothing listens on right now (ephemeral range; avoids browsers' bad ports)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> Iterator[str]:
    """Run ``frkg serve`` as a real subprocess on a free port; yield its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    cmd = [
        sys.executable,
        "-m",
        "frkg",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        *args,
    ]
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("FRKG_")}
    child_env.update(env or {})
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=child_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}:\n{proc.stdout.read()}")
            try:
                with urllib.request.urlopen(url + "health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not answer /health in time") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """The repository's data served by ``frkg serve`` on 127.0.0.1 (base = its own URL)."""
    with running_server() as url:
        yield url


# -- SPARQL endpoint: a server over the small fixture dataset, with short limits -----------------

SPARQL_FIXTURE = FIXTURES / "sparql"
PROTOCOL_FIXTURE = FIXTURES / "protocol"  # the W3C protocol suite's data1..data3 graphs
SPARQL_LIMITS = {
    "FRKG_SPARQL_TIMEOUT": "2",
    "FRKG_SPARQL_RESULT_CAP": "100",
    "FRKG_SPARQL_MAX_CONCURRENT": "2",
}


def fixture_server_args(*data: Path) -> list[str]:
    """`frkg serve` flags for the repository ontology plus ``data``, and no shapes."""
    args = ["--shapes", str(FIXTURES / "empty")]
    for path in data or (SPARQL_FIXTURE,):
        args += ["--data", str(path)]
    return args


@pytest.fixture(scope="session")
def sparql_server() -> Iterator[str]:
    """``frkg serve`` over tests/fixtures/{sparql,protocol}: 2 s timeout, 100-row cap, 2 slots."""
    args = fixture_server_args(SPARQL_FIXTURE, PROTOCOL_FIXTURE)
    with running_server(*args, env=SPARQL_LIMITS) as url:
        yield url


def http(
    method: str, url: str, body: bytes | str | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One raw HTTP request (no header added but Host and Content-Length): status, headers, body."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        data = body.encode("utf-8") if isinstance(body, str) else body
        conn.request(method, path, body=data, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()
