"""``/sparql``: the SPARQL 1.1 Protocol (section 2.1, query operation) over :mod:`frkg.sparql`.

This module only translates HTTP: it reads the operation (GET ``query=``, POST form, POST
``application/sparql-query``), the dataset (``default-graph-uri``, ``named-graph-uri``) and the
wanted format (Accept q-values, or SPARQLWrapper's ``format``/``output``/``results``), hands them
to :class:`frkg.sparql.SparqlService`, and maps its answers and typed errors to responses.
Without a query it answers with the Service Description (RDF clients) or the query page
(browsers). It answers through :mod:`frkg.web.base` like every view: CORS on every response,
``Vary: Accept`` on every answer to a query operation, and the query page's own CSP.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from frkg import formats, negotiate, sparql
from frkg.publish import query_guide
from frkg.web import base, respond
from frkg.web.base import View
from frkg.web.headers import QUERY_PAGE_CSP

bp = Blueprint("sparql", __name__)

TRUNCATED_HEADER = "FRKG-Results-Truncated"
"""Present when an answer was cut at the result cap; its value is the cap."""

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
METHODS = ("GET", "HEAD", "POST", "OPTIONS")
FORMAT_PARAMETERS = ("format", "output", "results")  # SPARQLWrapper sends all three
RETRY_AFTER_SECONDS = 1
#: Where the outcome of a query is left for the metrics (frkg.web.metrics.SPARQL_OUTCOME).
SPARQL_OUTCOME = "frkg.sparql.outcome"


#: Without a query: the service description, or the query page for browsers. Queries are
#: answered among the result or graph formats their form gives (and the page, for browsers).
SPARQL = View(
    offers=(*formats.GRAPH_FORMATS, formats.HTML),
    what="the service description",
    public=True,
    page_csp=QUERY_PAGE_CSP,
)

STATUS = {
    sparql.QuerySyntaxError: 400,
    sparql.ServiceRefused: 400,
    sparql.QueryFailed: 400,
    sparql.UpdateRefused: 403,
    sparql.NotAcceptable: 406,
    sparql.QueryTooLong: 413,
    sparql.TooManyQueries: 429,
    sparql.QueryTimeout: 503,
    sparql.QueryAborted: 503,
    sparql.QueryOutOfMemory: 503,
    # The data backend is down for now (RFC 9110 section 15.6.4), as pages say it.
    sparql.BackendDown: 503,
}


@bp.record_once
def _create_service(state) -> None:
    app = state.app
    service = sparql.SparqlService.from_settings(
        app.extensions["frkg"], app.config["FRKG_SETTINGS"]
    )
    app.extensions["frkg.sparql"] = service
    # `frkg serve` runs these in each gunicorn worker right after the fork, while it is still
    # single-threaded: the query workers' zygote is best forked then (see frkg.sparql.pool).
    app.extensions.setdefault("frkg.post_fork", []).append(service.start)


def service() -> sparql.SparqlService:
    """The SPARQL service of the current app."""
    return current_app.extensions["frkg.sparql"]


class ProtocolError(Exception):
    """A request the protocol does not allow; carries its status code."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


@dataclass(frozen=True)
class Operation:
    """What a request asks: the query text (None: no query), its dataset and format override."""

    query: str | None
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    format_word: str | None


@base.route(bp, "/sparql", SPARQL, methods=["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"])
def endpoint() -> Response:
    """The SPARQL endpoint (SPARQL 1.1 Protocol section 2.1, Service Description section 3)."""
    if request.method == "OPTIONS":
        # CORS preflight: the base adds the allowed headers and max age.
        preflight = Response(status=204)
        preflight.headers["Access-Control-Allow-Methods"] = ", ".join(METHODS)
        return preflight
    # Every answer to an operation stands for the one Accept would choose, errors included.
    base.varies_on_accept()
    try:
        if request.method not in METHODS:
            raise ProtocolError(
                405,
                f"{request.method} is not a SPARQL query operation: use GET or POST.",
                {"Allow": ", ".join(METHODS)},
            )
        operation = _read_operation()
        if operation.query is None:
            return _describe_service(operation.format_word)
        return _answer(operation)
    except ProtocolError as e:
        return _error(e.status, str(e), e.headers)
    except sparql.SparqlError as e:
        request.environ[SPARQL_OUTCOME] = type(e).__name__
        headers = (
            {"Retry-After": str(RETRY_AFTER_SECONDS)}
            if e.__class__ in (sparql.TooManyQueries, sparql.BackendDown)
            else {}
        )
        return _error(STATUS.get(type(e), 400), str(e), headers)


