"""`frkg query`: a SPARQL query from a terminal, on the data `frkg serve` would serve, behind the
walls of /sparql (one checker: frkg.sparql.check; the service's worker pool, time limit and caps).

Answers are compared as results and graphs, not strings: each is parsed back (pyoxigraph's
SPARQL results and RDF parsers) and compared with what the same query gives on a plain
pyoxigraph store of the same files. Exit status: 0 answered, 1 refused or not a query, 2 the
query file or the data could not be read, 3 stopped at a limit.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from frkg import CANONICAL_BASE
from frkg.cli import main

from conftest import FIXTURES, GOOD_FIXTURES, ROOT
from doc_examples import fenced_blocks, page_text
from hostile_queries import SHAPES

ID = CANONICAL_BASE + "id/"
DATA = ["--ontology", str(ROOT / "ontology"), "--data", str(GOOD_FIXTURES)]
DATA += ["--shapes", str(FIXTURES / "empty")]
PEOPLE = "SELECT ?p ?name WHERE { ?p a schema:Person ; rdfs:label ?name } ORDER BY ?name"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def run(*args: str, env: dict[str, str] | None = None, stdin: bytes | None = None):
    """`frkg query ...` through click's runner, with the environment free of FRKG_ settings."""
    clean = {k: None for k in os.environ if k.startswith("FRKG_")}
    return CliRunner().invoke(
        main, ["query", *args], env={**clean, **(env or {})}, input=stdin, catch_exceptions=False
    )


@pytest.fixture(scope="module")
def plain_store() -> ox.Store:
    """The same files in a plain pyoxigraph store: the reference answers come from it."""
    reference = ox.Store()
    for path in [*sorted((ROOT / "ontology").glob("*.ttl")), *sorted(GOOD_FIXTURES.glob("*.ttl"))]:
        reference.load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=CANONICAL_BASE)
    return reference


PREFIXES = (
    "PREFIX schema: <https://schema.org/> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    f"PREFIX id: <{ID}> "
)


def rows(solutions) -> list[dict[str, str]]:
    return [
        {v.value: str(s[v]) for v in solutions.variables if s[v] is not None} for s in solutions
    ]


def expected_rows(store: ox.Store, query: str) -> list[dict[str, str]]:
    return rows(store.query(PREFIXES + query))


def _csv_text(term: str) -> str:
    """What the CSV results format writes for a term in N-Triples form: IRIs bare, literals'
    lexical form."""
    return term.strip("<>") if term.startswith("<") else term.split('"')[1]


# --- answers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt, parser",
    [
        ("json", ox.QueryResultsFormat.JSON),
        ("csv", ox.QueryResultsFormat.CSV),
        ("tsv", ox.QueryResultsFormat.TSV),
    ],
)
def test_select_answers_in_each_results_format(plain_store, fmt, parser):
    # SPARQL 1.1 Query Results JSON (W3C REC, section 3), CSV and TSV (W3C REC, sections 2, 3).
    result = run(PEOPLE, "--format", fmt, *DATA)
    assert result.exit_code == 0, result.output
    if fmt == "csv":  # lossy, so pyoxigraph does not read it back: Python's csv module does
        got = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    else:
        got = rows(ox.parse_query_results(result.stdout_bytes, format=parser))
    wanted = expected_rows(plain_store, PEOPLE)
    assert len(wanted) >= 3
    if fmt == "csv":  # CSV drops language tags and datatypes (its REC, section 2)
        wanted = [{k: _csv_text(v) for k, v in r.items()} for r in wanted]
    assert got == wanted


def test_table_shows_prefixed_iris_and_literal_text(plain_store):
    result = run(PEOPLE, *DATA)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["p", "name"]
    assert set(lines[1]) <= {"-", " "}
    wanted = plain_store.query(PREFIXES + PEOPLE)
    body = [line.split(None, 1) for line in lines[2:-1]]
    assert body == [["id:" + s["p"].value.removeprefix(ID), s["name"].value] for s in wanted]
    assert lines[-1] == f"({len(body)} rows)"


def test_ask_answers_true_or_false():
    assert run("ASK { id:example-pat-advocate ?p ?o }", *DATA).stdout == "true\n"
    assert run("ASK { id:nobody ?p ?o }", *DATA).stdout == "false\n"
    result = run("ASK { id:nobody ?p ?o }", "--format", "json", *DATA)
    assert json.loads(result.stdout) == {"head": {}, "boolean": False}


