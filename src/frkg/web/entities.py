"""Things and the documents about them (W3C "Cool URIs for the Semantic Web", section 4.3).

- ``/id/{slug}`` names the thing itself. It answers 303 See Other to ``/page/{slug}`` (HTML) or
  ``/data/{slug}.{ext}`` (RDF), chosen from ``?format=`` or else the Accept header.
- ``/data/{slug}.{ext}`` is the RDF document in one format; ``/data/{slug}`` negotiates among
  them (200 with Content-Location).
- ``/page/{slug}`` is the HTML page; ``/page/{slug}/links`` lists every value of one property
  when the page shows only the first few.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, request, url_for

from frkg import formats
from frkg.formats import HTML, RDF_FORMATS, Format
from frkg.namespaces import entity_iri
from frkg.publish import entity_view
from frkg.web import headers, respond
from frkg.web.context import describer, publication
from frkg.web.templating import PATH_SAFE

bp = Blueprint("entities", __name__)

#: What /id/{slug} offers, in order of preference on equal quality: */* and no Accept get
#: Turtle (browsers always ask for text/html by name; a script that asks for anything gets the
#: data, in the most readable RDF syntax).
THING_OFFERS: tuple[Format, ...] = (*RDF_FORMATS, HTML)


@bp.after_request
def _cors(response: Response) -> Response:
    # Every document here is public and read-only: any origin may read it, redirects included
    # (a cross-origin fetch of /id/{slug} must be allowed to follow the 303).
    return headers.cors(response)


def alternates(slug: str, exclude: Format | None = None) -> list[tuple[str, Format]]:
    """(URL, format) of every representation of the thing's description, but ``exclude``.

    The same URLs as ``url_for`` gives, written directly: on every document and page, the
    routing machinery took longer than describing the thing.
    """
    root = request.script_root + "/"
    quoted = quote(slug, safe=PATH_SAFE)
    out = [(f"{root}page/{quoted}", HTML)]
    out += [(f"{root}data/{quoted}.{f.suffix}", f) for f in RDF_FORMATS]
    return [(href, f) for href, f in out if f is not exclude]


def _thing_iri(slug: str) -> str:
    return entity_iri(describer().kg.base, slug)


@bp.get("/id/<slug>")
def thing(slug: str) -> Response:
    """303 See Other to the page or the data, by ``?format=`` or Accept; 404 or 406 otherwise."""
    fmt = respond.choose(THING_OFFERS)
    if not describer().exists(slug):
        response = respond.error(
            404, "Not Found", f"nothing is known about <{_thing_iri(slug)}>", fmt
        )
        return headers.negotiated(response)
    if fmt is None:
        response = respond.not_acceptable(THING_OFFERS, f"a description of <{_thing_iri(slug)}>")
        return headers.link_alternates(response, alternates(slug))
    if fmt is HTML:
        target = url_for("entities.page", slug=slug)
    else:
        target = url_for("entities.document", slug=slug, ext=fmt.suffix)
    response = respond.text(f"303 See Other: the {fmt.label} description is at {target}", 303)
    response.headers["Location"] = target
    headers.link_alternates(response, alternates(slug))
    return headers.negotiated(response)


@bp.get("/data/<slug>.<ext>")
def document(slug: str, ext: str) -> Response:
    """The RDF document about a thing, in the format of its suffix."""
    fmt = formats.by_suffix(ext)
    if fmt is None:
        suffixes = ", ".join("." + f.suffix for f in RDF_FORMATS)
        return respond.text(
            f"404 Not Found: no format has the suffix .{ext}; there are {suffixes}", 404
        )
    return _document(slug, fmt)


@bp.get("/data/<slug>")
def negotiated_document(slug: str) -> Response:
    """The RDF document about a thing in the format Accept prefers (Content-Location names it)."""
    fmt = respond.choose(RDF_FORMATS)
    if fmt is None:
        if not describer().exists(slug):
            return headers.negotiated(respond.error(404, "Not Found", "no such document"))
        response = respond.not_acceptable(RDF_FORMATS, "this document")
        return headers.link_alternates(response, alternates(slug))
    response = _document(slug, fmt)
    if response.status_code == 200:
        response.headers["Content-Location"] = url_for(
            "entities.document", slug=slug, ext=fmt.suffix
        )
    return headers.negotiated(response)


def _document(slug: str, fmt: Format) -> Response:
    description = describer().describe(slug)
    if description is None:
        return respond.error(404, "Not Found", f"nothing is known about <{_thing_iri(slug)}>", fmt)
    try:
        response = respond.rdf(description.quads, fmt)
    except formats.Unrepresentable as e:
        response = respond.text(f"406 Not Acceptable: {e}", 406)
        return headers.link_alternates(response, alternates(slug, exclude=fmt))
    headers.link_alternates(response, alternates(slug, exclude=fmt), description.subject.value)
    return headers.cacheable(response, fmt.name)


@bp.get("/page/<slug>")
def page(slug: str) -> Response:
    """The HTML page about a thing, with its JSON-LD embedded."""
    d = describer()
    description = d.describe(slug, capped=True)
    if description is None:
        return respond.error(404, "Not Found", f"nothing is known about <{_thing_iri(slug)}>", HTML)
    # The embedded JSON-LD is the document as the page shows it (all of it, unless a hub's
    # page shows only the first values of a property).
    jsonld = formats.serialize(formats.by_suffix("jsonld"), d.page_quads(description)).decode()
    response = respond.html(
        "entity.html",
        entity=entity_view.view(d, description),
        alternates=alternates(slug, exclude=HTML),
        jsonld=jsonld,
        derived=publication().browser.citing_count(description.subject),
    )
    headers.link_alternates(response, alternates(slug, exclude=HTML), description.subject.value)
    return headers.cacheable(response, HTML.name)


@bp.get("/page/<slug>/links")
def links(slug: str) -> Response:
    """Every value of one property of a thing, ``?property=IRI&direction=out|in&page=N``."""
    prop = request.args.get("property", "")
    direction = request.args.get("direction", "out")
    if not prop:
        abort(400, "give the property IRI as ?property=")
    if direction not in ("out", "in"):
        abort(400, "direction must be 'out' or 'in'")
    try:
        number = int(request.args.get("page", "1"))
    except ValueError:
        number = 0
    if number < 1:
        abort(400, "page must be a whole number from 1")
    result = entity_view.links(describer(), slug, prop, direction, number)
    if result is None:
        message = (
            f"<{_thing_iri(slug)}> has no {'value' if direction == 'out' else 'link'} of <{prop}>"
        )
        return respond.error(404, "Not Found", message, HTML)
    if number > result.pages:
        return respond.error(404, "Not Found", f"there are only {result.pages} pages", HTML)
    response = respond.html("links.html", result=result, slug=slug)
    return headers.cacheable(response, HTML.name)
