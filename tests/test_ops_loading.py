"""``frkg serve --listen-early``: the port answers at once, "loading" until the data is in,
so an orchestrator tells a slow start (live, not ready) from a dead process; a load that fails
stops the server with status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from conftest import ROOT, free_port
from ops_servers import get

pytestmark = pytest.mark.slow


def start(tmp_path, *args: str) -> tuple[subprocess.Popen, str, object]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRKG_")}
    log = (tmp_path / "serve.log").open("w")
    cmd = [sys.executable, "-m", "frkg", "serve", "--port", str(port), "--listen-early", *args]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}/", log


def test_listen_early_answers_loading_then_serves(tmp_path):
    proc, url, log = start(tmp_path, "--workers", "1")
    seen = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status, _, body = get(url + "health", timeout=5)
            if status:
                live, ready = get(url + "health/live")[0], get(url + "health/ready")[0]
                seen.append((status, json.loads(body)["status"], live, ready))
                if status == 200:
                    break
            time.sleep(0.05)
        assert seen and seen[-1] == (200, "ok", 200, 200), seen
        # While loading: live (200), not ready (503), and /health says so.
        assert (503, "loading", 200, 503) in seen
        assert {s for s in seen} <= {
            (503, "loading", 200, 503),
            (200, "ok", 200, 200),
            (503, "loading", 200, 200),
            (200, "ok", 200, 503),
        }
        assert get(url + "page/thorn", {"Accept": "text/html"})[0] == 200
        last = json.loads(get(url + "health")[2])["last_reload"]
        assert last["ok"] and last["trigger"] == "start-up"
    finally:
        proc.terminate()
        assert proc.wait(timeout=60) == 0
        log.close()


def test_listen_early_with_data_that_does_not_parse_exits_2_saying_where(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix x: <http://x/> .\nx:a x:b .\n")
    proc, url, log = start(tmp_path, "--data", str(bad), "--workers", "1")
    try:
        assert proc.wait(timeout=120) == 2
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert f"{bad}:2:" in output and "could not be loaded" in output
