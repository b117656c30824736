"""Browsing: the index of classes, a list page per class, and a page per source.

- ``/browse`` lists the classes with their entity counts; ``/browse?class={IRI}`` opens the list
  of any class (301 to ``/browse/{prefix:Name}`` when the class has a prefixed name).
- ``/browse/{prefix:Name}`` lists the class's entities (subclasses included), sorted by label,
  ``?page=N``, narrowed by facets given as query parameters (``?stance=frkg:stance-supports-ban
  &speaker=evan-greer``: one parameter per facet, repeated for OR). Every such URL can be shared.
- ``/source/{slug}`` lists everything that cites a source, grouped by kind.

Each answers HTML, plain JSON or RDF (a Hydra collection for class lists), by ``?format=`` or
Accept; ``*/*`` and no Accept get JSON, the data (browsers name text/html).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, request, url_for
from werkzeug.exceptions import BadRequest

from frkg.formats import HTML, JSON, RDF_FORMATS, Format
from frkg.namespaces import entity_iri
from frkg.publish import browse, entity_view
from frkg.publish.browse import Listing, UnknownFacet
from frkg.publish.dataset import RDFS_RESOURCE
from frkg.web import base, headers, respond
from frkg.web.base import View
from frkg.web.context import knowledge_graph, publication

bp = Blueprint("browse", __name__)


def _list_twin(fmt: Format, iri: str, filters: Mapping[str, Sequence[str]], page: int) -> str:
    return list_url(iri, filters, page=page if page > 1 else None, format=fmt.keywords[0])


#: Plain JSON first: */* gets the data; JSON-LD shares the alias application/json, so JSON must
#: come before it to win a bare ``Accept: application/json``.
LIST_OFFERS: tuple[Format, ...] = (JSON, HTML, *RDF_FORMATS)
INDEX = View(
    offers=(JSON, HTML),
    what="the index of classes",
    public=True,
    twins=base.with_format("browse.index"),
)
LISTING = View(offers=LIST_OFFERS, what="this list", public=True, twins=_list_twin)
SOURCE = View(
    offers=LIST_OFFERS, what="this list", public=True, twins=base.with_format("browse.source")
)


@bp.app_context_processor
def _list_links() -> dict:
    """Every template may link a class to its list page with ``list_url(class IRI)``."""
    return {"list_url": list_url}


# -- URLs -----------------------------------------------------------------------------------------


def list_url(cls: str, filters: Mapping[str, Sequence[str]] | None = None, **extra) -> str:
    """The path of a class's list page with ``filters`` and ``extra`` parameters."""
    args = {k: list(v) for k, v in (filters or {}).items() if v}
    args.update({k: v for k, v in extra.items() if v is not None})
    name = publication().browser.class_name(cls)
    if name is not None:
        return url_for("browse.listing", name=name, **args)
    return url_for("browse.index", **{"class": cls}, **args)


def _filters() -> dict[str, list[str]]:
    return {
        name: request.args.getlist(name) for name in request.args if name not in browse.RESERVED
    }


# -- the class index ------------------------------------------------------------------------------


@base.route(bp, "/browse", INDEX)
def index() -> Response:
    """The classes with entities, as a tree with counts; ``?class=IRI`` opens one class."""
    if "class" in request.args:
        return _class_by_iri(request.args["class"])
    fmt = INDEX.choose()
    if fmt is None:
        return INDEX.not_acceptable()
    published = publication()
    tree = published.browser.class_tree()
    everything = published.index.entity_count
    if fmt is JSON:
        response = respond.json_body(_index_json(tree, everything))
    else:
        alternates = INDEX.alternates(HTML)
        response = respond.html(
            "browse_index.html",
            class_tree=tree,
            everything=everything,
            all_url=list_url(RDFS_RESOURCE),
            alternates=alternates,
        )
        headers.link_alternates(response, alternates)
    return headers.cacheable(response, f"browse-index-{fmt.name}")


def _index_json(tree: list, everything: int) -> dict:
    """The class tree as JSON: each class with its count, list and subclasses."""

    def entry(e) -> dict:
        out = respond.term_json(e.term)
        out["entities"] = e.count
        out["list"] = respond.absolute(list_url(e.term.value))
        if e.children:
            out["subclasses"] = [entry(c) for c in e.children]
        return out

    return {
        "entities": everything,
        "all": respond.absolute(list_url(RDFS_RESOURCE)),
        "classes": [entry(e) for e in tree],
    }


