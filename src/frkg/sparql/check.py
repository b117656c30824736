"""The safety decision: what a read-only public SPARQL endpoint refuses before anything runs.

Queries longer than the limit, updates in any form, and any ``SERVICE`` clause (pyoxigraph would
fetch the URL itself: server-side request forgery) are refused here, on the tokens of
:mod:`frkg.sparql_syntax`, so that ``ex:service`` or ``?service`` are no false alarm.
"""

from __future__ import annotations

from frkg.sparql.errors import QueryTooLong, ServiceRefused, UpdateRefused
from frkg.sparql_syntax import QueryShape, scan


def check(text: str, max_length: int) -> QueryShape:
    """The shape of ``text`` if the service may run it; raises the reason if it may not."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_length:
        raise QueryTooLong(
            f"The query is {size} bytes long; this service accepts queries of at most "
            f"{max_length} bytes (setting FRKG_SPARQL_MAX_QUERY_LENGTH)."
        )
    shape = scan(text)
    if shape.is_update:
        raise UpdateRefused(
            f"This SPARQL service is read-only: updates ({shape.form} and every other "
            "SPARQL 1.1 Update operation) are not accepted, and the data cannot be changed "
            "through it."
        )
    if shape.uses_service:
        raise ServiceRefused(
            "SERVICE clauses are not allowed: this endpoint does not fetch other endpoints or "
            "URLs on a query's behalf (federated queries would let anyone make the server send "
            "requests). Query the other endpoint yourself and combine the results."
        )
    return shape