@pytest.mark.parametrize(
    "fmt, parser",
    [
        ("table", ox.RdfFormat.TURTLE),
        ("turtle", ox.RdfFormat.TURTLE),
        ("json", ox.RdfFormat.JSON_LD),
        ("jsonld", ox.RdfFormat.JSON_LD),
        ("ntriples", ox.RdfFormat.N_TRIPLES),
    ],
)
def test_construct_answers_a_graph(plain_store, fmt, parser):
    query = "CONSTRUCT { ?p rdfs:label ?name } WHERE { ?p a schema:Person ; rdfs:label ?name }"
    result = run(query, "--format", fmt, *DATA)
    assert result.exit_code == 0, result.output
    got = set(ox.parse(result.stdout_bytes, format=parser))
    wanted = {
        ox.Triple(t.subject, t.predicate, t.object) for t in plain_store.query(PREFIXES + query)
    }
    assert {ox.Triple(q.subject, q.predicate, q.object) for q in got} == wanted


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_a_graph_in_a_table_format_is_a_usage_error(fmt):
    result = run("DESCRIBE id:example-pat-advocate", "--format", fmt, *DATA)
    assert result.exit_code == 2
    assert f"--format {fmt} cannot hold" in result.stderr
    assert "turtle" in result.stderr


def test_the_datasets_prefixes_are_declared_and_a_querys_own_win(plain_store):
    # As /sparql: id:, frkg:, schema:, rdfs: ... need no PREFIX; one the query declares is its.
    result = run("SELECT ?p { ?p a schema:Person }", "--format", "json", *DATA)
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["results"]["bindings"]) >= 3
    own = "PREFIX schema: <http://example.org/not-schema/> SELECT ?p { ?p a schema:Person }"
    result = run(own, "--format", "json", *DATA)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["results"]["bindings"] == []


def test_query_from_a_file_and_from_stdin(tmp_path):
    path = tmp_path / "people.rq"
    path.write_text("# who is there\n" + PEOPLE + "\n", encoding="utf-8")
    from_text = run(PEOPLE, "--format", "json", *DATA)
    from_file = run(str(path), "--format", "json", *DATA)
    from_stdin = run("-", "--format", "json", *DATA, stdin=PEOPLE.encode())
    assert from_file.exit_code == from_stdin.exit_code == 0, from_file.output
    assert json.loads(from_file.stdout) == json.loads(from_stdin.stdout)
    assert json.loads(from_file.stdout) == json.loads(from_text.stdout)


def test_the_store_frkg_serve_would_use(tmp_path, plain_store):
    # --store: the on-disk store `frkg load --store` built, read as `frkg serve --store` reads it.
    built = tmp_path / "store"
    env = {k: None for k in os.environ if k.startswith("FRKG_")}
    load = CliRunner().invoke(main, ["load", "--store", str(built), *DATA], env=env)
    assert load.exit_code == 0, load.output
    result = run(PEOPLE, "--format", "json", "--store", str(built))
    assert result.exit_code == 0, result.output
    answer = ox.parse_query_results(result.stdout_bytes, format=ox.QueryResultsFormat.JSON)
    assert rows(answer) == expected_rows(plain_store, PEOPLE)


@pytest.mark.slow
def test_a_sparql_endpoint_answers_as_the_files_do(virtuoso_endpoint, monkeypatch):
    # --sparql-endpoint: Virtuoso loaded with `frkg load --nquads` (docs/scaling.md), read as
    # `frkg serve --sparql-endpoint` reads it; the answer is the one the repository's files give.
    monkeypatch.chdir(ROOT)
    people = "SELECT ?p ?name WHERE { ?p a schema:Person ; rdfs:label ?name } ORDER BY ?p"
    from_files = run(people, "--format", "json")
    from_endpoint = run(people, "--format", "json", "--sparql-endpoint", virtuoso_endpoint)
    assert from_endpoint.exit_code == 0, from_endpoint.output
    bindings = json.loads(from_endpoint.stdout)["results"]["bindings"]
    assert len(bindings) > 10
    assert bindings == json.loads(from_files.stdout)["results"]["bindings"]
    with canary() as (url, heard):
        refused = run(
            f"SELECT * {{ SERVICE <{url}> {{}} }}", "--sparql-endpoint", virtuoso_endpoint
        )
    assert refused.exit_code == 1
    assert heard == []


def test_settings_come_from_the_environment_as_for_serve():
    env = {
        "FRKG_ONTOLOGY": str(ROOT / "ontology"),
        "FRKG_DATA": str(GOOD_FIXTURES),
        "FRKG_SHAPES": str(FIXTURES / "empty"),
    }
    result = run("ASK { id:example-pat-advocate ?p ?o }", env=env)
    assert (result.exit_code, result.stdout) == (0, "true\n")


def test_a_cut_answer_says_so_on_stderr():
    result = run(PEOPLE, "--format", "json", *DATA, env={"FRKG_SPARQL_RESULT_CAP": "2"})
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["results"]["bindings"]) == 2
    assert "warning: the answer was cut after 2 rows" in result.stderr
    assert "FRKG_SPARQL_RESULT_CAP (2 rows)" in result.stderr


