"""Query texts built to make a SPARQL checker slow: each shape at any size, for tests and bench/
(bench/sparql_check_cost.py imports them from here).

Every shape is text a client can send in one request body. Some are valid queries (a checker
must read them to the end), most are not (a checker must not take long to say so).
"""

from __future__ import annotations

from collections.abc import Callable


def _repeat(head: str, unit: str, tail: str, size: int) -> str:
    count = max(1, (size - len(head) - len(tail)) // len(unit))
    return head + unit * count + tail


SHAPES: dict[str, Callable[[int], str]] = {
    # The old checker's prefixed-name rule backtracked on runs of name characters with no ':'.
    "name-dash-run": lambda n: _repeat("SELECT * { ?s ?p ?o } ", "a-", "", n),
    "name-dot-run": lambda n: _repeat("SELECT * { ?s ?p ?o } ", "a.", "", n),
    "long-word": lambda n: _repeat("SELECT * { ?s ?p ?o } ", "a", "", n),
    "pname-dots": lambda n: _repeat("PREFIX p: <http://e/> SELECT * { ?s ?p p:", "a.", " }", n),
    "unclosed-string": lambda n: _repeat('SELECT * { ?s ?p "', "x", "", n),
    "unclosed-long-string": lambda n: _repeat("SELECT * { ?s ?p '''", "''x", "", n),
    "unclosed-iri": lambda n: _repeat("SELECT * { ?s ?p <", "a", "", n),
    "less-than-run": lambda n: _repeat("SELECT * { FILTER(?a ", "<?b", ") }", n),
    "comment-lines": lambda n: _repeat("SELECT * { ?s ?p ?o }\n", "# SERVICE <x> {}\n", "", n),
    "escapes": lambda n: _repeat('SELECT * { ?s ?p "', "\\u0041", '" }', n),
    "deep-parentheses": lambda n: _repeat("SELECT * { FILTER", "(", "", n),
    "deep-braces": lambda n: _repeat("SELECT * ", "{", "", n),
    # Valid queries: read to the end.
    "many-triples": lambda n: _repeat("SELECT * { ", "?s ?p ?o . ", "}", n),
    "long-sum": lambda n: _repeat("SELECT * { FILTER(0", "+1", ") }", n),
    "many-prefixes": lambda n: _repeat("", "PREFIX p: <http://e/> ", "ASK {}", n),
    "many-from": lambda n: _repeat("SELECT * ", "FROM <http://e/g> ", "{}", n),
    "values-rows": lambda n: _repeat("SELECT * { VALUES ?x { ", '"v" ', "} }", n),
}
