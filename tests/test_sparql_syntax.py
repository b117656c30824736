"""The SPARQL 1.1 query checker: it reads what the grammar says, refuses what it must, and the
text it writes back means to pyoxigraph what the original meant.

Corpora: the W3C SPARQL 1.0 and 1.1 query tests (tests/fixtures/w3c-sparql), the example
queries shipped in the package, every query written in this test suite, and the bypasses of
the old token scan (tests/fixtures/sparql/bypasses.txt). Each query runs as written and as
written back, on the same small store, and the answers are compared.
"""

from __future__ import annotations

import ast
import re
import socket
import threading
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frkg import sparql_syntax as sx

from hostile_queries import SHAPES

TESTS = Path(__file__).parent
W3C = TESTS / "fixtures" / "w3c-sparql"
BYPASSES = TESTS / "fixtures" / "sparql" / "bypasses.txt"
BASE = "http://example.org/frkg/sparql"

# -- helpers ------------------------------------------------------------------------------------


class Canary:
    """A TCP listener on 127.0.0.1 that counts connections; it records each one before closing
    it, so a client that saw the close has been counted."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/sparql"
        self.heard = 0
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.heard += 1
            conn.close()

    def close(self) -> None:
        self.server.close()


@pytest.fixture(scope="module")
def canary() -> Iterator[Canary]:
    listener = Canary()
    yield listener
    listener.close()


def small_store() -> ox.Store:
    """Two triples in the graph <http://e/g>, one with a boolean object."""
    store = ox.Store()
    g, s, p = ox.NamedNode("http://e/g"), ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p")
    store.add(ox.Quad(s, p, ox.NamedNode("http://e/o"), g))
    store.add(ox.Quad(s, p, ox.Literal(True), g))
    return store


def answer(store: ox.Store, text: str, base: str | None = BASE, **options) -> object:
    """What the engine answers, blank nodes blurred and rows sorted; or the kind of error."""
    try:
        result = store.query(text, base_iri=base, **options)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            return names, sorted(
                repr([None if r[n] is None else _blur(r[n]) for n in names]) for r in result
            )
        return sorted(repr([_blur(t.subject), str(t.predicate), _blur(t.object)]) for t in result)
    except SyntaxError:
        return "syntax error"
    except (OSError, RuntimeError, ValueError) as e:
        return f"failed: {type(e).__name__}"


def _blur(term) -> str:
    return "_:b" if isinstance(term, ox.BlankNode) else str(term)


NONDETERMINISTIC = re.compile(r"\b(RAND|NOW|UUID|STRUUID)\s*\(", re.IGNORECASE)


def outcome(text: str, **options) -> object:
    """The checker's verdict: the text written back, or the refusal's class."""
    try:
        return sx.parse(text, **options).text()
    except sx.Refusal as refusal:
        return type(refusal)


# -- traps: token boundaries ---------------------------------------------------------------------

