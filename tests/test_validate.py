"""`frkg validate`: every defect kind is rejected with its message and exit code 1, good data passes
with 0, unreadable or unparsable files give 2 with file, line and column; the three output formats
agree. Fixtures: tests/fixtures/good/ (valid, uses every class) and tests/fixtures/bad/ (one defect
each, otherwise valid)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from rdflib.namespace import SH

from frkg import validate as validation
from frkg.cli import main

from conftest import FIXTURES, ROOT, repo_settings
from doc_examples import fenced_blocks, page_text

GOOD = FIXTURES / "good"
BAD = FIXTURES / "bad"
ID = "https://w3id.org/frkg/id/"

# fixture -> (focus node, compact result path or None, a fragment of the expected message)
DEFECTS = {
    "missing-label": ("pat-advocate", "rdfs:label", "has no English label"),
    "two-english-labels": (
        "pat-advocate",
        "rdfs:label",
        "two rdfs:label values in the same language",
    ),
    "label-without-language": ("pat-advocate", "rdfs:label", "with a language tag"),
    "url-wrong-datatype": ("example-article", "schema:url", "typed as xsd:anyURI"),
    "iri-for-literal": ("example-article", "schema:url", "typed as xsd:anyURI"),
    "count-wrong-datatype": ("example-letter", "frkg:signatoryCount", "whole number"),
    "count-negative": ("example-letter", "frkg:signatoryCount", "cannot be negative"),
    "malformed-date": ("quote-pat", "dct:date", "dct:date must be a valid date"),
    "date-as-text": ("quote-pat", "dct:date", "dct:date must be a valid date"),
    "malformed-year-month": ("example-article", "schema:datePublished", "must be a valid date"),
    "date-wrong-datatype": ("example-article", "schema:datePublished", "must be a valid date"),
    "dangling-iri": ("quote-pat", "frkg:speaker", "No file describes id:pat-advocat"),
    "literal-for-entity": ("quote-pat", "frkg:speaker", "its value here is text"),
    "undefined-property": ("pat-advocate", "schema:nmae", "schema:nmae is not defined"),
    "misspelt-speaker": ("quote-pat", "frkg:speakr", "frkg:speakr is not defined"),
    "undefined-class": ("quote-pat", "rdf:type", "The class frkg:Quot is not defined"),
    "untyped-node": ("pat-advocate", "rdf:type", "has no rdf:type"),
    "blank-node": (None, None, "blank nodes and other namespaces are not allowed"),
    "bad-slug": ("Pat_Advocate", None, "IRI of the form id:{slug}"),
    "two-classes": ("quote-pat", "rdf:type", "two unrelated classes"),
    "general-class": ("example-article", "rdf:type", "frkg:Source is too general"),
    "wrong-range": ("quote-pat", "frkg:speaker", "must link to a node of class frkg:Agent"),
    "source-not-a-source": (
        "pat-advocate",
        "dct:source",
        "must link to a node of class frkg:Source",
    ),
    "wrong-domain": (
        "quote-pat",
        "frkg:paraphraseText",
        "used only on nodes of class frkg:Paraphrase",
    ),
    "statement-without-speaker": ("quote-pat", "frkg:speaker", "has no speaker"),
    "statement-without-text": (
        "quote-pat",
        "frkg:verbatimText",
        "needs exactly one frkg:verbatimText",
    ),
    "statement-without-source": ("quote-pat", "dct:source", "cites no source with a URL"),
    "quote-with-quotation-marks": (
        "quote-pat",
        "frkg:verbatimText",
        "starts or ends with a quotation",
    ),
    "two-speakers": ("quote-pat", "(frkg:speaker|^frkg:madeStatement)", "more than one speaker"),
    "stance-not-in-scheme": ("quote-pat", "frkg:stance", "concept of frkg:StanceScheme"),
    "misspelt-stance": ("quote-pat", "frkg:stance", "concept of frkg:StanceScheme"),
    "status-not-in-scheme": ("exampleland-ban", "frkg:status", "concept of frkg:StatusScheme"),
    "kind-not-in-scheme": (
        "exampleland-ban",
        "frkg:policyKind",
        "concept of frkg:PolicyKindScheme",
    ),
    "scope-not-in-scheme": ("exampleland-ban", "frkg:scope", "concept of frkg:ScopeScheme"),
    "event-type-not-in-scheme": (
        "exampleland-ban-signed",
        "frkg:eventType",
        "concept of frkg:EventTypeScheme",
    ),
    "policy-without-jurisdiction": ("exampleland-ban", "frkg:jurisdiction", "has no jurisdiction"),
    "proposal-without-jurisdiction": (
        "exampleland-proposal",
        None,
        "This policy proposal names no jurisdiction",
    ),
    "policy-without-kind": ("exampleland-ban", "frkg:policyKind", "has no kind"),
    "policy-without-status-date": ("exampleland-ban", "frkg:statusDate", "frkg:statusDate"),
    "status-not-from-steps": (
        "exampleland-ban",
        "frkg:status",
        "must be the status the policy's latest step gives: frkg:status-enacted",
    ),
    "policy-source-without-url": ("exampleland-ban", "dct:source", "cites no source with a URL"),
    "unused-source": ("example-editorial", None, "Nothing uses this source"),
    "membership-without-shortcut": ("pat-advocate-director", "org:member", "no org:memberOf link"),
    "city-without-larger-place": (
        "exampleville",
        "schema:containedInPlace",
        "not linked to the larger",
    ),
}


def run_cli(*args: str, env: dict[str, str] | None = None):
    """`frkg ...` through click's runner, with the environment free of FRKG_ settings."""
    clean = {k: None for k in os.environ if k.startswith("FRKG_")}
    return CliRunner().invoke(
        main, list(args), env={**clean, **(env or {})}, catch_exceptions=False
    )


