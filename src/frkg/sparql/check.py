"""The safety decision: what a read-only public SPARQL endpoint refuses before anything runs.

Queries longer than the limit, updates in any form, and any ``SERVICE`` clause (pyoxigraph would
fetch the URL itself: server-side request forgery) are refused here, on the parse of
:func:`frkg.sparql_syntax.parse`: the SPARQL 1.1 grammar's own tokens, so that ``ex:service`` or
``?service`` are no false alarm and ``trueSERVICE<x>`` is no way round. What passes is run only
as the parse writes it back (:meth:`~frkg.sparql_syntax.ParsedQuery.text`), so the engine runs
exactly what was checked. The check costs time linear in the length of the text.
"""

from __future__ import annotations

from collections.abc import Mapping

from frkg.sparql.errors import QuerySyntaxError, QueryTooLong, ServiceRefused, UpdateRefused
from frkg.sparql_syntax import (
    ParsedQuery,
    ServiceClause,
    SyntaxProblem,
    UpdateOperation,
    parse,
)


def check(
    text: str,
    max_length: int,
    *,
    base_iri: str | None = None,
    prefixes: Mapping[str, str] | None = None,
) -> ParsedQuery:
    """The parse of ``text`` if the service may run it; raises the reason if it may not."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_length:
        raise QueryTooLong(
            f"The query is {size} bytes long; this service accepts queries of at most "
            f"{max_length} bytes (setting FRKG_SPARQL_MAX_QUERY_LENGTH)."
        )
    try:
        return parse(text, base_iri=base_iri, prefixes=prefixes)
    except UpdateOperation as e:
        raise UpdateRefused(
            f"This SPARQL service is read-only: updates ({e.message}; and every other "
            "SPARQL 1.1 Update operation) are not accepted, and the data cannot be changed "
            "through it."
        ) from None
    except ServiceClause as e:
        raise ServiceRefused(
            f"SERVICE clauses are not allowed ({e.message}): this endpoint does not fetch other "
            "endpoints or URLs on a query's behalf (federated queries would let anyone make the "
            "server send requests). Query the other endpoint yourself and combine the results."
        ) from None
    except SyntaxProblem as e:
        raise QuerySyntaxError(_shown(text, e)) from None


def _shown(text: str, problem: SyntaxProblem) -> str:
    """The checker's message, with the line it points at and a caret under the place."""
    if not problem.line:
        return problem.message
    lines = text.splitlines() or [""]
    source = lines[problem.line - 1] if problem.line <= len(lines) else ""
    start = max(0, problem.column - 60)
    excerpt = source[start : start + 120]
    caret = " " * (problem.column - 1 - start) + "^"
    return f"{problem.message}\n  {excerpt}\n  {caret}"
