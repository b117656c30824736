"""Things and the documents about them (W3C "Cool URIs for the Semantic Web", section 4.3).

- ``/id/{slug}`` names the thing itself. It answers 303 See Other to ``/page/{slug}`` (HTML) or
  ``/data/{slug}.{ext}`` (RDF), chosen from ``?format=`` or else the Accept header.
- ``/data/{slug}.{ext}`` is the RDF document in one format; ``/data/{slug}`` negotiates among
  them (200 with Content-Location).
- ``/page/{slug}`` is the HTML page; ``/page/{slug}/links`` lists every value of one property
  when the page shows only the first few.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

import pyoxigraph as ox
from flask import Blueprint, Response, abort, request, url_for

from frkg import formats, negotiate
from frkg.formats import HTML, RDF_FORMATS, Format
from frkg.namespaces import entity_iri
from frkg.publish import entity_view
from frkg.publish.jsonld import compacted as compact
from frkg.web import base, headers, respond
from frkg.web.base import View
from frkg.web.context import describer, publication
from frkg.web.templating import PATH_SAFE

bp = Blueprint("entities", __name__)


@dataclass(frozen=True)
class About(View):
    """A view about one thing: public, and its twins are the thing's page and documents."""

    public: bool = True
    twin_formats: tuple[Format, ...] = (HTML, *RDF_FORMATS)

    def alternates(self, exclude: Format | None = None, slug: str = "") -> list[tuple[str, Format]]:
        """(URL, format) of every representation of the thing's description, but ``exclude``.

        The same URLs as ``url_for`` gives, written directly and quoted once: on every document
        and page, the routing machinery took longer than describing the thing.
        """
        root = request.script_root + "/"
        quoted = quote(slug, safe=PATH_SAFE)
        out = [(f"{root}page/{quoted}", HTML)]
        out += [(f"{root}data/{quoted}.{f.suffix}", f) for f in RDF_FORMATS]
        return [(href, f) for href, f in out if f is not exclude]


#: /id/{slug}, in order of preference on equal quality: */* and no Accept get Turtle (browsers
#: always ask for text/html by name; a script that asks for anything gets the data, in the most
#: readable RDF syntax). Redirects are public too: a cross-origin fetch must follow the 303.
THING = About(offers=(*RDF_FORMATS, HTML), what="a description of this thing")
DOCUMENT = About(offers=RDF_FORMATS)
NEGOTIATED_DOCUMENT = About(offers=RDF_FORMATS, what="this document")
PAGE = About(offers=(HTML,))
LINKS = View(offers=(HTML,), public=True)


def _thing_iri(slug: str) -> str:
    return entity_iri(describer().kg.base, slug)


def _unknown(slug: str, fmt: Format | None) -> Response:
    return respond.error(404, "Not Found", f"nothing is known about <{_thing_iri(slug)}>", fmt)


@base.route(bp, "/id/<slug>", THING)
def thing(slug: str) -> Response:
    """303 See Other to the page or the data, by ``?format=`` or Accept; 404 or 406 otherwise."""
    fmt = THING.choose()
    if not describer().exists(slug):
        return _unknown(slug, fmt)
    if fmt is None:
        refused = THING.not_acceptable(f"a description of <{_thing_iri(slug)}>")
        return headers.link_alternates(refused, THING.alternates(slug=slug))
    if fmt is HTML:
        target = url_for("entities.page", slug=slug)
    else:
        target = url_for("entities.document", slug=slug, ext=fmt.suffix)
        if fmt.serializer == ox.RdfFormat.JSON_LD:
            # JSON-LD 1.1 section 9: the form Accept's profile asks for, named in the URL.
            form = negotiate.jsonld_form(request.headers.get("Accept"))
            if form != "expanded":
                target += f"?profile={form}"
    response = respond.text(f"303 See Other: the {fmt.label} description is at {target}", 303)
    response.headers["Location"] = target
    return headers.link_alternates(response, THING.alternates(slug=slug))


@base.route(bp, "/data/<slug>.<ext>", DOCUMENT)
def document(slug: str, ext: str) -> Response:
    """The RDF document about a thing, in the format of its suffix."""
    fmt = formats.by_suffix(ext, DOCUMENT.offers)
    if fmt is None:
        return base.unknown_suffix(ext, DOCUMENT.offers)
    return _document(slug, fmt)


@base.route(bp, "/data/<slug>", NEGOTIATED_DOCUMENT)
def negotiated_document(slug: str) -> Response:
    """The RDF document about a thing in the format Accept prefers (Content-Location names it)."""
    fmt = NEGOTIATED_DOCUMENT.choose()
    if fmt is None:
        if not describer().exists(slug):
            return respond.error(404, "Not Found", "no such document")
        refused = NEGOTIATED_DOCUMENT.not_acceptable()
        return headers.link_alternates(refused, NEGOTIATED_DOCUMENT.alternates(slug=slug))
    response = _document(slug, fmt)
    if response.status_code == 200:
        response.headers["Content-Location"] = url_for(
            "entities.document", slug=slug, ext=fmt.suffix
        )
    return response


def _document(slug: str, fmt: Format) -> Response:
    description = describer().describe(slug)
    if description is None:
        return _unknown(slug, fmt)
    alternates = DOCUMENT.alternates(fmt, slug=slug)
    response = base.rdf_or_refusal(description.quads, fmt, alternates)
    if response.status_code != 200:
        return response
    headers.link_alternates(response, alternates, description.subject.value)
    return headers.cacheable(response, fmt.name)


@base.route(bp, "/page/<slug>", PAGE)
def page(slug: str) -> Response:
    """The HTML page about a thing, with its JSON-LD embedded."""
    d = describer()
    description = d.describe(slug, capped=True)
    if description is None:
        return _unknown(slug, HTML)
    # The embedded JSON-LD is the document as the page shows it (all of it, unless a hub's
    # page shows only the first values of a property).
    # Compacted, with the part of the published context it uses inline: the page stands alone.
    jsonld = compact(d.page_quads(description), respond.jsonld_context(), inline=True).decode()
    alternates = PAGE.alternates(HTML, slug=slug)
    published = publication()
    today = datetime.now(UTC).date()
    lead = entity_view.lead(d, description.subject, published.tracker, published.actors, today)
    response = respond.html(
        "entity.html",
        entity=entity_view.view(d, description),
        lead=lead,
        alternates=alternates,
        jsonld=jsonld,
        derived=published.browser.citing_count(description.subject),
    )
    headers.link_alternates(response, alternates, description.subject.value)
    # A policy's page says its status today: its validator changes with the day.
    dated = f"-{today.isoformat()}" if lead is not None and lead.kind == "policy" else ""
    return headers.cacheable(response, HTML.name + dated)


#: Why a "show all" request is refused (the static export answers with the same words).
NO_PROPERTY = "give the property IRI as ?property="
BAD_DIRECTION = "direction must be 'out' or 'in'"


@base.route(bp, "/page/<slug>/links", LINKS)
def links(slug: str) -> Response:
    """Every value of one property of a thing, ``?property=IRI&direction=out|in&page=N``."""
    prop = request.args.get("property", "")
    direction = request.args.get("direction", "out")
    if not prop:
        abort(400, NO_PROPERTY)
    if direction not in ("out", "in"):
        abort(400, BAD_DIRECTION)
    number = base.page_number()
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