# -- reading the request -----------------------------------------------------------------------


def _read_operation() -> Operation:
    svc = service()
    # Form bodies percent-encode each byte (3 characters), plus room for the other parameters.
    request.max_content_length = svc.max_query_length * 3 + 16384
    params = [request.args]
    body_query: str | None = None
    if request.method == "POST":
        mimetype = request.mimetype
        if mimetype == UPDATE:
            raise sparql.UpdateRefused(_read_only_message())
        if mimetype == FORM:
            params.append(_form())
        elif mimetype == QUERY:
            body_query = _query_body()
        else:
            raise ProtocolError(
                415,
                f"A SPARQL query is sent as {FORM} (query=...) or as {QUERY} "
                f"(the query as the body), not as {mimetype or 'a body without a Content-Type'}.",
            )
    if any("update" in p for p in params):
        raise sparql.UpdateRefused(_read_only_message())
    queries = [q for p in params for q in p.getlist("query")]
    if body_query is not None:
        queries.append(body_query)
    if len(queries) > 1:
        raise ProtocolError(400, "The request carries more than one query; send exactly one.")
    if request.method == "POST" and not queries:
        raise ProtocolError(400, "The POST request carries no query (the query parameter).")
    return Operation(
        query=queries[0] if queries else None,
        default_graphs=_iris(params, "default-graph-uri"),
        named_graphs=_iris(params, "named-graph-uri"),
        format_word=next(
            (v for p in params for k in FORMAT_PARAMETERS for v in p.getlist(k) if v), None
        ),
    )


def _form():
    try:
        return request.form
    except RequestEntityTooLarge:
        raise _too_long() from None


def _query_body() -> str:
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"A {QUERY} body must be UTF-8, not {charset}.")
    try:
        data = request.get_data(cache=False)
    except RequestEntityTooLarge:
        raise _too_long() from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ProtocolError(400, f"The query is not valid UTF-8 (byte {e.start}).") from None


def _too_long() -> sparql.QueryTooLong:
    limit = service().max_query_length
    return sparql.QueryTooLong(
        f"The request body is larger than a query of at most {limit} bytes can be "
        "(setting FRKG_SPARQL_MAX_QUERY_LENGTH)."
    )


def _iris(params, name: str) -> tuple[str, ...]:
    values = tuple(v for p in params for v in p.getlist(name))
    for value in values:
        try:
            ox.NamedNode(value)
        except ValueError:
            raise ProtocolError(400, f"{name} must be an absolute IRI, not {value!r}.") from None
    return values


def _read_only_message() -> str:
    return (
        "This SPARQL service is read-only: SPARQL 1.1 Update operations (INSERT, DELETE, LOAD, "
        "CLEAR, DROP, CREATE, ADD, MOVE, COPY) are not accepted, and the data cannot be changed "
        "through it."
    )


# -- answering ---------------------------------------------------------------------------------


def _choose(offers: tuple[formats.Format, ...], word: str | None) -> formats.Format | None:
    """The format for this request among ``offers``; None when the client accepts none.

    A ``format`` word that names a format of the other kind of query (``turtle`` for a SELECT)
    is set aside for the Accept header, as SPARQLWrapper sends its format words to every query.
    """
    if word and formats.by_keyword(word, offers) is None:
        known = (*formats.RESULT_FORMATS, *formats.GRAPH_FORMATS, formats.HTML)
        if formats.by_keyword(word, known) is None:
            raise ProtocolError(400, str(negotiate.UnknownFormat(word, known)))
        word = None
    return SPARQL.choose(word, offers)


