"""The SPARQL service's typed errors: each says, for the user, why a query was not answered.

The web tier maps each class to a status code (:mod:`frkg.web.sparql`).
"""

from __future__ import annotations


class SparqlError(Exception):
    """A query the service will not or cannot answer; ``str(error)`` is meant for the user."""


class QuerySyntaxError(SparqlError):
    """The text is not a SPARQL 1.1 query; the message says where and what was expected."""


class UpdateRefused(SparqlError):
    """An update (INSERT, DELETE, LOAD, CLEAR, ...): this service is read-only."""


class ServiceRefused(SparqlError):
    """A SERVICE clause: the server does not fetch URLs on a query's behalf."""


class QueryTooLong(SparqlError):
    """The query is longer than the configured limit."""


class QueryTimeout(SparqlError):
    """The query ran past the time limit and was stopped."""


class TooManyQueries(SparqlError):
    """Every query slot of this server process is taken; try again shortly."""


class NotAcceptable(SparqlError):
    """No result format the client accepts fits this kind of query."""


class QueryFailed(SparqlError):
    """The query parsed but could not be evaluated."""


class QueryOutOfMemory(SparqlError):
    """The query needed more memory than a query worker may use, and was stopped."""


class QueryAborted(SparqlError):
    """The query's worker process ended before answering (killed from outside, out of memory)."""


class BackendDown(SparqlError):
    """The remote SPARQL endpoint the data lives in cannot be reached or is overloaded."""
