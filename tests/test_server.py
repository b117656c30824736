"""`frkg serve` refuses to start on data that does not parse (that it serves what loads is
tests/test_health.py's, over real HTTP)."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


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