@pytest.mark.parametrize(
    "value, shown",
    [
        ("red\\u001B[31m", "red\\x1b[31m"),  # an ANSI escape sequence would colour the terminal
        ("a\\u202Eb", "a\\u202eb"),  # a right-to-left override would reorder what follows
        ("two\\nlines", "two\\nlines"),
        ("bell\\u0007", "bell\\x07"),
    ],
)
def test_table_cells_never_reach_the_terminal_raw(tmp_path, value, shown):
    # Turtle's \u escapes (RDF 1.1 Turtle section 6.4, UCHAR) put controls in the data; SPARQL
    # strings may not hold them, so the data must be where they come from.
    data = tmp_path / "odd.ttl"
    data.write_text(
        f'<{ID}odd> <http://www.w3.org/2000/01/rdf-schema#label> "{value}" .\n', encoding="utf-8"
    )
    result = run("SELECT ?x { id:odd rdfs:label ?x }", "--data", str(data), *DATA[:2])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[2] == shown
    assert all(ord(c) >= 0x20 and c != "\u202e" for c in result.stdout.replace("\n", ""))


# --- refusals and failures ---------------------------------------------------------------------


@contextmanager
def canary() -> Iterator[tuple[str, list[bytes]]]:
    """A TCP listener on 127.0.0.1 that records whatever connects to it."""
    heard: list[bytes] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                heard.append(b"<connected>")

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/sparql", heard
    finally:
        time.sleep(0.2)  # a late connection still counts
        stop.set()
        thread.join()
        listener.close()


SERVICE_TEMPLATES = [
    "SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "select * {{ service silent <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
    # pyoxigraph needs no word boundary after a keyword (DESIGN.md section 6)
    "SELECT * {{ ?s ?p trueSERVICE<{url}>{{ ?s ?p ?o }} }}",
    "SELECT * {{ ?s ?p ?o SERVICESILENT<{url}>{{ ?s ?p ?o }} }}",
    # \\u escapes are decoded before parsing (SPARQL 1.1 Query, section 19.2)
    "SELECT * {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    'SELECT * {{ ?s ?p ?o FILTER(1 <2#>"""\n|| true) SERVICE <{url}> {{ ?s ?p ?o }}\n#""" )\n}}',
]


@pytest.mark.parametrize("template", SERVICE_TEMPLATES)
def test_service_is_refused_and_fetches_nothing(template):
    with canary() as (url, heard):
        result = run(template.format(url=url), *DATA)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert "SERVICE clauses are not allowed" in result.stderr or "Syntax error" in result.stderr
    assert heard == []


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "CLEAR ALL",
        "LOAD <http://127.0.0.1:9/x.ttl>",
        "PREFIX ex: <http://e/> DROP GRAPH ex:g",
        "SELECT * { ?s ?p ?o } ; INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
    ],
)
def test_updates_are_refused_and_change_nothing(update, tmp_path):
    # SPARQL 1.1 Update (W3C REC) operations: this is a read-only query command.
    built = tmp_path / "store"
    env = {k: None for k in os.environ if k.startswith("FRKG_")}
    assert CliRunner().invoke(main, ["load", "--store", str(built), *DATA], env=env).exit_code == 0
    count = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    before = run(count, "--format", "json", "--store", str(built)).stdout
    result = run(update, "--store", str(built))
    assert result.exit_code == 1, result.output
    assert "read-only" in result.stderr or "Syntax error" in result.stderr
    assert run(count, "--format", "json", "--store", str(built)).stdout == before


def test_a_syntax_error_names_line_and_column_with_a_caret():
    result = run("SELECT ?s\nWHERE { ?s ?p }", *DATA)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: Syntax error at line 2, column 15")
    assert lines[1] == "  WHERE { ?s ?p }"
    assert lines[2] == "                ^"


def test_an_undeclared_prefix_is_a_syntax_error():
    result = run("SELECT * { ?s nope:x ?o }", *DATA)
    assert result.exit_code == 1
    assert "the prefix nope: is not declared" in result.stderr


def test_a_refused_query_does_not_load_the_data(tmp_path):
    # The check runs first: a broken data file is never read for a query that is refused.
    broken = tmp_path / "broken.ttl"
    broken.write_text("this is not turtle", encoding="utf-8")
    result = run("SELECT * { SERVICE <http://127.0.0.1:9/> {} }", "--data", str(broken))
    assert result.exit_code == 1
    answered = run("ASK {}", "--data", str(broken))
    assert answered.exit_code == 2
    assert f"error: {broken}:1:" in answered.stderr


