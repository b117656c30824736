"""`frkg validate`: every defect kind is rejected with its message, file, line and rule and exit
code 1, good data passes with 0, unreadable or unparsable files give 2 with file, line and column;
the output formats agree (text, json, turtle, GitHub workflow commands, SARIF 2.1.0 checked
against its schema). Fixtures: tests/fixtures/good/ (valid, uses every class), tests/fixtures/bad/
(one defect each, otherwise valid) and tests/fixtures/sarif/ (the OASIS schema)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
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
    # CONTRIBUTING.md rule 13: a claim cites the words that back it (shapes/citations.ttl).
    "claim-without-citation": ("quote-pat", "frkg:citation", "This claim cites no excerpt"),
    "date-not-cited": (
        "quote-pat",
        "(frkg:citation/frkg:supports)",
        "No citation of this node supports its date (dct:date)",
    ),
    "citation-from-unlisted-source": (
        "quote-pat",
        "dct:source",
        "quotes id:example-editorial, which the node does not list with dct:source",
    ),
    "citation-without-excerpt": (
        None,
        "(frkg:excerpt|frkg:referenceNote)",
        "A citation holds exactly one of frkg:excerpt",
    ),
    "citation-supports-undeclared": (
        None,
        "frkg:supports",
        "frkg:supports names frkg:verbatimtext, which the ontology does not declare",
    ),
    "citation-misspelt-property": (
        None,
        "frkg:supprts",
        "check the spelling of the other property",
    ),
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


# fixture -> the rule each defect breaks (validate.rule_id: shape, path, constraint)
RULES = {
    "missing-label": "frkgsh:EntityShape-label-en/qualifiedMinCount",
    "two-english-labels": "frkgsh:LabelShape/rdfs:label/uniqueLang",
    "label-without-language": "frkgsh:LabelShape/rdfs:label/datatype",
    "url-wrong-datatype": "frkgsh:IdentifierShape/schema:url/datatype",
    "iri-for-literal": "frkgsh:IdentifierShape/schema:url/datatype",
    "count-wrong-datatype": "frkgsh:IdentifierShape/frkg:signatoryCount/datatype",
    "count-negative": "frkgsh:IdentifierShape/frkg:signatoryCount/or",
    "malformed-date": "frkgsh:DateShape/SPARQL",
    "date-as-text": "frkgsh:DateShape/SPARQL",
    "malformed-year-month": "frkgsh:DateShape/SPARQL",
    "date-wrong-datatype": "frkgsh:DateShape/SPARQL",
    "dangling-iri": "frkgsh:DanglingShape/SPARQL",
    "literal-for-entity": "frkgsh:EntityValueShape/SPARQL",
    "undefined-property": "frkgsh:DefinedPropertyShape/SPARQL",
    "misspelt-speaker": "frkgsh:DefinedPropertyShape/SPARQL",
    "undefined-class": "frkgsh:DefinedClassShape/SPARQL",
    "untyped-node": "frkgsh:TypedShape/rdf:type/minCount",
    "blank-node": "frkgsh:EntityShape/pattern",
    "bad-slug": "frkgsh:EntityShape/pattern",
    "two-classes": "frkgsh:OneClassShape/SPARQL",
    "general-class": "frkgsh:SpecificClassShape/SPARQL",
    "wrong-range": "frkgsh:RangeShape/SPARQL",
    "source-not-a-source": "frkgsh:RangeShape/SPARQL",
    "wrong-domain": "frkgsh:DomainShape/SPARQL",
    "statement-without-speaker": "frkgsh:StatementShape/frkg:speaker/minCount",
    "claim-without-citation": "frkgsh:CitedClaimShape/frkg:citation/minCount",
    "date-not-cited": "frkgsh:CitedDateShape/(frkg:citation/frkg:supports)/hasValue",
    "citation-from-unlisted-source": "frkgsh:CitationFromItsSourcesShape/SPARQL",
    "citation-without-excerpt": "frkgsh:CitationShape/(frkg:excerpt|frkg:referenceNote)/minCount",
    "citation-misspelt-property": "frkgsh:CitationShape/closed",
    "citation-supports-undeclared": "frkgsh:CitationSupportsShape/SPARQL",
    "statement-without-text": "frkgsh:QuoteShape/frkg:verbatimText/minCount",
    "statement-without-source": "frkgsh:StatementShape/dct:source/qualifiedMinCount",
    "quote-with-quotation-marks": "frkgsh:QuoteShape/frkg:verbatimText/pattern",
    "two-speakers": "frkgsh:StatementShape/(frkg:speaker|^frkg:madeStatement)/maxCount",
    "stance-not-in-scheme": "frkgsh:StatementShape/frkg:stance/node",
    "misspelt-stance": "frkgsh:StatementShape/frkg:stance/node",
    "status-not-in-scheme": "frkgsh:StatusShape/frkg:status/node",
    "kind-not-in-scheme": "frkgsh:PolicyShape/frkg:policyKind/node",
    "scope-not-in-scheme": "frkgsh:PolicyShape/frkg:scope/node",
    "event-type-not-in-scheme": "frkgsh:PolicyEventShape/frkg:eventType/node",
    "policy-without-jurisdiction": "frkgsh:LegislationShape/frkg:jurisdiction/minCount",
    "policy-without-kind": "frkgsh:PolicyShape/frkg:policyKind/minCount",
    "policy-without-status-date": "frkgsh:StatusDateShape/frkg:statusDate/minCount",
    "status-not-from-steps": "frkgsh:PolicyStatusShape/SPARQL",
    "proposal-without-jurisdiction": "frkgsh:PolicyProposalJurisdictionShape/xone",
    "policy-source-without-url": "frkgsh:PolicyShape/dct:source/qualifiedMinCount",
    "unused-source": "frkgsh:SourceShape/(^dct:source|^frkg:republishedAs|^frkg:channel)/minCount",
    "membership-without-shortcut": "frkgsh:MembershipShortcutShape/SPARQL",
    "city-without-larger-place": "frkgsh:ContainedPlaceShape/schema:containedInPlace/minCount",
}

# A blank node is found in the block of the entity that holds it.
ENCLOSING = {
    "blank-node": "quote-pat",
    "citation-without-excerpt": "quote-pat",
    "citation-misspelt-property": "quote-pat",
    "citation-supports-undeclared": "quote-pat",
}

SARIF_SCHEMA = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text("utf-8"))


def block_line(fixture: Path, slug: str) -> int:
    """The line of the fixture where the block describing id:{slug} starts."""
    for number, line in enumerate(fixture.read_text(encoding="utf-8").splitlines(), 1):
        if re.match(rf"id:{re.escape(slug)}(\s|$)", line):
            return number
    raise AssertionError(f"no block for id:{slug} in {fixture}")


def expected_place(defect: str) -> tuple[str, int]:
    """(file as reports name it, line) where the defect's focus node is described."""
    fixture = BAD / f"{defect}.ttl"
    focus = ENCLOSING.get(defect) or DEFECTS[defect][0]
    return shown(fixture), block_line(fixture, focus)


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