def _class_by_iri(iri: str) -> Response:
    try:
        ox.NamedNode(iri)
    except ValueError:
        raise BadRequest(f"class must be an IRI, not {iri!r}") from None
    name = publication().browser.class_name(iri)
    if name is not None:
        args = {k: request.args.getlist(k) for k in request.args if k != "class"}
        return redirect(url_for("browse.listing", name=name, **args), 301)
    return _listing(iri)


# -- a class's list page --------------------------------------------------------------------------


@base.route(bp, "/browse/<name>", LISTING)
def listing(name: str) -> Response:
    """One page of a class's entities, narrowed by facets, in the negotiated format."""
    iri = publication().browser.class_iri(name)
    if iri is None:
        fmt = _choose_quietly()
        return respond.error(
            404,
            "Not Found",
            f"{name!r} is not a prefixed class name (such as frkg:Quote) with a known prefix",
            fmt,
        )
    return _listing(iri)


def _choose_quietly() -> Format | None:
    try:
        return LISTING.choose()
    except BadRequest:
        return None


def _listing(iri: str) -> Response:
    fmt = LISTING.choose()
    if fmt is None:
        return LISTING.not_acceptable()
    number = base.page_number()
    filters = _filters()
    browser = publication().browser
    try:
        result = browser.listing(iri, filters, number)
    except UnknownFacet as e:
        return respond.error(400, "Bad Request", str(e), fmt)
    if result is None:
        return respond.error(404, "Not Found", f"there are no entities of <{iri}> here", fmt)
    if number > result.pages:
        message = f"this list has {result.pages} page{'s' if result.pages > 1 else ''}"
        return respond.error(404, "Not Found", message, fmt)

    def url(page: int = 1) -> str:
        return list_url(iri, result.filters, page=page if page > 1 else None)

    pages = _page_links(url, number, result.pages)

    def quads():
        links = {k: respond.absolute(v) for k, v in pages.items()}
        here, collection = respond.absolute(url(number)), respond.absolute(url())
        return browse.collection_quads(browser, result, collection, here, links)

    return LISTING.represent(
        fmt,
        f"browse-{fmt.name}",
        html=lambda: respond.html(
            "browse.html",
            listing=result,
            facets=_facet_links(iri, result),
            pages=pages,
            clear=url() if result.filters else None,
            page_size=browse.PAGE_SIZE,
            alternates=LISTING.alternates(fmt, iri=iri, filters=result.filters, page=number),
        ),
        data=lambda: _listing_json(result, pages, url(number)),
        quads=quads,
        values={"iri": iri, "filters": result.filters, "page": number},
    )


def _page_links(url, number: int, last: int) -> dict[str, str]:
    """The first, last, previous and next pages around page ``number`` (Hydra's names)."""
    pages = {"first": url(1), "last": url(last)}
    if number > 1:
        pages["previous"] = url(number - 1)
    if number < last:
        pages["next"] = url(number + 1)
    return pages


def _facet_links(iri: str, result: Listing) -> list[dict]:
    """Each facet with, for every value, the URL that toggles it (page reset to the first)."""
    out = []
    for facet in result.facets:
        values = []
        for v in facet.values:
            chosen = {k: list(keys) for k, keys in result.filters.items()}
            keys = chosen.setdefault(facet.name, [])
            if v.key in keys:
                keys.remove(v.key)
            else:
                keys.append(v.key)
            values.append({"value": v, "href": list_url(iri, chosen)})
        out.append({"facet": facet, "values": values})
    return out


def _listing_json(result: Listing, pages: dict[str, str], here: str) -> dict:
    return {
        "class": respond.term_json(result.cls),
        "total": result.total,
        "unfiltered": result.count,
        "page": result.page,
        "pages": result.pages,
        "pageSize": browse.PAGE_SIZE,
        "filters": {k: list(v) for k, v in result.filters.items()},
        "url": respond.absolute(here),
        **{k: respond.absolute(v) for k, v in pages.items()},
        "items": [_item_json(i) for i in result.items],
        "facets": respond.facets_json(result.facets),
    }


def _item_json(item: browse.Item) -> dict:
    out = respond.term_json(item.term)
    out["types"] = [respond.term_json(t) for t in item.types]
    if item.text:
        out["text"] = item.text
    if item.speakers:
        out["speakers"] = [respond.term_json(t) for t in item.speakers]
    if item.stances:
        out["stances"] = [respond.term_json(t) for t in item.stances]
    return out