def test_a_query_over_the_length_limit_is_refused(tmp_path):
    env = {"FRKG_SPARQL_MAX_QUERY_LENGTH": "100"}
    text = "SELECT * { ?s ?p ?o } #" + "x" * 200
    result = run(text, *DATA, env=env)
    assert result.exit_code == 1
    assert "FRKG_SPARQL_MAX_QUERY_LENGTH" in result.stderr
    big = tmp_path / "big.rq"
    big.write_bytes(text.encode() + "é".encode() * 10**6)  # read only up to the limit
    result = run(str(big), *DATA, env=env)
    assert result.exit_code == 1
    assert "at most 100 bytes" in result.stderr


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("missing.rq", None, "cannot read the query: No such file"),
        ("latin1.rq", b'SELECT * { ?s ?p "caf\xe9" }', "is not UTF-8 text (byte 22)"),
    ],
)
def test_an_unreadable_query_file_is_exit_2(tmp_path, name, content, expected):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = run(str(path), *DATA)
    assert result.exit_code == 2
    assert expected in result.stderr


def test_an_endpoint_that_does_not_answer_is_exit_2():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    result = run("ASK {}", "--sparql-endpoint", f"http://127.0.0.1:{port}/sparql")
    assert result.exit_code == 2
    assert "error: the SPARQL endpoint" in result.stderr


def test_a_runaway_query_is_stopped_at_the_time_limit():
    # pyoxigraph has no timeout: the service's worker is killed (DESIGN.md section 2).
    started = time.monotonic()
    result = run(RUNAWAY, "--timeout", "1", *DATA)
    elapsed = time.monotonic() - started
    assert result.exit_code == 3, result.output
    assert "stopped after the time limit of 1 seconds" in result.stderr
    assert elapsed < 15
    result = run(RUNAWAY, *DATA, env={"FRKG_SPARQL_TIMEOUT": "0.5"})
    assert result.exit_code == 3
    assert "time limit of 0.5 seconds" in result.stderr


def test_a_memory_bomb_is_stopped_at_the_memory_limit():
    binds = " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(30))
    bomb = f'SELECT (STRLEN(?s30) AS ?n) WHERE {{ BIND("0123456789abcdef" AS ?s0) {binds} }}'
    limits = {"FRKG_SPARQL_WORKER_MEMORY_MB": "300", "FRKG_SPARQL_TIMEOUT": "30"}
    result = run(bomb, *DATA, env=limits)
    assert result.exit_code == 3, result.output
    assert "more memory than one query may use (300 MB" in result.stderr


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_hostile_query_text_gets_a_clear_answer_fast(shape):
    # The shapes that made an old checker slow (tests/hostile_queries.py), just under the
    # length limit: each is answered or refused by the one checker, quickly, with no traceback.
    text = SHAPES[shape](60000)
    started = time.monotonic()
    result = run(text, "--format", "json", "--timeout", "5", *DATA)
    assert time.monotonic() - started < 30
    assert result.exit_code in (0, 1, 3), result.output
    assert "Traceback" not in result.stderr
    if result.exit_code:
        assert result.stderr.startswith("error: ")
    else:
        assert "head" in json.loads(result.stdout)


def test_as_a_real_process_with_exit_codes_and_clean_streams():
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRKG_")}
    cmd = [sys.executable, "-m", "frkg", "query"]
    good = subprocess.run(
        [*cmd, "ASK { id:example-pat-advocate ?p ?o }", *DATA],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert (good.returncode, good.stdout, good.stderr) == (0, b"true\n", b"")
    bad = subprocess.run(
        [*cmd, "SELECT * WHERE { ?s ?p", *DATA], capture_output=True, env=env, cwd=ROOT, timeout=120
    )
    assert bad.returncode == 1
    assert bad.stdout == b""
    assert bad.stderr.startswith(b"error: Syntax error at line 1")


# --- docs/command-line.md: every `frkg query` example runs, and shows its real output ----------


def doc_examples() -> list[tuple[str, str | None]]:
    """(command, the output shown in the ``text`` block right after it, or None) of every
    `frkg query` line of the page's ``sh`` blocks."""
    blocks = fenced_blocks(page_text("docs/command-line.md"))
    found = []
    for i, (info, body) in enumerate(blocks):
        commands = [line for line in body.splitlines() if line.startswith("frkg query")]
        if info != "sh" or not commands:
            continue
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        shown = after[1] if after and after[0] == "text" and len(commands) == 1 else None
        found += [(command, shown) for command in commands]
    return found


def test_docs_show_query_examples():
    assert len(doc_examples()) >= 3
    assert any(shown for _, shown in doc_examples())


@pytest.mark.parametrize("index", range(len(doc_examples())))
def test_docs_query_example_runs_on_the_repositorys_data(index, monkeypatch):
    command, shown = doc_examples()[index]
    args = shlex.split(command)[2:]
    monkeypatch.chdir(ROOT)  # the default settings: ontology/, data/ and shapes/ here
    result = run(*args)
    assert result.exit_code == 0, (command, result.output)
    if shown is not None:  # the output shown is the real one, on the repository's data
        assert result.stdout == shown
