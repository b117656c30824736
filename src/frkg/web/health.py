"""``/health``: is this server ready, and with which data (for load balancers and monitors).

200 with the data version and triple counts once the app exists. While the knowledge graph is
still loading, nothing here runs: :mod:`frkg.web.loading` answers 503 in its place.
"""

from __future__ import annotations

from flask import Blueprint, Response

from frkg.web import base, respond
from frkg.web.base import View
from frkg.web.context import knowledge_graph, publication

bp = Blueprint("health", __name__)


@base.route(bp, "/health", View())
def health() -> Response:
    """200: status, the data version (part of every ETag), triples loaded, and the dataset's."""
    kg = knowledge_graph()
    published = publication()
    citation = published.overview.citation
    response = respond.json_body(
        {
            "status": "ok",
            "version": kg.version,
            "triples": kg.triple_count,
            "modified": kg.modified.isoformat(),
            "dataset": {
                "version": citation.version if citation else None,
                "triples": published.index.triple_count,
                "entities": published.index.entity_count,
            },
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response
