"""The dataset's VoID + DCAT description (W3C VoID, section 7.2: ``/.well-known/void``).

``/void`` and ``/.well-known/void`` negotiate among the RDF syntaxes and an HTML rendering (200
with Content-Location, as ``/ontology`` does); ``/void.{ext}`` names each representation. The
description is generated from the loaded data once per load (:mod:`frkg.publish.void`).
"""

from __future__ import annotations

from flask import Blueprint, Response

from frkg.formats import HTML, Format
from frkg.publish import void as void_description
from frkg.publish.graphs import PARTS
from frkg.web import base, respond
from frkg.web.context import describer, publication
from frkg.web.graphs import catalog

bp = Blueprint("void", __name__)

DOCUMENT = base.document("void", "the dataset description")


@base.route(bp, "/.well-known/void", DOCUMENT)
def well_known() -> Response:
    """Where VoID consumers look first (VoID section 7.2): the same as ``/void``."""
    return negotiated()


@base.route(bp, "/void", DOCUMENT)
def negotiated() -> Response:
    """The description in the format ``?format=`` or Accept asks for."""
    return DOCUMENT.negotiated(_represent)


@base.route(bp, "/void.<ext>", DOCUMENT)
def representation(ext: str) -> Response:
    """The description in the format of the suffix (``.html``, ``.ttl``, ``.jsonld`` ...)."""
    return DOCUMENT.by_suffix(ext, _represent)


def _represent(fmt: Format) -> Response:
    published = publication()

    def page() -> Response:
        return respond.html(
            "void.html",
            void=void_description.view(published.void, published.index, describer()),
            dumps=list(published.dumps),
            sparql=void_description.sparql_endpoint(published.index.base),
            alternates=DOCUMENT.alternates(HTML),
            graphs=catalog(),
            parts=PARTS,
        )

    return DOCUMENT.represent(
        fmt,
        f"void-{fmt.name}",
        html=page,
        quads=lambda: published.void,
        describes=published.index.iri,
    )
