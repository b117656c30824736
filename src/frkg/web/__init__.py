"""The Flask application: ``create_app`` builds it; each URL space is one blueprint module."""

from __future__ import annotations

from flask import Flask

from frkg import store
from frkg.config import Settings


def create_app(settings: Settings | None = None, kg: store.KnowledgeGraph | None = None) -> Flask:
    """Build the web app over a loaded knowledge graph (opened as ``settings`` say when not
    given: the files, an on-disk store or a SPARQL endpoint)."""
    settings = settings or Settings.from_env()
    kg = kg or store.open_configured(settings)
    app = Flask(__name__)
    app.config["FRKG_SETTINGS"] = settings
    app.extensions["frkg"] = kg

    # Linked-data publishing: indexes built once per load, templates, headers and errors.
    from frkg import vocabulary
    from frkg.describe import Describer
    from frkg.web import errors, headers, templating

    # The per-load indexes below are built from a snapshot when the data is in a remote SPARQL
    # endpoint (KnowledgeGraph.indexing); a worker must not inherit an on-disk store's handle.
    app.extensions.setdefault("frkg.pre_fork", []).append(kg.release)
    with kg.indexing():
        describer = Describer(kg)
        describer.hubs  # noqa: B018 - built now, before the server forks, so workers share it
        app.extensions["frkg.describer"] = describer
        app.extensions["frkg.ontology"] = vocabulary.build(describer)
        templating.init_app(app)
        headers.init_app(app)
        errors.init_app(app)

        # Discovery: dumps, VoID, search and browse indexes, the home page's overview and the shapes
        # reference, built once per load here, before gunicorn forks its workers (they share them).
        from frkg.publication import Publication

        app.extensions["frkg.publication"] = Publication.build(kg, describer)

    from frkg.web import (
        browse,
        crawlers,
        dumps,
        entities,
        health,
        home,
        ontology,
        search,
        shapes,
        sparql,
    )
    from frkg.web import void as void_pages

    for module in (
        home,
        entities,
        ontology,
        health,
        void_pages,
        dumps,
        crawlers,
        browse,
        search,
        shapes,
        sparql,
    ):
        app.register_blueprint(module.bp)

    # Performance: whole entity answers kept per worker process (the data never changes).
    if settings.response_cache_mb > 0:
        from frkg.web.cache import ResponseCache

        cache = ResponseCache(app.wsgi_app, settings.response_cache_mb * 1_000_000)
        app.wsgi_app = cache
        app.extensions["frkg.response_cache"] = cache
    return app
