"""The read-only SPARQL 1.1 query service: the safety check, the killable worker pool, the
service description and the example queries. Nothing here knows HTTP (:mod:`frkg.web.sparql`
adapts it).

- :mod:`.check`: what is refused before anything runs (updates, SERVICE, over-long text)
- :mod:`.service`: :class:`SparqlService`, running a checked query within its limits
- :mod:`.pool`: the forked worker processes a query runs in, killed at the time limit
- :mod:`.sandbox`: the OS wall around those workers (no network sockets, a memory ceiling)
- :mod:`.description`: the SPARQL 1.1 Service Description
- :mod:`.examples`: the example queries of ``queries/``
- :mod:`.errors`: why a query was not answered
"""

from frkg.sparql.check import check
from frkg.sparql.errors import (
    BackendDown,
    NotAcceptable,
    QueryAborted,
    QueryFailed,
    QueryOutOfMemory,
    QuerySyntaxError,
    QueryTimeout,
    QueryTooLong,
    ServiceRefused,
    SparqlError,
    TooManyQueries,
    UpdateRefused,
)
from frkg.sparql.examples import ExampleQuery, example_queries, parse_example
from frkg.sparql.service import (
    QueryAnswer,
    QueryRequest,
    SparqlService,
    execute,
    syntax_message,
)

__all__ = [
    "BackendDown",
    "ExampleQuery",
    "NotAcceptable",
    "QueryAborted",
    "QueryAnswer",
    "QueryFailed",
    "QueryOutOfMemory",
    "QueryRequest",
    "QuerySyntaxError",
    "QueryTimeout",
    "QueryTooLong",
    "ServiceRefused",
    "SparqlError",
    "SparqlService",
    "TooManyQueries",
    "UpdateRefused",
    "check",
    "example_queries",
    "execute",
    "parse_example",
    "syntax_message",
]
