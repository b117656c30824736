"""The dataset's VoID + DCAT description (W3C VoID, section 7.2: ``/.well-known/void``).

``/void`` and ``/.well-known/void`` negotiate among the RDF syntaxes and an HTML rendering (200
with Content-Location, as ``/ontology`` does); ``/void.{ext}`` names each representation. The
description is generated from the loaded data once per load (:mod:`frkg.void`).
"""

from __future__ import annotations

from flask import Blueprint, Response, url_for

from frkg import formats
from frkg import void as void_description
from frkg.formats import HTML, RDF_FORMATS, Format
from frkg.web import headers, respond
from frkg.web.context import describer, publication

bp = Blueprint("void", __name__)

#: */* and no Accept get Turtle, as for things (see entities.THING_OFFERS).
OFFERS: tuple[Format, ...] = (*RDF_FORMATS, HTML)


@bp.after_request
def _cors(response: Response) -> Response:
    return headers.cors(response)


def alternates(exclude: Format | None = None) -> list[tuple[str, Format]]:
    """(URL, format) of every representation of the description but ``exclude``."""
    return [(url_for("void.representation", ext=f.suffix), f) for f in OFFERS if f is not exclude]


@bp.get("/.well-known/void")
def well_known() -> Response:
    """Where VoID consumers look first (VoID section 7.2): the same as ``/void``."""
    return negotiated()


@bp.get("/void")
def negotiated() -> Response:
    """The description in the format ``?format=`` or Accept asks for."""
    fmt = respond.choose(OFFERS)
    if fmt is None:
        response = respond.not_acceptable(OFFERS, "the dataset description")
        return headers.link_alternates(response, alternates())
    response = _represent(fmt)
    response.headers["Content-Location"] = url_for("void.representation", ext=fmt.suffix)
    return headers.negotiated(response)


@bp.get("/void.<ext>")
def representation(ext: str) -> Response:
    """The description in the format of the suffix (``.html``, ``.ttl``, ``.jsonld`` ...)."""
    fmt = formats.by_suffix(ext, OFFERS)
    if fmt is None:
        suffixes = ", ".join("." + f.suffix for f in OFFERS)
        return respond.text(
            f"404 Not Found: no format has the suffix .{ext}; there are {suffixes}", 404
        )
    return _represent(fmt)


def _represent(fmt: Format) -> Response:
    published = publication()
    quads = published.void
    if fmt is HTML:
        view = void_description.view(quads, published.index, describer())
        response = respond.html(
            "void.html",
            void=view,
            dumps=list(published.dumps),
            sparql=void_description.sparql_endpoint(published.index.base),
            alternates=alternates(HTML),
        )
    else:
        try:
            response = respond.rdf(quads, fmt)
        except formats.Unrepresentable as e:
            return headers.link_alternates(
                respond.text(f"406 Not Acceptable: {e}", 406), alternates(fmt)
            )
    headers.link_alternates(response, alternates(fmt), published.index.iri)
    return headers.cacheable(response, f"void-{fmt.name}")
