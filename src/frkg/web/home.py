"""The home page and the health check."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, url_for

from frkg.formats import HTML, RDF_FORMATS
from frkg.namespaces import DATASET_SLUG
from frkg.web import headers, respond
from frkg.web.context import describer, knowledge_graph

bp = Blueprint("home", __name__)


@bp.get("/health")
def health():
    """200 with the data version and triple count, for load balancers and test fixtures."""
    kg = knowledge_graph()
    return jsonify(status="ok", version=kg.version, triples=kg.triple_count)


@bp.get("/")
def index() -> Response:
    """What this is, and every entity by kind, each linked to its page."""
    view = describer().home()
    alternates = []
    if view.dataset is not None:
        # The dataset's own description is the RDF twin of the home page.
        alternates = [
            (url_for("entities.document", slug=DATASET_SLUG, ext=f.suffix), f) for f in RDF_FORMATS
        ]
    response = respond.html(
        "home.html", home=view, alternates=alternates, triples=knowledge_graph().triple_count
    )
    headers.link_alternates(response, alternates)
    return headers.cacheable(response, HTML.name)