def _answer(operation: Operation) -> Response:
    svc = service()
    text = operation.query or ""
    shape = svc.check(text)
    results_format, graph_format = _formats(shape, operation.format_word)
    if (graph_format if shape.returns_graph else results_format) is formats.HTML:
        # A browser that opens a query link: the query page loads the query and runs it.
        return _page()
    answer = svc.run(
        svc.request(
            text,
            results_format=_name(results_format),
            graph_format=_name(graph_format),
            default_graphs=operation.default_graphs,
            named_graphs=operation.named_graphs,
            shape=shape,
        )
    )
    request.environ[SPARQL_OUTCOME] = "answered"
    fmt = formats.by_name(answer.format)
    response = Response(answer.body, content_type=fmt.content_type)
    if answer.truncated:
        # How many rows or triples the answer kept: the row cap, or fewer at the byte cap.
        response.headers[TRUNCATED_HEADER] = str(answer.count)
    return response


def _formats(shape, word: str | None) -> tuple[formats.Format | None, formats.Format | None]:
    """The results format and the graph format this request gets for a query of ``shape``.

    Only the kind of answer the query gives is negotiated (both when its form is unknown, for
    the engine to pick); the query page counts for GET and HEAD (a browser opening a query
    link). Nothing acceptable for a known form is refused (406).
    """
    html_too = (formats.HTML,) if request.method in ("GET", "HEAD") else ()
    results_format = graph_format = None
    if not shape.returns_graph:
        results_format = _choose((*formats.RESULT_FORMATS, *html_too), word)
    if shape.returns_graph or shape.form is None:
        graph_format = _choose((*formats.GRAPH_FORMATS, *html_too), word)
    wanted = graph_format if shape.returns_graph else results_format
    if wanted is None and shape.form is not None:
        offers = formats.GRAPH_FORMATS if shape.returns_graph else formats.RESULT_FORMATS
        raise sparql.NotAcceptable(
            f"A {shape.form} query is answered in "
            + ", ".join(f.media_type for f in offers)
            + "; the request's Accept header allows none of them."
        )
    return results_format, graph_format


def _name(fmt: formats.Format | None) -> str | None:
    return None if fmt is None or fmt is formats.HTML else fmt.name


def _describe_service(word: str | None) -> Response:
    chosen = _choose(SPARQL.offers, word)
    if chosen is formats.HTML:
        return _page()
    if chosen is None:
        raise ProtocolError(
            406,
            "The service description is available as "
            + ", ".join(f.media_type for f in SPARQL.offers)
            + ".",
        )
    svc = service()
    description = svc.description
    body = formats.serialize(chosen, description, formats.used_prefixes(svc.prefixes, description))
    return Response(body, content_type=chosen.content_type)


def _page() -> Response:
    """The query page. Nothing in it comes from the request's ``Host``: the endpoint it names is
    the configured one (:attr:`SparqlService.endpoint`, under the serving base), and the page
    queries a path of its own origin, which the browser resolves against the page's own URL."""
    svc = service()
    base = svc.kg.base
    # The examples grouped by question, without the PREFIX lines the server declares.
    guide = query_guide.questions(sparql.example_queries(), svc.prefixes, base)
    examples = [e for q in guide for e in q.examples]
    config = {
        "endpoint": url_for("sparql.endpoint"),
        "prefixes": svc.prefixes,
        "examples": [
            {"name": e.name, "title": e.title, "description": e.description, "query": e.query}
            for e in examples
        ],
        "truncatedHeader": TRUNCATED_HEADER,
    }
    return respond.html(
        "sparql.html",
        config=config,
        guide=guide,
        # A link where the query fits in a URL servers accept (RFC 9110 section 4.1 asks for
        # 8000 octets at least; gunicorn takes about 4000), else a form that POSTs it.
        csv_links={
            e.name: link
            for e in examples
            if len(link := url_for("sparql.endpoint", query=e.query, format="csv")) <= 2000
        },
        prefixes=sorted(svc.prefixes.items()),
        service=svc,
        turtle_url=url_for("sparql.endpoint", format="turtle"),
        alternates=[(url_for("sparql.endpoint", format="turtle"), formats.by_suffix("ttl"))],
    )


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    response = respond.text(message, status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