def repo_args() -> list[str]:
    return ["--ontology", str(ROOT / "ontology"), "--shapes", str(ROOT / "shapes")]


def shown(path: Path) -> str:
    """How reports name a file: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def test_every_bad_fixture_is_listed():
    assert {p.stem for p in BAD.glob("*.ttl")} == set(DEFECTS)


def test_good_fixture_conforms():
    result = run_cli("validate", str(GOOD), *repo_args())
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("conforms: no violations")


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_bad_fixture_is_rejected_with_its_message(defect):
    focus, path, message = DEFECTS[defect]
    fixture = BAD / f"{defect}.ttl"
    result = run_cli("validate", str(fixture), "--format", "json", *repo_args())
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    matching = [r for r in report["results"] if message in r["message"]]
    assert matching, [r["message"] for r in report["results"]]
    hit = matching[0]
    if focus is not None:
        assert hit["focusNode"] == {"type": "uri", "value": ID + focus}
    else:
        assert hit["focusNode"]["type"] == "bnode"
    if path is not None:
        assert hit["resultPath"] is not None
        assert _compact(hit["resultPath"]) == path
    # Every result is about the one file validated, so the text output can point at it.
    for r in report["results"]:
        assert r["files"] == [shown(fixture)]
        assert r["severity"] == "Violation"
        assert "{?" not in r["message"] and "{$" not in r["message"]  # every template filled


def _compact(sparql_path: str) -> str:
    """Turn <iri> into prefix:local in a SPARQL property path, with the project's prefixes."""
    return re.sub(
        r"<([^>]+)>", lambda m: validation.compact_iri(rdflib.URIRef(m.group(1))), sparql_path
    )


def test_text_output_names_file_node_property_value_and_message():
    fixture = BAD / "dangling-iri.ttl"
    result = run_cli("validate", str(fixture), *repo_args())
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"{shown(fixture)}: 1 violation on 1 node"
    assert lines[1] == "  id:quote-pat"
    assert lines[2] == "    frkg:speaker = id:pat-advocat"
    assert lines[3].startswith("      No file describes id:pat-advocat.")
    assert lines[-1].startswith("does not conform: 1 violation on 1 node in 1 file (checked 1 data")


