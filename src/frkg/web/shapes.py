"""The shapes: ``/shapes`` negotiates an HTML reference and the Turtle (RDF) of the shapes files.

Like ``/ontology``: 200 with Content-Location and ``Vary: Accept``; ``/shapes.{ext}`` names each
representation. The reference is generated from the loaded shapes (:mod:`frkg.publish.shapes_view`).
"""

from __future__ import annotations

from flask import Blueprint, Response

from frkg.formats import HTML, Format
from frkg.publish.shapes_view import shapes_quads
from frkg.web import base, respond
from frkg.web.context import knowledge_graph, publication

bp = Blueprint("shapes", __name__)

DOCUMENT = base.document("shapes", "the shapes")


@base.route(bp, "/shapes", DOCUMENT)
def negotiated() -> Response:
    """The shapes in the format ``?format=`` or Accept asks for."""
    return DOCUMENT.negotiated(_represent)


@base.route(bp, "/shapes.<ext>", DOCUMENT)
def representation(ext: str) -> Response:
    """The shapes in the format of the suffix (``.html``, ``.ttl``, ``.jsonld`` ...)."""
    return DOCUMENT.by_suffix(ext, _represent)


def _represent(fmt: Format) -> Response:
    return DOCUMENT.represent(
        fmt,
        f"shapes-{fmt.name}",
        html=lambda: respond.html(
            "shapes.html", shapes=publication().shapes, alternates=DOCUMENT.alternates(HTML)
        ),
        quads=lambda: shapes_quads(knowledge_graph()),
    )