# (text, what the checker makes of it): the text written back, or the refusal.
TRAPS = [
    # keywords glued to their neighbours: pyoxigraph reads two keywords, the grammar one word
    ("SELECT * { ?s ?p trueSERVICE<http://x/>{} }", sx.SyntaxProblem),
    ("SELECT * { SERVICESILENT<http://x/>{} }", sx.SyntaxProblem),
    ("SELECT * {} LIMIT1", sx.SyntaxProblem),
    ("SELECT(1AS?x){}", sx.SyntaxProblem),
    ("SELECT*{?s?p?o}", "SELECT * { ?s ?p ?o }"),
    ("SELECT * { SERVICE<http://x/>{} }", sx.ServiceClause),
    # `<`: an IRI by the longest match, never a less-than glued to what follows
    ("SELECT * { ?s ?p ?o FILTER(?o <?s&&?o> ?s) }", sx.SyntaxProblem),
    ("SELECT * { ?s ?p ?o FILTER(?o <?s#>\n) }", sx.SyntaxProblem),
    ("SELECT * { ?s ?p ?o FILTER(?o<?s) }", "SELECT * { ?s ?p ?o FILTER ( ?o < ?s ) }"),
    ("SELECT * { ?s ?p ?o FILTER(?o<=?s) }", "SELECT * { ?s ?p ?o FILTER ( ?o <= ?s ) }"),
    # comments go, whatever they hold
    ("SELECT * { ?s ?p ?o } # SERVICE <http://x/> {}", "SELECT * { ?s ?p ?o }"),
    ("SELECT * { # }\n ?s ?p ?o }", "SELECT * { ?s ?p ?o }"),
    # codepoint escapes (section 19.2): decoded, and never a delimiter
    ('SELECT ("caf\\u00e9" AS ?x) {}', 'SELECT ( "café" AS ?x ) { }'),
    ("SELECT (<http://e/\\u0041> AS ?x) {}", "SELECT ( <http://e/A> AS ?x ) { }"),
    ("SELECT ?x\\u0070 {}", "SELECT ?xp { }"),
    ("SELECT * { \\u0053ERVICE <http://x/> {} }", sx.ServiceClause),
    ('SELECT ("\\\\u0041" AS ?x) {}', sx.SyntaxProblem),  # pyoxigraph: a backslash and u0041
    ('SELECT ("a\\u0022b" AS ?x) {}', sx.SyntaxProblem),  # an escaped quote
    ("SELECT (<http://e/\\u003E> AS ?x) {}", sx.SyntaxProblem),  # an escaped '>'
    ("SELECT * {} # \\u000A SERVICE <http://x/> {}", sx.SyntaxProblem),  # ends a comment?
    ("SELECT\\u0020* {}", sx.SyntaxProblem),
    ("SELECT * { ?s ?p \\u0022x\\u0022 }", sx.SyntaxProblem),
    ('SELECT * { ?s ?p "\\uD800" }', sx.SyntaxProblem),
    # strings: one safe spelling
    ("SELECT * { ?s ?p '''a\nb\"c''' }", 'SELECT * { ?s ?p "a\\nb\\"c" }'),
    ('SELECT ("""""a""" AS ?x) {}', 'SELECT ( "\\"\\"a" AS ?x ) { }'),
    ('SELECT ("""a"""" AS ?x) {}', sx.SyntaxProblem),
    ('SELECT ("\\t\\\\" AS ?x) {}', 'SELECT ( "\\t\\\\" AS ?x ) { }'),
    ('SELECT * { ?s ?p "\\u0000" }', sx.SyntaxProblem),
    ('SELECT * { ?s ?p "oops . SERVICE <http://x/> { } }', sx.SyntaxProblem),
    # `a`, numbers, signs, language tags, datatypes
    ("SELECT * { ?s a ?o }", "SELECT * { ?s a ?o }"),
    ("SELECT * { ?s A ?o }", sx.SyntaxProblem),
    ("SELECT * { ?s ?p 1.e5 }", "SELECT * { ?s ?p 1.e5 }"),
    ("SELECT * { ?s ?p 1.}", "SELECT * { ?s ?p 1 . }"),
    ("SELECT * { ?s ?p .5 }", "SELECT * { ?s ?p .5 }"),
    ("SELECT * { FILTER(?x-1 = 2) }", "SELECT * { FILTER ( ?x -1 = 2 ) }"),
    ("SELECT (1+-1 AS ?x) {}", "SELECT ( 1 + -1 AS ?x ) { }"),
    ("SELECT * { ?s <http://e/p>+1 }", "SELECT * { ?s <http://e/p> +1 }"),
    ("SELECT * { ?s <http://e/p>? ?o }", "SELECT * { ?s <http://e/p> ? ?o }"),
    ("SELECT * { ?s <http://e/p>?o }", "SELECT * { ?s <http://e/p> ?o }"),
    ('SELECT ("x"@en-US AS ?x) {}', 'SELECT ( "x"@en-US AS ?x ) { }'),
    ('SELECT ("x" @en AS ?x) {}', 'SELECT ( "x"@en AS ?x ) { }'),
    (
        'SELECT ("1" ^^ <http://www.w3.org/2001/XMLSchema#int> AS ?x) {}',
        'SELECT ( "1"^^<http://www.w3.org/2001/XMLSchema#int> AS ?x ) { }',
    ),
    ("SELECT (TRUE AS ?t) (False AS ?f) {}", "SELECT ( true AS ?t ) ( false AS ?f ) { }"),
    # built-in calls keep their parenthesis (pyoxigraph refuses `CONCAT (`), NIL and ANON glued
    ("SELECT (CONCAT ( 'a' ) AS ?x) {}", 'SELECT ( CONCAT( "a" ) AS ?x ) { }'),
    ("SELECT * { ( ) ?p [ ] }", "SELECT * { () ?p [] }"),
    # prefixed names, variables, blank nodes
    (
        "PREFIX : <http://e/> SELECT * { :a :b :c.d. }",
        "PREFIX : <http://e/> SELECT * { :a :b :c.d . }",
    ),
    (
        "PREFIX a: <http://e/> SELECT * { ?s a:p ?o }",
        "PREFIX a: <http://e/> SELECT * { ?s a:p ?o }",
    ),
    (
        "PREFIX : <http://e/> SELECT * { :a :b :\\~%41 }",
        "PREFIX : <http://e/> SELECT * { :a :b :\\~%41 }",
    ),
    ("SELECT * { ?s ex:p ?o }", sx.SyntaxProblem),  # undeclared prefix
    ("SELECT $x { $x ?p _:b.c }", "SELECT ?x { ?x ?p _:b.c }"),
    # what SPARQL 1.1 is not
    ("SELECT (<<( ?s ?p ?o )>> AS ?t) {}", sx.SyntaxProblem),
    ("SELECT * WHERE { ?s ?p ?o } VERSION", sx.SyntaxProblem),
    ("SELECT * { ?s ?p ?o } LIMIT 1 OFFSET 1 LIMIT 2", sx.SyntaxProblem),
]


