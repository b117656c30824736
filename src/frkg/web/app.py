"""``create_app``: the Flask app over one loaded knowledge graph, and the hooks `frkg serve`
runs around gunicorn's forks."""

from __future__ import annotations

from flask import Flask

from frkg import store
from frkg.config import Settings
from frkg.publish.publication import Publication


def create_app(settings: Settings | None = None, kg: store.KnowledgeGraph | None = None) -> Flask:
    """Build the web app over a loaded knowledge graph (opened as ``settings`` say when not
    given: the files, an on-disk store or a SPARQL endpoint)."""
    settings = settings or Settings.from_env()
    kg = kg or store.open(settings)
    app = Flask(__name__)
    app.config["FRKG_SETTINGS"] = settings
    app.extensions["frkg"] = kg
    # A worker must not inherit the master's handle on an on-disk store: it opens its own.
    app.extensions.setdefault("frkg.pre_fork", []).append(kg.store.release)

    # Everything per load (describer, hub index, references, dumps, VoID, search, browse, the
    # home page's overview) is built before gunicorn forks its workers, so that they share it;
    # over large data only the describer is, and the rest once the workers answer
    # (frkg.web.warmup).
    if kg.triple_count > settings.index_background_above:
        publication = Publication.lazy(kg)
    else:
        publication = Publication.build(kg)
    app.extensions["frkg.publication"] = publication
    app.extensions["frkg.describer"] = publication.describer

    from frkg.web import base, errors, headers, templating

    templating.init_app(app)
    headers.init_app(app)
    base.init_app(app)  # after headers: its hook runs before compression's
    errors.init_app(app)

    for module in _blueprint_modules():
        app.register_blueprint(module.bp)
    base.check_declared(app)
    if not publication.complete:
        from frkg.web import warmup

        app.extensions.setdefault("frkg.when_ready", []).append(warmup.in_master(publication))
        app.extensions.setdefault("frkg.post_fork", []).append(warmup.in_worker)

    # Performance: whole entity answers kept per worker process (the data never changes).
    if settings.response_cache_mb > 0:
        from frkg.web.cache import ResponseCache

        cache = ResponseCache(app.wsgi_app, settings.response_cache_mb * 1_000_000)
        app.wsgi_app = cache
        app.extensions["frkg.response_cache"] = cache
    # Outside everything, the cache included: request ids, counts and the access log.
    from frkg.web import metrics

    metrics.init_app(app)
    return app


def _blueprint_modules() -> tuple:
    """One module per URL space, each with its blueprint ``bp``."""
    from frkg.web import (
        browse,
        crawlers,
        dumps,
        entities,
        fragments,
        graphs,
        health,
        home,
        jsonld_context,
        metrics,
        ontology,
        search,
        shapes,
        sparql,
        tracker,
        void,
    )

    return (
        *(home, entities, ontology, health, metrics, void, dumps, crawlers, browse, search),
        *(shapes, sparql, tracker, graphs, jsonld_context, fragments),
    )