def test_every_bad_fixture_has_its_rule():
    assert set(RULES) == set(DEFECTS)


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
    file, line = expected_place(defect)
    assert hit["locations"][0] == {"file": file, "line": line}
    assert hit["rule"] == RULES[defect]
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
    assert lines[1] == f"  {shown(fixture)}:{block_line(fixture, 'quote-pat')}: id:quote-pat"
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
    assert text.index(" id:quote-pat\n") < text.index(" id:quote-pat-again\n")
    # Each quote at the line its own block starts on, in the file that holds it.
    for slug in ("quote-pat", "quote-pat-again"):
        assert f"  {shown(statements)}:{block_line(statements, slug)}: id:{slug}\n" in text
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
    assert result.locations == (
        validation.Location(main_file, block_line(main_file, "pat-advocate")),
        validation.Location(extra, block_line(extra, "pat-advocate")),
    )
    lines = validation.to_text(report, relative_to=tmp_path).splitlines()
    assert "a.ttl, " in lines[0]
    here, there = block_line(main_file, "pat-advocate"), block_line(extra, "pat-advocate")
    assert lines[1] == f"  a.ttl:{here}: id:pat-advocate (also b.ttl:{there})"


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


@pytest.mark.parametrize("index, fmt", [(0, "text"), (1, "github")])
def test_docs_example_is_the_real_output(index, fmt):
    example = fenced_blocks(page_text("docs/validating.md"), "text")[index][1]
    fixture = re.search(r"tests/fixtures/bad/[\w-]+\.ttl", example).group()
    result = run_cli("validate", str(ROOT / fixture), "--format", fmt, *repo_args())
    assert result.exit_code == 1

    def normal(text: str) -> str:
        # Triple counts follow the ontology and timings the machine; the rest must match.
        text = text.replace(str(ROOT / fixture), fixture).replace(shown(ROOT / fixture), fixture)
        return re.sub(r"\d+ triples, in \d+\.\d s", "N triples, in T s", text)

    assert normal(result.stdout) == normal(example)


# --- file and line for editors and CI: GitHub workflow commands and SARIF ---------------------

_COMMAND = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