@pytest.mark.parametrize("text, expected", TRAPS, ids=[t for t, _ in TRAPS])
def test_trap_is_read_as_the_grammar_says(text, expected):
    assert outcome(text) == expected


@pytest.mark.parametrize("text, expected", [t for t in TRAPS if isinstance(t[1], str)])
def test_trap_written_back_means_the_same_to_pyoxigraph(text, expected):
    store = small_store()
    original = answer(store, text)
    if original == "syntax error":  # the checker follows the grammar where pyoxigraph does not
        assert answer(store, expected) != "syntax error"
    else:
        assert answer(store, expected) == original


# -- what is refused ---------------------------------------------------------------------------

SERVICES = [
    "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }",
    "select * { service silent <http://x/> { } }",
    "SELECT * { VALUES ?e { <http://x/> } SERVICE ?e { } }",
    "PREFIX r: <http://x/> ASK { SERVICE r:end { } }",
    "SELECT * { ?s ?p ?o OPTIONAL { SERVICE <http://x/> { } } }",
    "SELECT * { ?s ?p ?o FILTER EXISTS { SERVICE <http://x/> { } } }",
    "SELECT * { ?s ?p ?o FILTER NOT EXISTS { SERVICE <http://x/> { } } }",
    "SELECT * { ?s ?p ?o MINUS { SERVICE <http://x/> { } } }",
    "SELECT * { { SELECT * { SERVICE <http://x/> { } } } }",
    "SELECT * { { } UNION { SERVICE <http://x/> { } } }",
    "SELECT * { GRAPH ?g { SERVICE <http://x/> { } } }",
    "SELECT (EXISTS { SERVICE <http://x/> { } } AS ?b) { }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
    "SELECT * { SERVICE <http://x/> { } ",  # a syntax error after it: still named SERVICE
]


