"""``/search?q=``: find entities and ontology terms by name, alias, identifier or the words of
their texts (quotes, descriptions, cautions), case and accents ignored.

HTML for browsers (the search box of every page submits here: the hits of a page grouped by
kind, the matching words highlighted), JSON for scripts and autocomplete (``?format=json``, or
``Accept: application/json``; ``*/*`` gets JSON too), with ``?limit=`` (JSON, 1-100) or
``?page=`` (HTML, 50 a page). Exact and prefix matches of names come first, text matches last.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, request, url_for

from frkg.formats import HTML, JSON
from frkg.namespaces import RDF_TYPE
from frkg.publish import search
from frkg.web import base, headers, respond
from frkg.web.base import View
from frkg.web.context import describer, publication

bp = Blueprint("search", __name__)

RESULTS = View(
    offers=(JSON, HTML),
    what="search results",
    public=True,
    twins=base.with_format("search.results"),
)
#: Results per HTML page.
PAGE_SIZE = 50
#: Results a JSON answer holds unless ``limit`` says otherwise, and the most it may ask for.
JSON_LIMIT, MAX_LIMIT = 10, 100


@base.route(bp, "/search", RESULTS)
def results() -> Response:
    """The entities whose labels match ``q``, best first."""
    fmt = RESULTS.choose()
    if fmt is None:
        return RESULTS.not_acceptable()
    query = request.args.get("q", "")
    # Only the hits shown are ordered and made: a short query can match most of the labels.
    if fmt is JSON:
        number, start, stop = 1, 0, base.whole_number("limit", JSON_LIMIT, 1, MAX_LIMIT)
    else:
        number = base.page_number()
        start, stop = (number - 1) * PAGE_SIZE, number * PAGE_SIZE
    try:
        shown, total = publication().search.find(query, start, stop)
    except search.QueryTooLong as e:
        return respond.error(400, "Bad Request", str(e), fmt)
    pages = max(1, -(-total // PAGE_SIZE))
    if fmt is not JSON and number > pages:
        message = f"there are {pages} page{'s' if pages > 1 else ''} of results"
        return respond.error(404, "Not Found", message, fmt)
    alternates = RESULTS.alternates(fmt, q=query)
    if fmt is JSON:
        response = respond.json_body(_json(query, shown, total))
    else:
        rows = [_row(hit, query) for hit in shown]
        response = respond.html(
            "search.html",
            query=query,
            search_query=query,
            total=total,
            rows=rows,
            groups=_grouped(rows),
            page=number,
            pages=pages,
            alternates=alternates,
        )
    headers.link_alternates(response, alternates)
    return headers.cacheable(response, f"search-{fmt.name}")


def _row(hit: search.Hit, query: str) -> dict:
    """A hit as the page shows it: its term, kinds, and the matched words marked."""
    types = _types(hit.node)
    return {
        "term": _term(hit),
        "hit": hit,
        "types": types,
        "kind": _kind(hit.node, types),
        "pieces": search.highlight(hit.matched, query),
    }


def _kind(node: ox.NamedNode, types: list):
    """The most specific of a hit's types (the first by label on a tie), or None."""
    index = publication().index
    iris = [t.value for t in types]
    specific = [t for t in types if not any(t.value in index.ancestors(u) for u in iris)]
    return min(specific, key=lambda t: t.label.casefold()) if specific else None


def _grouped(rows: list[dict]) -> list[tuple]:
    """The rows by kind, each kind where its best hit is, the hits in rank order within it."""
    groups: dict[str, tuple] = {}
    for row in rows:
        kind = row["kind"]
        key = kind.value if kind is not None else ""
        groups.setdefault(key, (kind, []))[1].append(row)
    return list(groups.values())


def _json(query: str, shown: list[search.Hit], total: int) -> dict:
    """The JSON answer: the query, how many match, and the hits shown with their types."""
    results = []
    for hit in shown:
        out = respond.term_json(_term(hit))
        out["matched"] = hit.matched
        out["match"] = hit.match
        if hit.match == "text":
            out["excerpt"] = "".join(piece for piece, _ in search.highlight(hit.matched, query))
        out["types"] = [respond.term_json(t) for t in _types(hit.node)]
        results.append(out)
    return {
        "query": query,
        "total": total,
        "url": respond.absolute(url_for("search.results", q=query, format="json")),
        "results": results,
    }


def _term(hit: search.Hit):
    return describer().term(hit.node)


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