def github_commands(stdout: str) -> list[tuple[str, dict[str, str], str]]:
    """(command, properties, message) of each workflow command, unescaped as GitHub reads them."""

    def unescape(text: str) -> str:
        return re.sub(r"%(25|0D|0A|3A|2C)", lambda m: bytes.fromhex(m.group(1)).decode(), text)

    found = []
    for line in stdout.splitlines():
        m = _COMMAND.match(line)
        if m:
            props = dict(part.split("=", 1) for part in m.group(2).split(","))
            found.append(
                (m.group(1), {k: unescape(v) for k, v in props.items()}, unescape(m.group(3)))
            )
    return found


def sarif_log(stdout: str) -> dict:
    """The SARIF log printed, valid against the OASIS SARIF 2.1.0 schema (JSON Schema draft 4)."""
    log = json.loads(stdout)
    validator = jsonschema.Draft4Validator(
        SARIF_SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(log), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    return log


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_bad_fixture_annotations_name_file_line_and_rule(defect):
    # GitHub Actions: `::error file=F,line=L,title=T::message` ("Workflow commands for GitHub
    # Actions", setting an error message); SARIF 2.1.0 sections 3.27 (result), 3.28.3
    # (physicalLocation), 3.30.5 (region.startLine), 3.49 (reportingDescriptor: the rule).
    focus, _, message = DEFECTS[defect]
    file, line = expected_place(defect)
    fixture = str(BAD / f"{defect}.ttl")

    github = run_cli("validate", fixture, "--format", "github", *repo_args())
    assert github.exit_code == 1, github.output
    commands = github_commands(github.stdout)
    assert commands and all(command == "error" for command, _, _ in commands)
    hits = [(props, text) for _, props, text in commands if message in text]
    assert hits, [text for _, _, text in commands]
    props, text = hits[0]
    assert props == {"file": file, "line": str(line), "title": RULES[defect]}
    if focus is not None:
        assert text.startswith(f"id:{focus} ")

    sarif = run_cli("validate", fixture, "--format", "sarif", *repo_args())
    assert sarif.exit_code == 1, sarif.output
    (run,) = sarif_log(sarif.stdout)["runs"]
    assert run["invocations"][0] == {"executionSuccessful": True, "exitCode": 1}
    assert len(run["results"]) == len(commands)
    rules = run["tool"]["driver"]["rules"]
    (result,) = [r for r in run["results"] if message in r["message"]["text"]][:1]
    assert result["ruleId"] == RULES[defect] == rules[result["ruleIndex"]]["id"]
    assert result["level"] == "error"
    (location,) = result["locations"]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": file, "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": line}
    if focus is not None:
        assert location["logicalLocations"] == [
            {"fullyQualifiedName": ID + focus, "kind": "object"}
        ]


def test_conforming_data_gives_no_annotations_and_an_empty_sarif_run():
    github = run_cli("validate", str(GOOD), "--format", "github", *repo_args())
    assert github.exit_code == 0
    assert github_commands(github.stdout) == []
    assert github.stdout.startswith("conforms: no violations")
    sarif = run_cli("validate", str(GOOD), "--format", "sarif", *repo_args())
    assert sarif.exit_code == 0
    (run,) = sarif_log(sarif.stdout)["runs"]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []
    assert run["invocations"][0] == {"executionSuccessful": True, "exitCode": 0}


@pytest.mark.parametrize(
    "text, data, prop",
    [
        ("100%", "100%25", "100%25"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("file:1,2", "file:1,2", "file%3A1%2C2"),
        ("%0A", "%250A", "%250A"),  # escaped once: GitHub must not read a newline here
    ],
)
def test_github_escaping_is_the_toolkits(text, data, prop):
    # @actions/core command.ts: escapeData (%, CR, LF) and escapeProperty (also : and ,).
    assert validation.github_data(text) == data
    assert validation.github_property(text) == prop


def test_github_properties_escape_file_names_and_messages(tmp_path):
    # A file name with ',' ':' and '%' must not end its property early nor be decoded twice.
    odd = tmp_path / "a,b:c%41.ttl"
    text = (BAD / "label-without-language.ttl").read_text(encoding="utf-8")
    odd.write_text(text.replace('"Pat Advocate"', '"Pat, 100%: Advocate"'), encoding="utf-8")
    result = run_cli("validate", str(odd), "--format", "github", *repo_args())
    assert result.exit_code == 1
    raw = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    assert raw and all("a%2Cb%3Ac%2541.ttl" in line for line in raw)
    ((_, props, message),) = github_commands(result.stdout)
    assert props["file"] == shown(odd)
    assert props["line"] == str(block_line(odd, "pat-advocate"))
    assert '"Pat, 100%: Advocate"' in message


def test_sarif_names_files_outside_the_working_directory_by_file_uri(tmp_path):
    fixture = tmp_path / "x y.ttl"
    fixture.write_text((BAD / "missing-label.ttl").read_text(encoding="utf-8"), encoding="utf-8")
    result = run_cli("validate", str(fixture), "--format", "sarif", *repo_args())
    (run,) = sarif_log(result.stdout)["runs"]
    (hit,) = run["results"]
    artifact = hit["locations"][0]["physicalLocation"]["artifactLocation"]
    if shown(fixture) == str(fixture):  # tmp_path is outside the working directory
        assert artifact == {"uri": fixture.resolve().as_uri()}
        assert "x%20y.ttl" in artifact["uri"]


@pytest.mark.parametrize("fmt", ["github", "sarif"])
def test_syntax_error_is_annotated_at_its_line_and_column(tmp_path, fmt):
    broken = tmp_path / "broken.ttl"
    broken.write_text('@prefix id: <https://w3id.org/frkg/id/> .\nid:a id:b id:c ;\n  id:d "x .\n')
    result = run_cli("validate", str(broken), "--format", fmt, *repo_args())
    assert result.exit_code == 2
    assert re.search(rf"^error: {re.escape(str(broken))}:3:8: syntax error", result.stderr, re.M)
    if fmt == "github":
        ((command, props, message),) = github_commands(result.stdout)
        assert command == "error"
        assert props == {
            "file": shown(broken),
            "line": "3",
            "col": "8",
            "title": "frkg validate: could not load",
        }
        assert message.startswith("syntax error")
    else:
        (run,) = sarif_log(result.stdout)["runs"]
        assert "results" not in run  # SARIF 2.1.0 section 3.14.23: the analysis did not run
        (invocation,) = run["invocations"]
        assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
        (note,) = invocation["toolExecutionNotifications"]
        region = note["locations"][0]["physicalLocation"]["region"]
        assert region == {"startLine": 3, "startColumn": 8}


def test_a_blank_node_is_located_in_the_block_of_its_entity(tmp_path):
    # Nested two deep, and a blank node written as a statement's own subject.
    text = (BAD / "blank-node.ttl").read_text(encoding="utf-8")
    nested = text.replace(
        "frkg:speaker [ a schema:Person ;",
        "frkg:speaker [ a schema:Person ; schema:knows [ a schema:Person ;\n"
        '    rdfs:label "Pat\'s friend"@en ; dct:source id:example-article ] ;',
    )
    top = '\n[] a schema:Person ;\n  rdfs:label "Nobody"@en ;\n  dct:source id:example-article .'
    path = tmp_path / "nested.ttl"
    path.write_text(nested + top, encoding="utf-8")
    report = validation.validate(repo_settings(data=[str(path)]))
    blanks = [r for r in report.results if isinstance(r.focus_node, rdflib.BNode)]
    lines = {r.location.line for r in blanks if "blank nodes" in r.message}
    root = path.read_text(encoding="utf-8").splitlines().index("[] a schema:Person ;") + 1
    assert lines == {block_line(path, "quote-pat"), root}


@pytest.mark.parametrize(
    "folder", ["data", "ontology", "shapes", "tests/fixtures/good", "tests/fixtures/bad"]
)
def test_every_statement_of_the_repositorys_turtle_is_located(folder):
    # The statement cutter must agree with the parser on every file the project has: the
    # statements, parsed one by one, give back exactly the whole file's triples.
    from frkg.store import parse_file, positions

    paths = sorted((ROOT / folder).glob("*.ttl"))
    assert paths
    for path in paths:
        found = positions.source_map(path, path.read_bytes())
        assert (found.unlocated, found.triple_count) == (0, len(parse_file(path))), path


@pytest.mark.parametrize(
    "text, starts",
    [
        ("@prefix ex: <http://e/> .\nex:a ex:p ex:b.\nex:c ex:p 1.5 .\n", [1, 2, 3]),
        ('PREFIX ex: <http://e/>\nex:a ex:p """x .\n y""" .\nex:b ex:p "a.b" .', [1, 2, 4]),
        (
            "@prefix ex: <http://e/> .\nex:a ex:p [ ex:q ex:r ], (1 2) .\n# x .\nex:d ex:p ex:e .",
            [1, 2, 4],
        ),
        (
            "<http://e/a> <http://e/p> <http://e/b> .\n<http://e/a.> <http://e/p> 'it\\'s' .\n",
            [1, 2],
        ),
        ("@prefix ex: <http://e/> .\nex:a\\.b ex:p ex:c.d .\n", [1, 2]),
    ],
)
def test_statements_are_cut_at_their_final_dot(text, starts):
    # Turtle 1.1 section 2.1 (statements end with '.'), 6.3 (PN_LOCAL may hold but not end with
    # '.'), 2.5.1 (strings, long strings), 2.6 (blank nodes), 2.8 (collections).
    from frkg.store import positions

    assert [s.line for s in positions.statements(text)] == starts
