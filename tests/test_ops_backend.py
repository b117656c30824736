"""The backend failing and coming back: ``frkg serve --sparql-endpoint`` over the tests' own
Virtuoso (tests/virtuoso_server.py), stopped in the middle of a bounded load and started again.

While it is down: pages kept in the response cache still answer 200; others answer at once
503 with ``Retry-After`` (RFC 9110 section 15.6.4) and a page saying the data backend is not
answering, never a 500 nor a wait past ``FRKG_BACKEND_TIMEOUT``; the circuit breaker stops
asking it; ``/health/ready`` is 503 and ``/health`` says degraded. Once it is back, everything
answers again, without a restart.
"""

from __future__ import annotations

import json
import time

import pytest

from ops_servers import Load, frkg_serve, get
from virtuoso_server import Virtuoso

pytestmark = pytest.mark.slow

HTML = {"Accept": "text/html"}
KEPT = ["page/thorn", "page/julie-cordua"]
NEVER_ASKED = ["page/amazon", "page/ashton-kutcher", "page/demi-moore", "page/hid-global"]
BACKEND_TIMEOUT = 2.0


@pytest.fixture(scope="module")
def backend(repo_nquads, tmp_path_factory):
    with Virtuoso(tmp_path_factory.mktemp("ops-virtuoso")) as server:
        server.load([repo_nquads], "urn:x-frkg:unused")
        server.sql("checkpoint;\n")  # on disk: a restart finds the data again
        yield server


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.2)


def test_backend_stopped_mid_load_then_started_again(backend, tmp_path):
    env = {"FRKG_BACKEND_TIMEOUT": str(BACKEND_TIMEOUT)}
    args = ("--sparql-endpoint", backend.endpoint, "--workers", "1")
    with frkg_serve(*args, env=env, log=tmp_path / "serve.log") as served:
        for path in KEPT:  # asked twice: kept in the (one) worker's response cache
            for _ in range(2):
                assert get(served.url + path, HTML)[0] == 200
        with Load(served.url, KEPT, clients=2) as load:
            time.sleep(1)
            backend.stop()
            for path in NEVER_ASKED:
                started = time.monotonic()
                status, headers, body = get(served.url + path, HTML)
                assert time.monotonic() - started < BACKEND_TIMEOUT + 1
                assert status == 503, (path, status, body[:300])
                assert headers["retry-after"].isdigit()
                assert headers["content-type"].startswith("text/html")
                assert b"data backend did not answer" in body
            status, headers, body = get(served.url + "health/ready")
            assert status == 503 and headers["retry-after"].isdigit()
            state = json.loads(body)["backend"]
            assert state["up"] is False and state["breaker"] == "open"
            health = json.loads(get(served.url + "health")[2])
            assert health["status"] == "degraded" and "backend unreachable" in health["problems"]
            assert get(served.url + "health/live")[0] == 200  # alive: no restart needed
            metrics = get(served.url + "metrics")[2].decode()
            assert 'frkg_backend_up{backend="sparql"} 0.0' in metrics
            backend.restart()
            wait_for(lambda: get(served.url + "health/ready")[0] == 200, 30, "readiness")
            for path in NEVER_ASKED:
                assert get(served.url + path, HTML)[0] == 200, path
        # The kept pages answered all along, from the cache.
        assert set(load.statuses) == {200} and load.total > 20, load.statuses
        assert json.loads(get(served.url + "health")[2])["status"] == "ok"
        metrics = get(served.url + "metrics")[2].decode()
        assert 'frkg_backend_up{backend="sparql"} 1.0' in metrics
        assert "Traceback" not in served.output()
