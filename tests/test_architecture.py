"""The package layout is a contract: stages import downwards only, no module imports itself back
through others, and domain code never imports Flask (STYLE.md, house rules 1 and 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("frkg", include_external_packages=True)


def test_each_stage_imports_only_from_the_stages_below_it():
    # The contract is [tool.importlinter] in pyproject.toml; lint-imports names what broke it.
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(linter), "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_no_module_imports_itself_back_through_others(graph):
    modules = sorted(m for m in graph.modules if m.startswith("frkg"))
    cycles = []
    for module in modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if not imported.startswith("frkg") or imported == module:
                continue
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is not None:
                cycles.append(" -> ".join((module, *back)))
    assert not cycles, "import cycles:\n" + "\n".join(sorted(set(cycles)))


def test_only_the_web_layer_imports_flask(graph):
    importers = graph.find_modules_that_directly_import("flask") | (
        graph.find_modules_that_directly_import("flask_compress")
    )
    outside = sorted(m for m in importers if not m.startswith("frkg.web"))
    assert not outside, f"domain modules import Flask: {outside}"
