"""The research tables: ``/tracker`` (every policy, its status on a day) and ``/tracker/people``
(every person and organization).

The whole state of a view is in its URL, so every view can be shared and every twin holds
exactly the rows the page shows:

- ``?day=YYYY-MM-DD`` the day the status column is about (default: today, UTC);
- ``?q=`` a free-text filter (every word must start a word of a row's names, aliases,
  identifiers, places or notes);
- ``?sort=column`` or ``?sort=-column`` (reversed);
- one parameter per facet, repeated for OR (``?level=frkg:City&kind=frkg:kind-ban``);
- ``?format=`` ``html``, ``json``, ``csv`` or an RDF syntax (``ttl``, ``jsonld``...), else Accept.

A parameter that cannot be honoured is a 400 naming what can; nothing here decides what a date
means (:mod:`frkg.publish.tracker` asks the dataset's one time rule).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, get_template_attribute, request, url_for
from markupsafe import Markup

from frkg.formats import HTML, JSON, RDF_FORMATS, RESULT_FORMATS, Format
from frkg.publish import tracker
from frkg.publish.tracker import BadView, TableView
from frkg.web import base, headers, respond
from frkg.web.base import View
from frkg.web.context import publication

bp = Blueprint("tracker", __name__)

CSV = next(f for f in RESULT_FORMATS if f.name == "csv")
#: Plain JSON first (as for class lists): */* gets the data; browsers name text/html.
OFFERS: tuple[Format, ...] = (JSON, HTML, CSV, *RDF_FORMATS)
#: Query parameters that are not facets.
RESERVED = frozenset({"day", "q", "sort", "format", "page"})
#: Rows per page (every format shows the same page: its twins hold exactly the rows shown).
PAGE_SIZE = 200


def _twin(endpoint: str):
    def twins(fmt: Format, **values) -> str:
        return url_for(endpoint, **values, format=fmt.keywords[0])

    return twins


POLICIES = View(offers=OFFERS, what="this table", public=True, twins=_twin("tracker.policies"))
PEOPLE = View(offers=OFFERS, what="this table", public=True, twins=_twin("tracker.people"))


def _state(table: tracker.Table) -> tuple[dict[str, list[str]], str, str | None]:
    filters = {n: request.args.getlist(n) for n in request.args if n not in RESERVED}
    return filters, request.args.get("q", "").strip(), request.args.get("sort") or None


def _values(view: TableView, default_sort: str, day_given: bool) -> dict:
    """The URL parameters that say ``view`` (what its links and twins carry)."""
    values: dict = {k: list(v) for k, v in view.filters.items()}
    if view.query:
        values["q"] = view.query
    if view.sort.parameter != default_sort:
        values["sort"] = view.sort.parameter
    if view.day is not None and day_given:
        values["day"] = view.day.isoformat()
    return values


def _links(endpoint: str, view: TableView, values: dict, table: tracker.Table) -> dict:
    """The URLs a page links to: each facet value toggled, each column sorted, filters cleared."""

    def url(**changed) -> str:
        merged = {**values, **changed}
        return url_for(endpoint, **{k: v for k, v in merged.items() if v not in (None, [], "")})

    facets = []
    for facet in view.facets:
        entries = []
        for v in facet.values:
            keys = list(values.get(facet.name, []))
            if v.key in keys:
                keys.remove(v.key)
            else:
                keys.append(v.key)
            entries.append({"value": v, "href": url(**{facet.name: keys})})
        facets.append({"facet": facet, "values": entries})
    sorts = {}
    for column in table.columns:
        same = view.sort.column == column.name
        target = f"-{column.name}" if same and not view.sort.descending else column.name
        sorts[column.name] = {
            "href": url(sort=None if target == table.default_sort else target),
            "current": ("descending" if view.sort.descending else "ascending") if same else None,
        }
    cleared = {k: v for k, v in values.items() if k in ("day", "sort")}
    today = None
    if "day" in values:
        today = url_for(endpoint, **{k: v for k, v in values.items() if k != "day"})
    return {
        "today_href": today,
        "facets": facets,
        "sorts": sorts,
        "clear_href": url_for(endpoint, **cleared) if view.filters or view.query else None,
    }


def _answer(
    view_decl: View, endpoint: str, table: tracker.Table, make_view, template: str, **context
) -> Response:
    fmt = view_decl.choose()
    if fmt is None:
        return view_decl.not_acceptable()
    filters, query, sort = _state(table)
    try:
        view = make_view(filters, query, sort)
    except BadView as e:
        return respond.error(400, "Bad Request", str(e), fmt)
    number = base.page_number()
    pages = max(1, -(-view.total // PAGE_SIZE))
    if number > pages:
        message = f"this table has {pages} page{'s' if pages > 1 else ''}"
        return respond.error(404, "Not Found", message, fmt)
    values = _values(view, table.default_sort, "day" in request.args)
    pager = {}
    if pages > 1:
        shown = view.rows[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        view = replace(view, rows=shown)
        if number > 1:
            pager["previous"] = url_for(endpoint, **values, page=number - 1 if number > 2 else None)
        if number < pages:
            pager["next"] = url_for(endpoint, **values, page=number + 1)
        values = {**values, "page": number} if number > 1 else values
    alternates = view_decl.alternates(fmt, **values)
    index = publication().index
    if fmt is HTML:
        response = respond.html(
            template,
            row_cells=row_cells,
            view=view,
            table=table,
            links=_links(endpoint, view, {k: v for k, v in values.items() if k != "page"}, table),
            pager=pager,
            page=number,
            pages=pages,
            values=values,
            alternates=alternates,
            **context,
        )
    elif fmt is JSON:
        response = respond.json_body(
            {
                "url": respond.absolute(url_for(endpoint, **values, format="json")),
                **({"day": view.day.isoformat()} if view.day else {}),
                "query": view.query,
                "filters": {k: list(v) for k, v in view.filters.items()},
                "sort": view.sort.parameter,
                "total": view.total,
                "unfiltered": view.count,
                "page": number,
                "pages": pages,
                **{k: respond.absolute(v) for k, v in pager.items()},
                "rows": table.json(view, respond.term_json),
                "facets": respond.facets_json(view.facets),
            }
        )
    elif fmt is CSV:
        response = Response(table.csv(view), 200, content_type=CSV.content_type)
    else:
        response = base.rdf_or_refusal(table.quads(view, index), fmt, alternates)
        if response.status_code != 200:
            return response
    headers.link_alternates(response, alternates)
    key = request.query_string.decode("latin-1")
    day = view.day.isoformat() if view.day else ""
    return headers.cacheable(response, f"{endpoint}-{fmt.name}-{day}-{hash(key) & 0xFFFFFFFF:x}")


@dataclass(frozen=True)
class Cells:
    """A row's cells as HTML: before the status cell, and after it."""

    head: Markup
    rest: Markup


