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
GOOD_FIXTURES = FIXTURES / "good"


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
