"""`frkg stats`: the counts the home page and VoID show, and what looks wrong in the data."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import DISCOVERY_FIXTURES, ROOT
from http_helpers import fetch

ONTOLOGY = str(ROOT / "ontology" / "frkg.ttl")


def stats(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "frkg", "stats", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_stats_counts_match_the_void_description(live_server):
    result = stats("--json", "--base-iri", live_server)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    void = fetch(live_server + "void.ttl").text
    assert f"void:triples {body['triples']}" in void
    assert f"void:entities {body['entities']}" in void
    assert body["counts"]["quotes"] == body["classes"]["frkg:Quote"]
    assert body["counts"]["statements"] == body["classes"]["frkg:Statement"]
    assert body["unlinkedEntities"] == [] and body["undefinedProperties"] == {}


def test_stats_finds_unlinked_entities_and_undefined_properties(tmp_path):
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        "@prefix id: <https://w3id.org/frkg/id/> .\n"
        "@prefix frkg: <https://w3id.org/frkg/ontology#> .\n"
        "@prefix schema: <https://schema.org/> .\n"
        'id:orphan-note frkg:notInTheOntology "a typo" ; schema:nmae "another" .\n',
        encoding="utf-8",
    )
    args = ["--ontology", ONTOLOGY, "--shapes", str(tmp_path)]
    args += ["--data", str(DISCOVERY_FIXTURES / "debate.ttl"), "--data", str(extra)]
    body = json.loads(stats("--json", *args).stdout)
    assert body["unlinkedEntities"] == [
        {"iri": "https://w3id.org/frkg/id/orphan-note", "label": "An orphan note"}
    ]
    assert body["undefinedProperties"] == {"frkg:notInTheOntology": 1}
    # The ontology declares the reused terms it uses, so only the typo is left undeclared.
    assert body["reusedProperties"]["schema:nmae"] == 1
    assert "dct:source" not in body["reusedProperties"]
    text = stats(*args)
    assert text.returncode == 0
    assert "Entities nothing links to (1):" in text.stdout
    assert "https://w3id.org/frkg/id/orphan-note  An orphan note" in text.stdout
    assert "Properties used but not defined in the ontology (1):" in text.stdout
    assert "frkg:notInTheOntology" in text.stdout


def test_stats_exits_2_when_the_data_does_not_load(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text("not turtle at all")
    result = stats("--data", str(broken), "--shapes", str(tmp_path))
    assert result.returncode == 2 and str(broken) in result.stderr and result.stdout == ""