def row_cells(row) -> Cells:
    """The cells of ``row`` that are the same for every request, rendered once per process
    (a table of thousands of rows would otherwise render every link of every row each time)."""
    cache: dict = current_app.extensions.setdefault("frkg.tracker.cells", {})
    key = (request.script_root, row.term.value)
    found = cache.get(key)
    if found is None:
        macros = get_template_attribute
        if isinstance(row, tracker.PolicyRow):
            dates = publication().tracker.columns[6:]
            found = Cells(
                macros("_table.html", "policy_head")(row),
                macros("_table.html", "policy_rest")(row, dates),
            )
        else:
            found = Cells(Markup(""), macros("_table.html", "actor_rest")(row))
        cache[key] = found
    return found


@base.route(bp, "/tracker", POLICIES)
def policies() -> Response:
    """Every policy as a row: where, what kind, what scope, its status on the day, its dates."""
    table = publication().tracker
    today = datetime.now(UTC).date()

    def make(filters, query, sort):
        day = tracker.parse_day(request.args.get("day"), today)
        return table.view(day, filters, query, sort)

    return _answer(POLICIES, "tracker.policies", table, make, "tracker.html", today=today)


@base.route(bp, "/tracker/people", PEOPLE)
def people() -> Response:
    """Every person and organization as a row: kind, roles, stances stated, statements."""
    table = publication().actors

    def make(filters, query, sort):
        return table.view(filters, query, sort)

    return _answer(PEOPLE, "tracker.people", table, make, "people.html")
