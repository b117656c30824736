"""``/search?q=``: find entities and ontology terms by label, case and accents ignored.

HTML for browsers (the search box of every page submits here), JSON for scripts and
autocomplete (``?format=json``, or ``Accept: application/json``; ``*/*`` gets JSON too), with
``?limit=`` (JSON, 1-100) or ``?page=`` (HTML, 50 a page). Exact and prefix matches come first.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, request, url_for
from werkzeug.exceptions import BadRequest

from frkg.formats import HTML, JSON, Format
from frkg.namespaces import RDF_TYPE
from frkg.publish import search
from frkg.web import headers, respond
from frkg.web.context import describer, publication

bp = Blueprint("search", __name__)

OFFERS: tuple[Format, ...] = (JSON, HTML)
#: Results per HTML page.
PAGE_SIZE = 50
#: Results a JSON answer holds unless ``limit`` says otherwise, and the most it may ask for.
JSON_LIMIT, MAX_LIMIT = 10, 100


@bp.after_request
def _cors(response: Response) -> Response:
    return headers.cors(response)


def _number(name: str, default: int, low: int, high: int | None = None) -> int:
    raw = request.args.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"from {low}"
        raise BadRequest(f"{name} must be a whole number {bound}, not {raw!r}")
    return value


@bp.get("/search")
def results() -> Response:
    """The entities whose labels match ``q``, best first."""
    fmt = respond.choose(OFFERS)
    if fmt is None:
        return respond.not_acceptable(OFFERS, "search results")
    query = request.args.get("q", "")
    # Only the hits shown are ordered and made: a short query can match most of the labels.
    if fmt is JSON:
        limit = _number("limit", JSON_LIMIT, 1, MAX_LIMIT)
        start, stop = 0, limit
    else:
        number = _number("page", 1, 1)
        start, stop = (number - 1) * PAGE_SIZE, number * PAGE_SIZE
    try:
        shown, total = publication().search.find(query, start, stop)
    except search.QueryTooLong as e:
        return headers.negotiated(respond.error(400, "Bad Request", str(e), fmt))
    d = describer()
    alternates = [
        (url_for("search.results", q=query, format=f.keywords[0]), f)
        for f in OFFERS
        if f is not fmt
    ]
    if fmt is JSON:
        results = []
        for hit in shown:
            out = respond.term_json(d.term(hit.node))
            out["matched"] = hit.matched
            out["match"] = hit.match
            out["types"] = [respond.term_json(t) for t in _types(hit.node)]
            results.append(out)
        response = respond.json_body(
            {
                "query": query,
                "total": total,
                "url": respond.absolute(url_for("search.results", q=query, format="json")),
                "results": results,
            }
        )
    else:
        pages = max(1, -(-total // PAGE_SIZE))
        if number > pages:
            message = f"there are {pages} page{'s' if pages > 1 else ''} of results"
            return headers.negotiated(respond.error(404, "Not Found", message, fmt))
        rows = [
            {
                "term": d.term(hit.node),
                "hit": hit,
                "types": _types(hit.node),
            }
            for hit in shown
        ]
        response = respond.html(
            "search.html",
            query=query,
            search_query=query,
            total=total,
            rows=rows,
            page=number,
            pages=pages,
            alternates=alternates,
        )
    headers.link_alternates(response, alternates)
    return headers.negotiated(headers.cacheable(response, f"search-{fmt.name}"))


def _types(node: ox.NamedNode) -> list:
    """The asserted types of an entity, or of an ontology term in the ontology."""
    d = describer()
    found = publication().index.entity_types.get(node.value)
    if found is None:
        found = sorted(
            {
                q.object.value
                for q in d.kg.store.quads_for_pattern(node, RDF_TYPE, None, None)
                if q.graph_name in d.graphs and isinstance(q.object, ox.NamedNode)
            }
        )
    return [d.term(ox.NamedNode(t)) for t in found]