def test_results_are_grouped_by_file_then_node(tmp_path):
    # One person file and one statements file with two broken quotes: the text groups the two
    # quotes under the statements file, each with its own heading, and counts them.
    core = (BAD / "statement-without-speaker.ttl").read_text(encoding="utf-8")
    prefixes = "".join(line + "\n" for line in core.splitlines() if line.startswith("@prefix"))
    people = tmp_path / "people.ttl"
    statements = tmp_path / "statements.ttl"
    people.write_text(
        prefixes + core.split("id:quote-pat a frkg:Quote ;")[0].split(prefixes)[-1],
        encoding="utf-8",
    )
    quote = "id:quote-pat a frkg:Quote ;" + core.split("id:quote-pat a frkg:Quote ;")[1]
    statements.write_text(
        prefixes + quote + quote.replace("id:quote-pat", "id:quote-pat-again"), encoding="utf-8"
    )
    result = run_cli("validate", str(tmp_path), *repo_args())
    assert result.exit_code == 1, result.output
    text = result.stdout
    assert f"{shown(statements)}: 2 violations on 2 nodes" in text
    assert "people.ttl" not in text.split("does not conform")[0]
    assert text.index("  id:quote-pat\n") < text.index("  id:quote-pat-again\n")
    assert "does not conform: 2 violations on 2 nodes in 1 file" in text


def test_a_node_described_in_two_files_names_both(tmp_path):
    text = (BAD / "missing-label.ttl").read_text(encoding="utf-8")
    prefixes = "".join(line + "\n" for line in text.splitlines() if line.startswith("@prefix"))
    main_file, extra = tmp_path / "a.ttl", tmp_path / "b.ttl"
    main_file.write_text(text, encoding="utf-8")
    extra.write_text(prefixes + 'id:pat-advocate rdfs:comment "A fictional advocate."@en .\n')
    report = validation.validate(repo_settings(data=[str(tmp_path)]))
    (result,) = report.results
    assert result.files == (main_file, extra)
    assert "a.ttl, " in validation.to_text(report, relative_to=tmp_path).splitlines()[0]


@pytest.mark.parametrize("fmt", ["text", "json", "turtle"])
def test_the_three_formats_report_the_same_count(fmt):
    # Two fixtures that share their valid core: two violations from one, one from the other.
    args = [str(BAD / "policy-source-without-url.ttl"), str(BAD / "unused-source.ttl")]
    text = run_cli("validate", *args, *repo_args())
    counted = int(re.search(r"does not conform: (\d+) violations", text.stdout).group(1))
    result = run_cli("validate", *args, "--format", fmt, *repo_args())
    assert result.exit_code == 1
    if fmt == "json":
        report = json.loads(result.stdout)
        assert report["summary"]["violations"] == len(report["results"]) == counted
    elif fmt == "turtle":
        graph = rdflib.Graph().parse(data=result.stdout, format="turtle")
        (report,) = graph.subjects(rdflib.RDF.type, SH.ValidationReport)
        assert graph.value(report, SH.conforms) == rdflib.Literal(False)
        assert len(list(graph.objects(report, SH.result))) == counted
    else:
        assert counted == 3


def test_json_uses_sparql_results_term_encoding():
    # W3C SPARQL 1.1 Query Results JSON Format, section 3.2.2: RDF terms as {type, value, ...}.
    result = run_cli("validate", str(BAD / "count-negative.ttl"), "--format", "json", *repo_args())
    report = json.loads(result.stdout)
    (hit,) = report["results"]
    assert hit["value"] == {
        "type": "literal",
        "value": "-39",
        "datatype": "http://www.w3.org/2001/XMLSchema#integer",
    }
    assert hit["resultPath"] == "<https://w3id.org/frkg/ontology#signatoryCount>"
    assert hit["sourceConstraintComponent"] == str(SH.OrConstraintComponent)
    assert {c["kind"] for c in report["checked"]} == {"ontology", "data", "shapes"}
    assert set(report) == {"conforms", "summary", "checked", "results", "seconds"}


def test_conforming_turtle_report_says_so():
    result = run_cli("validate", str(GOOD), "--format", "turtle", *repo_args())
    assert result.exit_code == 0
    graph = rdflib.Graph().parse(data=result.stdout, format="turtle")
    (report,) = graph.subjects(rdflib.RDF.type, SH.ValidationReport)
    assert graph.value(report, SH.conforms) == rdflib.Literal(True)
    assert list(graph.objects(report, SH.result)) == []