@pytest.mark.parametrize("text", SERVICES)
def test_service_anywhere_is_refused_with_its_position(text):
    with pytest.raises(sx.ServiceClause) as refused:
        sx.parse(text)
    assert refused.value.line == 1 and text[refused.value.column - 1 :].upper().startswith(
        "SERVICE"
    )


UPDATES = [
    "INSERT DATA { <http://a> <http://b> <http://c> }",
    "delete where { ?s ?p ?o }",
    "PREFIX ex: <http://e/> INSERT { ?s ex:p 1 } WHERE { ?s ?p ?o }",
    "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "CLEAR ALL",
    "DROP GRAPH <http://g>",
    "CREATE GRAPH <http://g>",
    "ADD DEFAULT TO <http://g>",
    "MOVE <http://a> TO <http://b>",
    "COPY <http://a> TO <http://b>",
    "BASE <http://e/> PREFIX ex: <x#> DROP ALL",
    "SELECT * {} ; INSERT DATA { }",
    "\\u0049NSERT DATA { }",
]


@pytest.mark.parametrize("text", UPDATES)
def test_update_operations_are_refused_as_updates(text):
    with pytest.raises(sx.UpdateOperation):
        sx.parse(text)


@pytest.mark.parametrize(
    "text, form",
    [
        ("SELECT * {}", "SELECT"),
        ("PREFIX ex: <http://e/select#> ASK {}", "ASK"),
        ("BASE <http://x/> CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("describe <http://x>", "DESCRIBE"),
        ("# CONSTRUCT\nSELECT * {}", "SELECT"),
    ],
)
def test_query_form_comes_from_the_parse(text, form):
    assert sx.parse(text).form == form


def test_nesting_deeper_than_the_limit_is_refused_not_a_recursion_error():
    deep = "SELECT * { FILTER" + "(" * (sx.MAX_DEPTH + 1) + "1" + ")" * (sx.MAX_DEPTH + 1) + " }"
    with pytest.raises(sx.SyntaxProblem, match="nests more than"):
        sx.parse(deep)
    ok = "SELECT * { FILTER" + "(" * 20 + "1" + ")" * 20 + " }"
    assert sx.parse(ok).form == "SELECT"


def test_thousands_of_binds_are_refused_before_they_crash_pyoxigraph():
    # pyoxigraph 0.5 overflows its stack (SIGSEGV) on about 3000 BINDs in one group.
    binds = " ".join(f"BIND({i} AS ?b{i})" for i in range(sx.MAX_ITEMS + 1))
    with pytest.raises(sx.SyntaxProblem, match=f"more than {sx.MAX_ITEMS} patterns"):
        sx.parse(f"SELECT * {{ {binds} }}")
    projection = " ".join(f"({i} AS ?v{i})" for i in range(sx.MAX_ITEMS + 1))
    with pytest.raises(sx.SyntaxProblem, match=f"more than {sx.MAX_ITEMS} things"):
        sx.parse(f"SELECT {projection} {{}}")


def test_syntax_errors_say_where_in_the_original_text():
    with pytest.raises(sx.SyntaxProblem) as refused:
        sx.parse("SELECT * {\n  ?s ?p ?o .\n  FILTER(?o = ) }")
    assert (refused.value.line, refused.value.column) == (3, 15)
    assert "line 3, column 15" in refused.value.message
    text = 'SELECT ("\\u00e9\\u00e9" AS ?x) { bogus }'
    with pytest.raises(sx.SyntaxProblem) as refused:
        sx.parse(text)
    assert refused.value.column == text.index("bogus") + 1  # in the text as sent, escapes too


# -- the dataset clause ------------------------------------------------------------------------


def test_from_clauses_are_resolved_against_base_and_prefixes():
    parsed = sx.parse(
        "BASE <http://e/a/> PREFIX g: <gr/> SELECT * FROM <x> FROM NAMED g:y FROM e:z "
        "WHERE { ?s ?p ?o }",
        base_iri=BASE,
        prefixes={"e": "http://ex/"},
    )
    assert parsed.default_graphs == ("http://e/a/x", "http://ex/z")
    assert parsed.named_graphs == ("http://e/a/gr/y",)
    assert parsed.has_dataset_clause
    assert parsed.text(dataset_clause=False) == (
        "BASE <http://e/a/> PREFIX g: <gr/> SELECT * WHERE { ?s ?p ?o }"
    )


def test_relative_from_uses_the_server_base():
    assert sx.parse("SELECT * FROM <g1> {}", base_iri=BASE).default_graphs == (
        "http://example.org/frkg/g1",
    )
    with pytest.raises(sx.SyntaxProblem, match="absolute IRIs, or relative to a BASE"):
        sx.parse("SELECT * FROM <g1> {}")


def test_server_prefixes_are_declared_in_the_text_written_back():
    parsed = sx.parse(
        "SELECT * { ?s e:p ?o ; f:q ?x }", prefixes={"e": "http://e/", "f": "http://f/"}
    )
    assert parsed.text(prefixes={"e": "http://e/", "f": "http://f/", "unused": "http://u/"}) == (
        "PREFIX e: <http://e/> PREFIX f: <http://f/> SELECT * { ?s e:p ?o ; f:q ?x }"
    )
    own = sx.parse("PREFIX e: <http://mine/> SELECT * { ?s e:p ?o }", prefixes={"e": "http://e/"})
    assert own.text(prefixes={"e": "http://e/"}).startswith("PREFIX e: <http://mine/>")


def test_text_without_dataset_clause_runs_on_the_protocol_dataset():
    store = small_store()
    text = "SELECT ?o FROM <http://e/nothing> WHERE { ?s ?p ?o }"
    parsed = sx.parse(text)
    assert answer(store, text) == (["o"], [])
    stripped = parsed.text(dataset_clause=False)
    assert len(answer(store, stripped, default_graph=[ox.NamedNode("http://e/g")])[1]) == 2


# -- corpora: written back, the same answers ----------------------------------------------------

# W3C tests where the checker and pyoxigraph disagree on purpose.
W3C_CHECKER_STRICTER = {
    # a negative syntax test: `?a <?a&&?b>` is an IRI after a variable; pyoxigraph reads `<`
    "sparql10/syntax-sparql3/syn-bad-26.rq",
}
W3C_CHECKER_FOLLOWS_THE_SPEC = {
    # keywords are case-insensitive (section 19.8); pyoxigraph refuses TRUE and False
    "sparql10/expr-builtin/case-insensitive-booleans.rq",
}


def w3c_queries() -> list[Path]:
    return sorted(W3C.glob("sparql1*/**/*.rq"))


def w3c_store(folder: Path, cache: dict = {}) -> ox.Store:  # noqa: B006 - a deliberate cache
    if folder not in cache:
        store = ox.Store()
        for data in sorted(folder.glob("*.ttl")):
            graph = ox.NamedNode(f"http://example.org/t/{data.relative_to(W3C)}")
            try:
                triples = list(
                    ox.parse(data.read_bytes(), format=ox.RdfFormat.TURTLE, base_iri=graph.value)
                )
            except SyntaxError:
                continue  # some data files are deliberately bad Turtle
            for t in triples:
                store.add(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()))
                store.add(ox.Quad(t.subject, t.predicate, t.object, graph))
        cache[folder] = store
    return cache[folder]


