"""The vocabulary: ``/ontology`` negotiates an HTML reference and the RDF of the ontology files.

Term IRIs are ``{base}ontology#Term``: a client drops the fragment and asks for ``/ontology``,
so every term IRI dereferences here, and the HTML has an anchor for every fragment. The
ontology is a hash namespace, so its document answers the request itself (200 with
Content-Location and ``Vary: Accept``); ``/ontology.{ext}`` names each representation.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, url_for

from frkg.formats import HTML, Format
from frkg.publish.ontology_view import ontology_quads
from frkg.web import base, respond
from frkg.web.base import View
from frkg.web.context import describer, ontology_view, publication

bp = Blueprint("ontology", __name__)

DOCUMENT = base.document("ontology", "the ontology")
VERSION = View(public=True)
OWL_VERSION_IRI = ox.NamedNode("http://www.w3.org/2002/07/owl#versionIRI")


@base.route(bp, "/ontology", DOCUMENT)
def negotiated() -> Response:
    """The ontology in the format ``?format=`` or Accept asks for."""
    return DOCUMENT.negotiated(_represent)


@base.route(bp, "/ontology.<ext>", DOCUMENT)
def representation(ext: str) -> Response:
    """The ontology in the format of the suffix (``.html``, ``.ttl``, ``.jsonld`` ...)."""
    return DOCUMENT.by_suffix(ext, _represent)


@base.route(bp, "/ontology/<version>", VERSION)
def version(version: str) -> Response:
    """The ontology's ``owl:versionIRI``: 303 to the ontology while it is the loaded version."""
    d = describer()
    try:
        iri = ox.NamedNode(f"{d.kg.base}ontology/{version}")
    except ValueError:
        iri = None
    known = iri is not None and any(
        q.graph_name in set(d.kg.graphs("ontology"))
        for q in d.kg.store.quads_for_pattern(None, OWL_VERSION_IRI, iri, None)
    )
    if not known:
        return respond.text(
            f"404 Not Found: version {version} of the ontology is not served here", 404
        )
    response = respond.text("303 See Other: this version is the ontology served here", 303)
    response.headers["Location"] = url_for("ontology.negotiated")
    return response


def _usage() -> dict[str, tuple[str, int]]:
    """How the data uses each term: ("class", entities of it) or ("property", triples)."""
    index = publication().index
    out: dict[str, tuple[str, int]] = {
        p: ("property", stats.triples) for p, stats in index.properties.items()
    }
    for cls in index.listed_classes():
        out[cls] = ("class", index.count(cls))
    return out


def _represent(fmt: Format) -> Response:
    d = describer()
    return DOCUMENT.represent(
        fmt,
        fmt.name,
        html=lambda: respond.html(
            "ontology.html",
            ontology=ontology_view(),
            alternates=DOCUMENT.alternates(HTML),
            usage=_usage(),
        ),
        quads=lambda: ontology_quads(d),
        describes=f"{d.kg.base}ontology",
    )
