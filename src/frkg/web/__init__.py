"""The Flask application: ``create_app`` builds it; each URL space is one blueprint module."""

from __future__ import annotations

from flask import Flask

from frkg import store
from frkg.config import Settings


def create_app(settings: Settings | None = None, kg: store.KnowledgeGraph | None = None) -> Flask:
    """Build the web app over a loaded knowledge graph (loaded from ``settings`` when not given)."""
    settings = settings or Settings.from_env()
    kg = kg or store.load(settings)
    app = Flask(__name__)
    app.config["FRKG_SETTINGS"] = settings
    app.extensions["frkg"] = kg

    from frkg.web import home, sparql

    for module in (home, sparql):
        app.register_blueprint(module.bp)
    return app