def test_the_w3c_corpus_is_there():
    assert len(w3c_queries()) > 850


@pytest.mark.parametrize("path", w3c_queries(), ids=lambda p: str(p.relative_to(W3C)))
def test_w3c_query_written_back_answers_as_the_original(path):
    name = str(path.relative_to(W3C))
    text = path.read_text(encoding="utf-8")
    base = f"http://example.org/t/{name}"
    store = w3c_store(path.parent)
    original = answer(store, text, base)
    try:
        parsed = sx.parse(text, base_iri=base)
    except sx.ServiceClause:
        assert "service" in name or "SERVICE" in text.upper()
        return
    except sx.SyntaxProblem:
        assert original == "syntax error" or name in W3C_CHECKER_STRICTER
        return
    written = answer(store, parsed.text(), base)
    if name in W3C_CHECKER_FOLLOWS_THE_SPEC:
        assert original == "syntax error" and written != "syntax error"
    elif original == "syntax error":
        # Rules beyond the grammar (variable scope, GROUP BY) are the engine's to enforce: it
        # refuses the text written back just as it refused the original.
        assert written == "syntax error"
    elif not NONDETERMINISTIC.search(text):
        assert written == original


def example_queries() -> list[tuple[str, str]]:
    folder = resources.files("frkg").joinpath("queries")
    if not folder.is_dir():
        folder = resources.files("frkg").joinpath("sparql", "queries")
    return sorted(
        (entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".rq")
    )


