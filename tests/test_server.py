"""`frkg serve` refuses to start on data that does not parse, or when its front cannot start;
`frkg front` refuses an upstream nginx cannot use (that it serves what loads is
tests/test_health.py's, over real HTTP)."""

from __future__ import annotations

import socket
import subprocess
import sys

from conftest import ROOT, frkg_command


def test_serve_refuses_to_start_on_a_syntax_error(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix x: <http://x/> .\nx:a x:b .\n")
    result = subprocess.run(
        [sys.executable, "-m", "frkg", "serve", "--data", str(bad), "--port", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"{bad}:2:" in result.stderr and "syntax error" in result.stderr
    assert "nothing was served" in result.stderr


def test_serve_with_a_front_whose_port_is_taken_stops_with_status_2(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = frkg_command("serve", "--front", "nginx", "--port", str(port), "--workers", "1")
    assert result.returncode == 2, result.stderr[-2000:]
    assert "for the front: Address already in use" in result.stderr
    assert "nothing was served" in result.stderr
    assert "Traceback" not in result.stderr


def test_front_refuses_an_upstream_nginx_cannot_use(tmp_path):
    result = frkg_command("front", "--upstream", "not a host;", "--prefix", str(tmp_path))
    assert result.returncode == 2
    assert "nginx refused" in result.stderr and "nothing was started" in result.stderr


def test_front_writes_one_server_line_per_instance(tmp_path):
    result = frkg_command(
        "front", "--upstream", "127.0.0.1:8001", "--upstream", "127.0.0.1:8002",
        "--prefix", str(tmp_path), "--write-only",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    conf = (tmp_path / "nginx.conf").read_text()
    assert result.stdout.strip() == str(tmp_path.resolve() / "nginx.conf")
    assert "server 127.0.0.1:8001 max_fails=1" in conf and "server 127.0.0.1:8002" in conf
    assert "proxy_request_buffering on;" in conf and "client_header_timeout 10s;" in conf
