"""The shapes: ``/shapes`` negotiates an HTML reference and the Turtle (RDF) of the shapes files.

Like ``/ontology``: 200 with Content-Location and ``Vary: Accept``; ``/shapes.{ext}`` names each
representation. The reference is generated from the loaded shapes (:mod:`frkg.shapedoc`).
"""

from __future__ import annotations

from flask import Blueprint, Response, url_for

from frkg import formats
from frkg.formats import HTML, RDF_FORMATS, Format
from frkg.shapedoc import shapes_quads
from frkg.web import headers, respond
from frkg.web.context import knowledge_graph, publication

bp = Blueprint("shapes", __name__)

#: */* and no Accept get Turtle, as for the ontology.
OFFERS: tuple[Format, ...] = (*RDF_FORMATS, HTML)


@bp.after_request
def _cors(response: Response) -> Response:
    return headers.cors(response)


def alternates(exclude: Format | None = None) -> list[tuple[str, Format]]:
    """(URL, format) of every representation of the shapes but ``exclude``."""
    return [(url_for("shapes.representation", ext=f.suffix), f) for f in OFFERS if f is not exclude]


@bp.get("/shapes")
def negotiated() -> Response:
    """The shapes in the format ``?format=`` or Accept asks for."""
    fmt = respond.choose(OFFERS)
    if fmt is None:
        response = respond.not_acceptable(OFFERS, "the shapes")
        return headers.link_alternates(response, alternates())
    response = _represent(fmt)
    response.headers["Content-Location"] = url_for("shapes.representation", ext=fmt.suffix)
    return headers.negotiated(response)


@bp.get("/shapes.<ext>")
def representation(ext: str) -> Response:
    """The shapes in the format of the suffix (``.html``, ``.ttl``, ``.jsonld`` ...)."""
    fmt = formats.by_suffix(ext, OFFERS)
    if fmt is None:
        suffixes = ", ".join("." + f.suffix for f in OFFERS)
        return respond.text(
            f"404 Not Found: no format has the suffix .{ext}; there are {suffixes}", 404
        )
    return _represent(fmt)


def _represent(fmt: Format) -> Response:
    if fmt is HTML:
        response = respond.html(
            "shapes.html", shapes=publication().shapes, alternates=alternates(HTML)
        )
    else:
        try:
            response = respond.rdf(shapes_quads(knowledge_graph()), fmt)
        except formats.Unrepresentable as e:
            return headers.link_alternates(
                respond.text(f"406 Not Acceptable: {e}", 406), alternates(fmt)
            )
    headers.link_alternates(response, alternates(fmt))
    return headers.cacheable(response, f"shapes-{fmt.name}")