def test_syntax_error_names_file_line_and_column(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text('@prefix id: <https://w3id.org/frkg/id/> .\nid:a id:b id:c ;\n  id:d "x .\n')
    result = run_cli("validate", str(broken), *repo_args())
    assert result.exit_code == 2
    assert result.stdout == ""
    assert re.search(rf"^error: {re.escape(str(broken))}:3:8: syntax error", result.stderr, re.M)


def test_syntax_error_in_shapes_is_exit_2(tmp_path):
    broken = tmp_path / "shapes.ttl"
    broken.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n<a> sh:path .\n")
    result = run_cli(
        "validate", str(GOOD), "--ontology", str(ROOT / "ontology"), "--shapes", str(broken)
    )
    assert result.exit_code == 2
    assert f"error: {broken}:2:" in result.stderr


@pytest.mark.parametrize(
    "constraint, expected",
    [
        ('sh:property [ sh:path rdfs:label ; sh:minCount "one" ]', "sh:minCount must be a literal"),
        ('sh:sparql [ sh:message "x"@en ; sh:select "SELECT $this WHERE { $this }" ]', "Parse"),
    ],
)
def test_unusable_shapes_are_exit_2_without_a_traceback(tmp_path, constraint, expected):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f"<https://w3id.org/frkg/shapes#Broken> a sh:NodeShape ;\n"
        f"    sh:targetClass <https://schema.org/Person> ; {constraint} .\n"
    )
    result = run_cli(
        "validate", str(GOOD), "--ontology", str(ROOT / "ontology"), "--shapes", str(shapes)
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: the shapes cannot be used: ")
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("missing.ttl", None, "no such file"),
        ("empty-folder", "folder", "is a folder with no .ttl files"),
        ("data.csv", b"a,b\n", "unknown RDF file suffix '.csv'"),
        ("latin1.ttl", b'<https://w3id.org/frkg/id/a> <http://x/p> "caf\xe9" .\n', "UTF-8"),
    ],
)
def test_unreadable_input_is_exit_2_naming_the_file(tmp_path, name, content, expected):
    path = tmp_path / name
    if content == "folder":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    result = run_cli("validate", str(path), *repo_args())
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}")
    assert expected in result.stderr


def test_validation_ignores_the_serving_base():
    # Shapes are written against the canonical base, so validation always loads under it.
    result = run_cli("validate", str(GOOD), *repo_args(), env={"FRKG_BASE_IRI": "http://x:1/"})
    assert result.exit_code == 0, result.output


def test_data_paths_default_to_the_configured_data(tmp_path):
    target = tmp_path / "d"
    target.mkdir()
    (target / "x.ttl").write_text((BAD / "missing-label.ttl").read_text(encoding="utf-8"))
    result = run_cli("validate", *repo_args(), env={"FRKG_DATA": str(target)})
    assert result.exit_code == 1
    assert "has no English label" in result.stdout


def test_real_subprocess_exit_codes_and_quiet_stderr():
    # `python -m frkg validate` as CI runs it; rdflib's log noise about the ill-typed literal
    # (2019-02-30) must not reach stderr, the violation is the report.
    cmd = [sys.executable, "-m", "frkg", "validate", *repo_args()]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRKG_")}
    bad = subprocess.run(
        [*cmd, str(BAD / "malformed-date.ttl")], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert bad.returncode == 1, bad.stderr
    assert "dct:date must be a valid date" in bad.stdout
    assert bad.stderr == ""
    good = subprocess.run([*cmd, str(GOOD)], capture_output=True, text=True, env=env, cwd=ROOT)
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.startswith("conforms: no violations")


def test_the_repositorys_data_conforms():
    report = validation.validate(repo_settings())
    assert report.conforms, validation.to_text(report)
    assert {f.kind for f in report.files} == {"ontology", "data", "shapes"}


def test_docs_example_is_the_real_output():
    ((_, example),) = fenced_blocks(page_text("docs/validating.md"), "text")
    fixture = example.split(":", 1)[0]
    result = run_cli("validate", str(ROOT / fixture), *repo_args())
    assert result.exit_code == 1

    def normal(text: str) -> str:
        # Triple counts follow the ontology and timings the machine; the rest must match.
        text = text.replace(str(ROOT / fixture), fixture).replace(shown(ROOT / fixture), fixture)
        return re.sub(r"\d+ triples, in \d+\.\d s", "N triples, in T s", text)

    assert normal(result.stdout) == normal(example)