# -- a source's page ------------------------------------------------------------------------------


@base.route(bp, "/source/<slug>", SOURCE)
def source(slug: str) -> Response:
    """Everything citing one source (``dct:source``), grouped by kind."""
    fmt = SOURCE.choose()
    if fmt is None:
        return SOURCE.not_acceptable()
    browser = publication().browser
    try:
        node = ox.NamedNode(entity_iri(knowledge_graph().base, slug))
    except ValueError:
        node = None
    view = browser.derived(node) if node is not None else None
    if view is None:
        message = f"nothing in the data cites <{entity_iri(knowledge_graph().base, slug)}>"
        return respond.error(404, "Not Found", message, fmt)

    return SOURCE.represent(
        fmt,
        f"source-{fmt.name}",
        html=lambda: respond.html(
            "source.html", view=view, slug=slug, alternates=SOURCE.alternates(fmt, slug=slug)
        ),
        data=lambda: _source_json(view, slug),
        quads=lambda: browse.source_quads(browser, node),
        describes=node.value,
        values={"slug": slug},
    )


def _source_json(view: browse.SourceView, slug: str) -> dict:
    """What cites a source as JSON: the source, how many, and the citing items by kind."""
    return {
        "source": respond.term_json(view.source),
        "total": view.total,
        "url": respond.absolute(url_for("browse.source", slug=slug)),
        "groups": [
            {
                "kind": respond.term_json(kind) if kind else None,
                "items": [_item_json(i) for i in items],
            }
            for kind, items in view.groups
        ],
    }


# -- a concept's page -----------------------------------------------------------------------------

CONCEPT = View(
    offers=(HTML, JSON), what="this list", public=True, twins=base.with_format("browse.concept")
)
#: Which research table a concept narrows, by the property that carries it: (endpoint, facet).
CONCEPT_TABLES = {
    "policyKind": ("tracker.policies", "kind"),
    "scope": ("tracker.policies", "scope"),
    "status": ("tracker.policies", "status"),
    "stance": ("tracker.people", "stance"),
}


@base.route(bp, "/concept", CONCEPT)
def concept() -> Response:
    """``?name=``: a controlled value (a stance, policy kind, status, scope), what it means and
    every thing that carries it, by property. (A query parameter, not a path: a static export
    leaves the page to a live server, as it does search.)"""
    fmt = CONCEPT.choose()
    if fmt is None:
        return CONCEPT.not_acceptable()
    name = request.args.get("name", "")
    if not name:
        return respond.error(400, "Bad Request", "give the concept as ?name=, e.g. kind-ban", fmt)
    d = publication().describer
    iri = d.frkg(name)
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        node = None
    if node is None or not _is_concept(d, node):
        return respond.error(404, "Not Found", f"<{iri}> is not a concept of the vocabulary", fmt)
    lead = entity_view.concept_lead(d, node)
    term = d.term(node)
    definition = entity_view.best_literal(
        list(d._quads(node, None, None)), entity_view.DESCRIPTION_PROPERTIES
    )
    tables = []
    for prop, _things in lead.carriers:
        local = prop.fragment or ""
        if local in CONCEPT_TABLES:
            endpoint, facet = CONCEPT_TABLES[local]
            tables.append((prop, url_for(endpoint, **{facet: term.curie or iri})))
    alternates = CONCEPT.alternates(fmt, name=name)
    if fmt is JSON:
        response = respond.json_body(
            {
                **respond.term_json(term),
                **({"definition": definition.value} if definition is not None else {}),
                "carriedBy": [
                    {"property": respond.term_json(p), "things": [respond.term_json(t) for t in ts]}
                    for p, ts in lead.carriers
                ],
            }
        )
    else:
        response = respond.html(
            "concept.html",
            term=term,
            definition=definition.value if definition is not None else None,
            lead=lead,
            tables=tables,
            alternates=alternates,
        )
    headers.link_alternates(response, alternates)
    return headers.cacheable(response, f"concept-{fmt.name}")


def _is_concept(d, node: ox.NamedNode) -> bool:
    concept = ox.NamedNode("http://www.w3.org/2004/02/skos/core#Concept")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    return next(iter(d._quads(node, rdf_type, concept)), None) is not None
