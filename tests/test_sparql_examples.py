"""The example queries answer their research questions, and docs/sparql.md's query examples run.

Expected answers are derived from the data itself (every quad the server loads, inferred
inverses included), walked in Python rather than queried, so the tests keep holding whatever
data is added. They run over the fixture dataset (tests/fixtures/sparql) and over the
repository's own data/.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import RDF, RDFS, URIRef

from frkg import sparql, store
from frkg.config import expand_paths

from conftest import FIXTURES, ROOT, SPARQL_FIXTURE, fixture_server_args, http, running_server
from doc_examples import RUN_COMMANDS, commands, fenced_blocks, page_text, section

ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")


def frkg(base: str) -> rdflib.Namespace:
    return rdflib.Namespace(f"{base}ontology#")


def served_graph(data: list[Path], base: str) -> rdflib.Graph:
    """Every triple the server serves for ``data`` (loaded exactly as the server loads it)."""
    kg = store.load_files({"ontology": expand_paths([str(ROOT / "ontology")]), "data": data}, base)
    nt = ox.serialize(
        (
            ox.Triple(q.subject, q.predicate, q.object)
            for q in kg.store.quads_for_pattern(None, None, None, None)
        ),
        format=ox.RdfFormat.N_TRIPLES,
    )
    return rdflib.Graph().parse(data=nt, format="nt")


def run(endpoint: str, base: str, name: str) -> list[dict[str, str]]:
    example = next(e for e in sparql.example_queries() if e.name == name)
    status, headers, body = http(
        "POST",
        endpoint,
        example.for_base(base),
        {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    )
    assert status == 200, body
    assert "frkg-results-truncated" not in headers
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(body)["results"]["bindings"]]


def labelled(g: rdflib.Graph, node) -> bool:
    """Has an English rdfs:label (every example shows labels, so it needs one to list a node)."""
    return any(getattr(label, "language", None) == "en" for label in g.objects(node, RDFS.label))


def subclasses_of(g: rdflib.Graph, cls: URIRef) -> set[URIRef]:
    return set(g.transitive_subjects(RDFS.subClassOf, cls))


# -- what each research question's answer must be, derived from the data ----------------------


def expected_quotes(g: rdflib.Graph, base: str) -> set[tuple]:
    f = frkg(base)
    return {
        (str(q), str(text), str(speaker), str(source))
        for q in g.subjects(RDF.type, f.Quote)
        for text in g.objects(q, f.verbatimText)
        for speaker in g.objects(q, f.speaker)
        for source in g.objects(q, DCT.source)
        if labelled(g, source) and labelled(g, speaker)
    }


def expected_signatories(g: rdflib.Graph, base: str) -> set[tuple]:
    f = frkg(base)
    organizations = subclasses_of(g, ORG.Organization)
    return {
        (str(letter), str(who))
        for letter in g.subjects(RDF.type, f.OpenLetter)
        for who in g.objects(letter, f.signatory)
        if set(g.objects(who, RDF.type)) & organizations
        and labelled(g, who)
        and labelled(g, letter)
    }


def expected_opponents(g: rdflib.Graph, base: str) -> set[tuple]:
    """Who said or was spoken for in a statement opposing bans, who belongs to a coalition that
    made one, and who signed the letter one was made in; with the alternatives that are not bans
    proposed by them or their coalition or letter, or that the statement is about."""
    f = frkg(base)
    policies = subclasses_of(g, f.Policy)
    rows = set()
    for statement in g.subjects(f.stance, f["stance-opposes-ban"]):
        voices = {*g.objects(statement, f.speaker), *g.objects(statement, f.speaksFor)}
        reached = {(v, statement) for v in voices}
        for coalition in voices:
            if (coalition, RDF.type, f.Coalition) in g:
                reached |= {(m, coalition) for m in g.subjects(ORG.memberOf, coalition)}
        for letter in g.objects(statement, f.channel):
            reached |= {(s, letter) for s in g.objects(letter, f.signatory)}
        for opponent, through in reached:
            if not labelled(g, opponent):
                continue
            candidates = {
                *g.subjects(f.proposedBy, opponent),
                *g.objects(statement, f.about),
                *g.subjects(f.proposedBy, through),
                *g.objects(through, f.advocates),
            }
            alternatives = {
                p
                for p in candidates
                if set(g.objects(p, RDF.type)) & policies
                and (p, f.policyKind, f["kind-ban"]) not in g
                and labelled(g, p)
            }
            rows |= {(str(opponent), str(a)) for a in alternatives} or {(str(opponent), None)}
    return rows


ADOPTED = ("enacted", "in-force", "superseded", "expired", "repealed")


def _last_day(date) -> str:
    """The last day a date allows, as text (a month ends on "31" for sorting only)."""
    text = str(date)
    return {4: text + "-12-31", 7: text + "-31"}.get(len(text), text)


def expected_adoptions(g: rdflib.Graph, base: str) -> set[tuple]:
    """Each policy a step left adopted, where, and the date of the adopting step surely first
    (steps that only report a status excluded), or "date unknown"."""
    f = frkg(base)
    reached = {f["status-" + s] for s in ADOPTED}
    adopted: dict[URIRef, list] = {}
    for event, status in g.subject_objects(f.resultingStatus):
        if status not in reached:
            continue
        for policy in g.objects(event, f.policy):
            dates = adopted.setdefault(policy, [])
            if (event, f.eventType, f["event-status-reported"]) not in g:
                dates += list(g.objects(event, DCT.date))
    rows = set()
    for policy, dates in adopted.items():
        where = g.value(policy, f.jurisdiction) or g.value(policy, f.adoptedBy)
        if where is not None and labelled(g, where) and labelled(g, policy):
            first = str(min(dates, key=_last_day)) if dates else "date unknown"
            rows.add((str(policy), str(where), first))
    return rows


def answers(endpoint: str, base: str) -> Iterator[tuple[str, set, set]]:
    """(example name, rows the endpoint gives, rows the data implies), for each question."""
    quotes = run(endpoint, base, "quotes")
    yield (
        "quotes",
        {(r["quote"], r["text"], r["speaker"], r["source"]) for r in quotes},
        expected_quotes,
    )
    signatories = run(endpoint, base, "open-letter-signatories")
    yield (
        "open-letter-signatories",
        {(r["letter"], r["organization"]) for r in signatories},
        expected_signatories,
    )
    opponents = run(endpoint, base, "opponents-of-bans")
    yield (
        "opponents-of-bans",
        {(r["opponent"], r.get("alternative")) for r in opponents},
        expected_opponents,
    )
    adopted = run(endpoint, base, "adopted-policies")
    yield (
        "adopted-policies",
        {(r["policy"], r["where"], r["adopted"]) for r in adopted},
        expected_adoptions,
    )


def test_examples_answer_their_questions_on_the_fixture_data(sparql_server):
    g = served_graph([SPARQL_FIXTURE / "debate.ttl"], sparql_server)
    for name, got, expected in answers(sparql_server + "sparql", sparql_server):
        want = expected(g, sparql_server)
        assert got == want, name
        assert got, f"{name} gives no rows on the fixture data"


def test_quote_rows_carry_speaker_organization_date_and_source(sparql_server):
    rows = run(sparql_server + "sparql", sparql_server, "quotes")
    greer = [r for r in rows if r["speakerLabel"] == "Evan Greer"]
    assert greer and all(r["organizationLabel"] == "Fight for the Future" for r in greer)
    assert all(r["url"].startswith("https://") and r["sourceTitle"] for r in rows)
    dated = [r for r in rows if "said" in r]
    assert dated and all(re.fullmatch(r"\d{4}-\d\d-\d\d", r["said"]) for r in dated)


@pytest.mark.slow
def test_examples_answer_their_questions_on_the_repository_data():
    data = expand_paths([str(ROOT / "data")])
    debate = [p for p in data if p.name != "dataset.ttl"]
    with running_server(*fixture_server_args(*(data or [FIXTURES / "empty"]))) as base:
        g = served_graph(data, base)
        for name, got, expected in answers(base + "sparql", base):
            assert got == expected(g, base), name
            if debate:  # once the debate data is in data/, every question has an answer
                assert got, f"{name} gives no rows on the repository data"


# -- docs/sparql.md -----------------------------------------------------------------------------


def querying_section() -> str:
    return section(page_text("docs/sparql.md"), "Querying")


def test_docs_list_every_example_query():
    listed = set(re.findall(r"^\| `([a-z0-9-]+)\.rq` \|", querying_section(), flags=re.M))
    assert listed >= {e.name for e in sparql.example_queries() if not e.name.startswith("debate-")}
    for example in sparql.example_queries():
        if example.name in listed:
            assert f"| `{example.name}.rq` | {example.title} |" in querying_section()


def test_docs_curl_examples_run(sparql_server):
    curls = commands(querying_section(), "curl ")
    assert len(curls) == RUN_COMMANDS["docs/sparql.md", "curl "]
    for command in curls:
        command = command.replace("http://127.0.0.1:8000/", sparql_server)
        result = subprocess.run(
            command.replace("curl ", "curl -sS --fail-with-body ", 1),
            shell=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.strip(), command


def test_docs_sparqlwrapper_example_runs(sparql_server):
    ((_, code),) = fenced_blocks(querying_section(), "python")
    result = subprocess.run(
        [sys.executable, "-c", code.replace("http://127.0.0.1:8000/", sparql_server)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith(sparql_server + "id/") for line in lines)
