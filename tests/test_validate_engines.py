"""`frkg validate`'s two SHACL engines give the same findings: pyshacl-turbo (the default, with the
shapes whose SPARQL targets (SHACL-AF section 5.1) select nothing skipped on pyoxigraph) and pySHACL
(the reference, `--engine pyshacl`), on every defect fixture, the good fixture and the repository's
data. Compared as sets of (focus node, result path, source constraint component, severity, value)
(SHACL section 3.6.2, the validation result's properties), and then word for word in every output
format but the seconds. Not timed: bench/validate_engines.py measures."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.namespace import RDF, SH

from frkg import store
from frkg import validate as validation
from frkg.cli import main
from frkg.config import expand_paths

from conftest import FIXTURES, ROOT

SHAPES = ROOT / "shapes"
ONTOLOGY = ROOT / "ontology"
FRKGSH = "https://w3id.org/frkg/shapes#"

CASES = {
    "repository data": [ROOT / "data"],
    "good": [FIXTURES / "good"],
    **{f"bad/{p.stem}": [p] for p in sorted((FIXTURES / "bad").glob("*.ttl"))},
}


def run(engine: str, data: list[Path]) -> validation.ValidationReport:
    return validation.validate_files(
        ontology=expand_paths([str(ONTOLOGY)]),
        data=expand_paths([str(p) for p in data]),
        shapes=expand_paths([str(SHAPES)]),
        engine=engine,
    )


def run_cli(*args: str):
    """`frkg ...` through click's runner, with the environment free of FRKG_ settings."""
    clean = {k: None for k in os.environ if k.startswith("FRKG_")}
    return CliRunner().invoke(main, list(args), env=clean, catch_exceptions=False)


def blank(node):
    """Blank node labels differ from run to run (the parser makes them unique): compare kinds."""
    return "_:" if isinstance(node, rdflib.BNode) else node


def findings(report: validation.ValidationReport) -> set[tuple]:
    """The report's own results (SHACL section 3.6.2), blank nodes as such."""
    graph = report.graph
    found = set()
    for top in graph.subjects(RDF.type, SH.ValidationReport):
        for r in graph.objects(top, SH.result):
            path = graph.value(r, SH.resultPath)
            found.add(
                (
                    blank(graph.value(r, SH.focusNode)),
                    validation.sparql_path(graph, path) if path is not None else None,
                    graph.value(r, SH.sourceConstraintComponent),
                    graph.value(r, SH.resultSeverity),
                    blank(graph.value(r, SH.value)),
                )
            )
    return found


def without_seconds(text: str) -> str:
    """The text without the seconds, blank node labels, and the order of listed choices."""
    text = re.sub(r"in \d+\.\d s\)", "in ? s)", text)
    return unordered_lists(re.sub(r'"_:[^"]*"|_:[A-Za-z0-9]+', "_:", text))


def unordered_lists(text: str) -> str:
    # frkgsh:SpecificClassShape's message lists the subclasses with GROUP_CONCAT, whose order
    # SPARQL 1.1 leaves undefined (section 18.5.1.7): each engine lists them in its own order.
    return re.sub(
        r"\(((?:frkg:\w+, )+frkg:\w+)\)",
        lambda m: "(" + ", ".join(sorted(m.group(1).split(", "))) + ")",
        text,
    )


def comparable_json(report: validation.ValidationReport) -> dict:
    out = validation.to_json(report, relative_to=ROOT)
    out.pop("seconds")

    def labels_dropped(value):
        if isinstance(value, dict):
            if value.get("type") == "bnode":
                return {"type": "bnode"}
            return {k: labels_dropped(v) for k, v in value.items()}
        if isinstance(value, list):
            return [labels_dropped(v) for v in value]
        return unordered_lists(value) if isinstance(value, str) else value

    return labels_dropped(out)


@pytest.fixture(scope="module", params=sorted(CASES))
def both(request) -> tuple[validation.ValidationReport, validation.ValidationReport]:
    data = CASES[request.param]
    return run("turbo", data), run("pyshacl", data)


@pytest.mark.slow
def test_engines_find_the_same_results(both):
    turbo, reference = both
    assert turbo.conforms == reference.conforms
    assert findings(turbo) == findings(reference)
    assert len(turbo.results) == len(reference.results)


@pytest.mark.slow
def test_engines_say_the_same_words_in_every_format(both):
    turbo, reference = both
    assert comparable_json(turbo) == comparable_json(reference)
    for to_text in (validation.to_text, validation.to_github):
        assert without_seconds(to_text(turbo, ROOT)) == without_seconds(to_text(reference, ROOT))
    sarif = [json.dumps(validation.to_sarif(r, ROOT), sort_keys=True) for r in (turbo, reference)]
    assert without_seconds(sarif[0]) == without_seconds(sarif[1])


def test_every_fixture_is_compared():
    assert {f"bad/{p.stem}" for p in (FIXTURES / "bad").glob("*.ttl")} <= set(CASES)
    assert "repository data" in CASES


def shapes_graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in expand_paths([str(SHAPES)]):
        graph.parse(path, format="turtle")
    return graph


def quads_of(*folders: Path) -> list[list[ox.Quad]]:
    return [store.parse_file(p) for p in expand_paths([str(f) for f in (ONTOLOGY, *folders)])]


def test_shapes_whose_sparql_targets_select_nothing_are_skipped():
    # On valid data the violation-selecting targets (SHACL-AF 5.1) select nothing, so these
    # shapes are not run at all; the comparison above shows that this changes no finding.
    idle = validation._idle_shapes(shapes_graph(), quads_of(ROOT / "data"))
    assert idle is not None
    assert {rdflib.URIRef(FRKGSH + n) for n in ("DomainShape", "RangeShape")} <= idle


def test_a_shape_whose_target_selects_a_node_is_run():
    idle = validation._idle_shapes(shapes_graph(), quads_of(FIXTURES / "bad" / "wrong-domain.ttl"))
    assert idle is not None
    assert rdflib.URIRef(FRKGSH + "DomainShape") not in idle


def test_nothing_is_skipped_when_the_store_would_rewrite_a_literal(tmp_path):
    # pyoxigraph's store keeps "01"^^xsd:integer as "1": a target query on STR() could then see
    # another literal than the file states, so every shape runs.
    data = tmp_path / "d.ttl"
    data.write_text(
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        "@prefix frkg: <https://w3id.org/frkg/ontology#> .\n"
        '<https://w3id.org/frkg/id/a> frkg:signatoryCount "01"^^xsd:integer .\n'
    )
    assert validation._idle_shapes(shapes_graph(), quads_of(data)) is None
    turbo, reference = run("turbo", [data]), run("pyshacl", [data])
    assert findings(turbo) == findings(reference)


@pytest.mark.parametrize("engine", validation.ENGINES)
def test_cli_engine_option_gives_the_exit_code_and_report(engine):
    fixture = FIXTURES / "bad" / "dangling-iri.ttl"
    args = ["--ontology", str(ONTOLOGY), "--shapes", str(SHAPES), "--engine", engine]
    result = run_cli("validate", str(fixture), *args)
    assert result.exit_code == 1, result.output
    assert "No file describes id:pat-advocat" in result.stdout


def test_unknown_engine_is_a_usage_error():
    result = run_cli("validate", "--engine", "jena")
    assert result.exit_code == 2
    assert "'jena' is not one of 'turbo', 'pyshacl'" in result.stderr
