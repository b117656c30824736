"""The home page: what this is, what is in it, a picture of the debate, how to use and cite it."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template

from frkg.formats import HTML, RDF_FORMATS
from frkg.publish.void import SPARQL_PATH, sparql_endpoint
from frkg.web import base, headers
from frkg.web.base import View
from frkg.web.context import knowledge_graph, publication

bp = Blueprint("home", __name__)

#: The dataset's VoID description is the machine twin of the home page.
HOME = View(offers=(HTML,), twins=base.at_suffix("void.representation"), twin_formats=RDF_FORMATS)


@bp.app_context_processor
def _sparql_link() -> dict:
    """Where pages link for SPARQL: the endpoint's path when this app serves one, else None."""
    path = "/" + SPARQL_PATH
    served = any(rule.rule == path for rule in current_app.url_map.iter_rules())
    return {"sparql_href": path if served else None}


@base.route(bp, "/", HOME)
def index() -> Response:
    """Counts, the stance matrix and timeline (SVG), the ways in, and how to cite."""
    published = publication()
    alternates = HOME.alternates()
    # The page depends on the loaded data only: render it once per process, then reuse it.
    body = current_app.extensions.get("frkg.home")
    if body is None:
        body = render_template(
            "home.html",
            overview=published.overview,
            class_tree=published.browser.class_tree(),
            dumps=list(published.dumps),
            sparql=sparql_endpoint(knowledge_graph().base),
            alternates=alternates,
        )
        current_app.extensions["frkg.home"] = body
    response = Response(body, 200, content_type=HTML.content_type)
    headers.link_alternates(response, alternates, published.index.iri)
    return headers.cacheable(response, HTML.name)