def queries_in_the_tests() -> list[str]:
    """Every string constant in tests/*.py that pyoxigraph parses as a query."""
    found: dict[str, None] = {}
    probe = ox.Store()
    for source in sorted(TESTS.glob("*.py")):
        if source.name == Path(__file__).name or source.name.startswith("test_sparql_walls"):
            continue  # their traps are meant to be refused
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if len(text) < 8 or not re.match(
                    r"\s*(#[^\n]*\n\s*)*(PREFIX|BASE|SELECT|ASK|CONSTRUCT|DESCRIBE)\b", text, re.I
                ):
                    continue
                if "127.0.0.1" in text or re.search(r"\bSERVICE\b", text, re.I):
                    continue
                try:
                    probe.query(text, base_iri=BASE)
                except SyntaxError:
                    continue
                except (OSError, RuntimeError, ValueError):
                    pass
                found[text] = None
    return list(found)


def test_every_shipped_example_written_back_answers_as_the_original():
    store = small_store()
    examples = example_queries()
    assert len(examples) >= 10
    for name, text in examples:
        parsed = sx.parse(text, base_iri=BASE)
        assert answer(store, parsed.text(), use_default_graph_as_union=True) == answer(
            store, text, use_default_graph_as_union=True
        ), name


def test_every_query_of_the_test_suite_written_back_answers_as_the_original():
    store = small_store()
    texts = queries_in_the_tests()
    assert len(texts) > 50
    for text in texts:
        parsed = sx.parse(text, base_iri=BASE)
        if not NONDETERMINISTIC.search(text):
            assert answer(store, parsed.text(), use_default_graph_as_union=True) == answer(
                store, text, use_default_graph_as_union=True
            ), text


# -- the bypasses of the old check --------------------------------------------------------------


def bypasses() -> list[tuple[str, str]]:
    cases = []
    text = BYPASSES.read_text(encoding="utf-8")
    for block in text.split("\n### ")[1:]:
        head, _, body = block.partition("\n")
        cases.append((head, body))
    return cases


