"""The home page and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify

from frkg.web.context import knowledge_graph

bp = Blueprint("home", __name__)


@bp.get("/health")
def health():
    """200 with the data version and triple count, for load balancers and test fixtures."""
    kg = knowledge_graph()
    return jsonify(status="ok", version=kg.version, triples=kg.triple_count)
