"""The query checks that run before anything executes: SERVICE, updates, length, syntax messages."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from frkg import sparql, sparql_syntax

SERVICE_QUERIES = [
    "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "select * { service <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * { VALUES ?e { <http://127.0.0.1:9/> } SERVICE ?e { ?s ?p ?o } }",
    "SELECT * {SERVICE<http://127.0.0.1:9/>{?s ?p ?o}}",
    "PREFIX ex: <http://example.org/>\nSELECT * { ex:a ex:b ?c . Service ex:end { ?s ?p ?o } }",
    "SELECT * { # a comment\n SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    # \\u escapes are decoded (SPARQL 1.1 Query, section 19.2) before parsing
    "SELECT * { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * { SERVIC\\U00000045 <http://127.0.0.1:9/> { ?s ?p ?o } }",
]

NOT_SERVICE_QUERIES = [
    "PREFIX ex: <http://example.org/> SELECT * { ?s ex:service ?o }",
    "PREFIX service: <http://example.org/> SELECT * { ?s service:x ?o }",
    "SELECT ?service WHERE { ?service a ?type }",
    "SELECT $service WHERE { $service a ?type }",
    'SELECT * { ?s ?p "SERVICE <http://127.0.0.1:9/> { }" }',
    "SELECT * { ?s ?p 'service' }",
    'SELECT * { ?s ?p """a long\nSERVICE string""" }',
    "SELECT * { ?s ?p <http://example.org/SERVICE> }",
    "SELECT * { ?s ?p ?o } # SERVICE <http://127.0.0.1:9/> in a comment",
    'SELECT * { ?s ?p "x"@service }',
    "SELECT * { _:service ?p ?o }",
    "PREFIX : <http://example.org/> SELECT * { :SERVICE ?p ?o }",
    "SELECT * { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
]


@pytest.mark.parametrize("query", SERVICE_QUERIES)
def test_service_clause_is_refused_before_it_runs(query):
    with pytest.raises(sparql.ServiceRefused, match="SERVICE clauses are not allowed"):
        sparql.check(query, 10_000)


@pytest.mark.parametrize("query", NOT_SERVICE_QUERIES)
def test_service_in_names_strings_iris_and_comments_is_no_service_clause(query):
    assert sparql.check(query, 10_000).form == "SELECT"


def test_an_unterminated_string_is_a_syntax_error_whatever_follows_it():
    with pytest.raises(sparql.QuerySyntaxError, match="this string is not closed"):
        sparql.check('SELECT * { ?s ?p "oops . SERVICE <http://127.0.0.1:9/> { } }', 10_000)


def test_the_refused_service_queries_are_ones_pyoxigraph_accepts():
    # The checker is no stricter than the parser here: each query it refuses parses (pyoxigraph
    # evaluates lazily, so nothing is fetched here). The escaped spellings are the exception:
    # pyoxigraph 0.5 does not decode \\u escapes outside strings and IRIs, as section 19.2 says.
    store = ox.Store()
    for query in SERVICE_QUERIES[:7]:
        store.query(query)
    for query in SERVICE_QUERIES[7:]:
        with pytest.raises(SyntaxError):
            store.query(query)


UPDATES = [
    "INSERT DATA { <http://a> <http://b> <http://c> }",
    "DELETE DATA { <http://a> <http://b> <http://c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "PREFIX ex: <http://example.org/>\nINSERT { ?s ex:p 1 } WHERE { ?s ?p ?o }",
    "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "CLEAR ALL",
    "clear default",
    "DROP GRAPH <http://g>",
    "CREATE GRAPH <http://g>",
    "ADD DEFAULT TO <http://g>",
    "MOVE <http://a> TO <http://b>",
    "COPY <http://a> TO <http://b>",
    "BASE <http://example.org/> PREFIX ex: <x#> DROP ALL",
]


@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_refused_as_read_only(update):
    with pytest.raises(sparql.UpdateRefused, match="read-only"):
        sparql.check(update, 10_000)


@pytest.mark.parametrize(
    "query, form",
    [
        ("SELECT * {}", "SELECT"),
        ("PREFIX ex: <http://example.org/select#> ASK {}", "ASK"),
        ("BASE <http://x/> CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("describe <http://x>", "DESCRIBE"),
        ("# CONSTRUCT\nSELECT * {}", "SELECT"),
    ],
)
def test_query_form_is_read_after_the_prologue(query, form):
    assert sparql.check(query, 10_000).form == form


def test_a_text_that_is_no_query_is_a_syntax_error():
    with pytest.raises(sparql.QuerySyntaxError, match="'nonsense' is not a SPARQL keyword"):
        sparql.check("nonsense", 10_000)


def test_from_clause_is_noticed():
    assert sparql.check("SELECT * FROM <http://g> { ?s ?p ?o }", 100).has_dataset_clause
    assert sparql.check("SELECT * FROM NAMED <http://g> { ?s ?p ?o }", 100).has_dataset_clause
    assert not sparql.check("SELECT * { ?from <http://from> 'FROM' }", 100).has_dataset_clause


def test_length_is_counted_in_utf8_bytes():
    query = "SELECT * { ?s ?p 'é' }"  # é is two bytes
    assert sparql.check(query, len(query) + 1)
    with pytest.raises(sparql.QueryTooLong, match=r"is 23 bytes long.*at most 22 bytes"):
        sparql.check(query, len(query))


def test_syntax_message_names_line_column_and_shows_the_line():
    query = "SELECT * {\n  ?s ?p ?o .\n  FILTER(?o = ) }"
    with pytest.raises(SyntaxError) as info:
        ox.Store().query(query)
    message = sparql.syntax_message(query, info.value)
    first, shown, caret = message.split("\n")
    line, column = re.match(
        r"Syntax error at line (\d+), column (\d+): expected one of", first
    ).groups()
    assert line == "3"
    assert "['" not in first  # pyoxigraph's character classes are folded into "…"
    assert shown == "    FILTER(?o = ) }" and caret == "  " + " " * (int(column) - 1) + "^"


def test_example_files_follow_the_convention():
    example = sparql.parse_example("x", "# Title here\n# line one\n#\n# line two\nSELECT * {}\n")
    assert (example.title, example.description, example.text) == (
        "Title here",
        "line one line two",
        "SELECT * {}\n",
    )
    with pytest.raises(ValueError, match="first line must be"):
        sparql.parse_example("bad", "SELECT * {}")


def test_every_shipped_example_parses_and_is_a_select():
    examples = sparql.example_queries()
    assert {e.name for e in examples} >= {
        "opponents-of-bans",
        "quotes",
        "adopted-policies",
        "open-letter-signatories",
    }
    for example in examples:
        assert example.title and example.description, example.name
        assert sparql.check(example.text, 65536).form in sparql_syntax.QUERY_FORMS


@pytest.mark.parametrize(
    "env, message",
    [
        ({"FRKG_SPARQL_MAX_CONCURRENT": "8"}, "below FRKG_THREADS=8"),
        ({"FRKG_SPARQL_MAX_CONCURRENT": "0"}, "at least 1"),
        ({"FRKG_SPARQL_TIMEOUT": "0"}, "FRKG_SPARQL_TIMEOUT must be a positive"),
        ({"FRKG_SPARQL_RESULT_CAP": "0"}, "must be >= 1"),
    ],
)
def test_settings_that_would_disarm_a_limit_are_refused(env, message):
    from frkg.config import Settings

    with pytest.raises(ValueError, match=message):
        Settings.from_env(env)