@pytest.mark.parametrize("head, body", bypasses(), ids=[h for h, _ in bypasses()])
def test_every_known_bypass_is_refused(head, body, canary):
    kind = head.split(":", 1)[0]
    if kind == "slow":
        unit = re.search(r"\{n:(.+)\}", body).group(1)
        text = re.sub(r"\{n:.+\}", unit * (48 * 1024 // len(unit.encode())), body)
        with pytest.raises(sx.Refusal) as refused:
            sx.parse(text)
        assert refused.value.steps < 4 * len(text)
        return
    text = body.replace("{canary}", canary.url)
    before = canary.heard
    original = answer(small_store(), text, use_default_graph_as_union=True)
    if kind == "service":
        assert canary.heard > before, original  # the bypass is real: pyoxigraph ran SERVICE
    else:
        assert original != "syntax error"  # pyoxigraph runs it, FROM and all
    with pytest.raises(sx.Refusal):
        sx.parse(text)


# -- cost: linear, by construction and by count -------------------------------------------------


def test_scanner_patterns_are_single_classes_under_one_star():
    # The structural half of the proof: every regular expression of the checker is one
    # character class, under one star or none (or the two characters of an escape's start):
    # no alternation, no nested or stacked quantifiers, nothing an engine could backtrack into.
    patterns = {k: v.pattern for k, v in vars(sx).items() if isinstance(v, re.Pattern)}
    assert len(patterns) >= 15
    for name, pattern in patterns.items():
        assert re.fullmatch(r"(\\\\)?\[(?:\\.|[^\]\\])+\]\*?", pattern), name
    source = Path(sx.__file__).read_text(encoding="utf-8")
    assert not re.search(r"\bre\.(sub|search|match|fullmatch|findall|finditer|split)\(", source)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_checker_work_on_hostile_input_grows_linearly(shape):
    def steps(size: int) -> int:
        text = SHAPES[shape](size)
        try:
            return sx.parse(text, base_iri=BASE).steps
        except sx.Refusal as refused:
            return refused.steps

    full, half = steps(64 * 1024), steps(32 * 1024)
    assert full <= 6 * 64 * 1024  # a few steps per character at most
    assert full <= 2.2 * half + 200  # twice the text, twice the work


# -- fuzz: splice what must be refused into valid queries ---------------------------------------

BASES = [
    "SELECT * WHERE { ?s ?p ?o }",
    "SELECT ?s WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?r } FILTER(?o != 1) } LIMIT 5",
    "ASK { ?s ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
    "PREFIX e: <http://e/> SELECT (COUNT(*) AS ?n) WHERE { ?s e:p ?o { SELECT ?s { ?s ?p ?o } } }",
    'SELECT ?x WHERE { ?s ?p ?o BIND("a" AS ?x) FILTER EXISTS { ?s ?p ?o } }',
    "DESCRIBE ?s WHERE { ?s ?p ?o }",
    "SELECT * { ?s ?p ?o } VALUES ?o { true <http://e/o> }",
    "SELECT ?o { { ?s ?p ?o } UNION { ?o ?p ?s } MINUS { ?s ?p 1 } } ORDER BY ?o",
]
# Whole graph patterns that make pyoxigraph fetch {c}, spelt every way found so far: spliced
# where a pattern may stand, they keep the query valid for pyoxigraph.
PATTERNS = [
    "SERVICE <{c}> { ?s ?p ?o }",
    "SERVICE SILENT <{c}> { }",
    "SERVICESILENT<{c}>{}",
    "?s ?p trueSERVICE<{c}>{}",
    "?s ?p true SERVICE<{c}>{}",
    "OPTIONAL { SERVICE <{c}> { } }",
    "FILTER EXISTS { SERVICE <{c}> { } }",
    "FILTER(!NOT EXISTS{SERVICE<{c}>{}})",
    "MINUS { SERVICE <{c}> { } }",
    "{ SELECT * { SERVICE <{c}> { } } }",
    "{ } UNION { SERVICE <{c}> { } }",
    "GRAPH ?g { SERVICE <{c}> { } }",
    'FILTER(1 <2#>"""\n|| true) SERVICE <{c}> { }\n#"""\n',
    "FILTER(?o <?s#>'''\n|| true)SERVICE<{c}>{}\n#'''\n",
    "VALUES ?e { <{c}> } SERVICE ?e { }",
    "\\u0053ERVICE <{c}> { }",
    "SERVIC\\u0045 SILENT <{c}> { }",
    "# a comment\nSERVICE <{c}> { }",
    "SERVICE<{c}>{}# a comment\n",
    "SERVICE SILENT <{c}> { ?s ?p ?o SERVICE SILENT <{c}> { } }",
]
# Harmless patterns with the same tricks, so that accepted queries get compared too.
HARMLESS = [
    "?s ?p true",
    "FILTER(true)",
    "BIND(1.e5 AS ?z)",
    "FILTER(1 <2#>\n|| true)",
    "FILTER(?o<?s||?o>=?s)",
    "OPTIONAL{?s ?p 1.}",
    '?s ?p "x"@en',
    "# SERVICE <{c}> { }\n",
    "FILTER(\"\\u0053ERVICE\" != '#')",
]
# Anything else, spliced anywhere.
FRAGMENTS = [
    *PATTERNS,
    *HARMLESS,
    *("SERVICE", "SILENT", "<{c}>", "#", "# comment\n", "\n", '"""', "'''", '"', "'", "<"),
    *("<#", "<?s#>", "FILTER(1 <2#>", "|| true)", "FROM <http://e/g>", "FROM NAMED <http://e/g>"),
    *("FROM", "NAMED", "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }", ";"),
    *("LOAD <{c}>", "CLEAR ALL", "DROP ALL", "WITH <http://e/g>", "DELETE WHERE { ?s ?p ?o }"),
    *("INSERT", "{", "}", "(", ")", ".", "OPTIONAL {", "EXISTS {", "FILTER EXISTS {"),
    *("SELECT * {", "UNION {", "true", "1.e5", "-1", "a", "?s", "\\\\u0041", "\\u0023"),
    *("\\u000A", "\\u007B", "@en", "^^", "_:b", "[]", "()"),
]
GLUE = ["", " ", "\n"]


@st.composite
def spliced(draw) -> str:
    """A base query with one to four fragments spliced in at token boundaries: mostly whole
    patterns where a pattern may stand (after ``{``, ``.`` or ``}``), sometimes anything."""
    base = draw(st.sampled_from(BASES))
    tokens = sx.tokenize(base)
    anywhere = [0, *sorted({t.start for t in tokens}), len(base)]
    pattern_places = [
        t.start + 1 for t in tokens if t.kind == sx.PUNCT and t.value in ("{", ".", "}")
    ][:-1]
    place = st.one_of(
        st.tuples(st.sampled_from(pattern_places), st.sampled_from(PATTERNS + HARMLESS)),
        st.tuples(st.sampled_from(anywhere), st.sampled_from(FRAGMENTS)),
    )
    inserts = draw(
        st.lists(
            st.tuples(place, st.sampled_from(GLUE), st.sampled_from(GLUE)), min_size=1, max_size=4
        )
    )
    pieces = list(base)
    for (at, fragment), before, after in sorted(inserts, reverse=True):
        pieces.insert(at, before + fragment + after)
    return "".join(pieces)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(template=spliced())
def test_whatever_pyoxigraph_would_fetch_or_change_the_checker_refused(template, canary):
    text = template.replace("{c}", canary.url)
    store = small_store()
    before = canary.heard
    original = answer(store, text, use_default_graph_as_union=True)
    fetched = canary.heard > before
    try:
        ox.Store().update(text)
        is_update = True
    except (SyntaxError, OSError, RuntimeError, ValueError):
        is_update = False
    try:
        parsed = sx.parse(text, base_iri=BASE)
    except sx.Refusal as refused:
        assert refused.steps <= 6 * len(text) + 100
        return
    assert not fetched, "pyoxigraph ran a SERVICE the checker accepted"
    assert not is_update, "an update the checker accepted"
    assert parsed.steps <= 6 * len(text) + 100
    written = parsed.text()
    before = canary.heard
    again = answer(store, written, use_default_graph_as_union=True)
    assert canary.heard == before
    if original != "syntax error":
        assert again == original
