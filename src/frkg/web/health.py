"""``/health``: is this server ready, and with which data (for load balancers and monitors).

200 with the data version and triple counts once the app exists. While the knowledge graph is
still loading, nothing here runs: :mod:`frkg.web.loading` answers 503 in its place.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from frkg.web import base, respond
from frkg.web.base import View
from frkg.web.context import knowledge_graph, publication
from frkg.web.graphs import catalog

bp = Blueprint("health", __name__)


@base.route(bp, "/health", View())
def health() -> Response:
    """200: status, the data version (part of every ETag), triples loaded, the dataset's, and
    this worker process's response cache (entries, bytes, hits, misses; null when off)."""
    kg = knowledge_graph()
    published = publication()
    citation = published.overview.citation
    cache = current_app.extensions.get("frkg.response_cache")
    graphs = catalog()
    response = respond.json_body(
        {
            "status": "ok",
            "version": kg.version,
            # What the SPARQL endpoint holds (its default graph: COUNT(*) says the same), and
            # how it splits into the parts VoID describes (docs/sparql.md, "The default graph").
            "triples": graphs.total_triples,
            "parts": graphs.part_triples,
            "loaded_file_triples": kg.triple_count,
            "modified": kg.modified.isoformat(),
            "dataset": {
                "version": citation.version if citation else None,
                "triples": published.index.triple_count,
                "entities": published.index.entity_count,
            },
            "response_cache": None
            if cache is None
            else {
                "entries": len(cache),
                "bytes": cache.size,
                "hits": cache.hits,
                "misses": cache.misses,
            },
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response
