"""``/health``, ``/health/live`` and ``/health/ready``: for load balancers, orchestrators, monitors.

- ``/health/live``: 200 whenever this process answers at all (restart it when this fails);
- ``/health/ready``: 200 when it can serve the data, 503 with ``Retry-After`` when not (the
  backend is down: take it out of the rotation, but do not restart it);
- ``/health``: 200 with the status, ``ok`` or ``degraded`` (the backend is unreachable or the
  on-disk store's folder is gone, an on-disk store's path was switched to another store that is
  not yet reloaded, or the last reload failed and the data served is the last good one), the
  data version (part of every ETag), triple counts, the last reload and the response cache of
  this worker.

While the knowledge graph is still loading, nothing here runs: :mod:`frkg.web.loading`
answers in its place (``loading``: live, not ready).
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from flask import Blueprint, Response, current_app

from frkg.store import BackendError
from frkg.web import base, respond
from frkg.web.base import View
from frkg.web.context import knowledge_graph, publication
from frkg.web.graphs import catalog

bp = Blueprint("health", __name__)

#: Seconds a not-ready answer asks a client to wait.
RETRY_AFTER = 5
#: Seconds between two probes of a remote store by the health checks (per worker process).
PROBE_INTERVAL = 1.0


@bp.record_once
def _watch_backend(state) -> None:
    """For a store that can fail (a remote endpoint, or an on-disk store whose folder can go,
    with its circuit breaker): what the health checks say of it, probing it (``ASK {}``; a look
    at the folder) at most every :data:`PROBE_INTERVAL` seconds."""
    store = state.app.extensions["frkg"].store
    breaker, ping = getattr(store, "breaker", None), getattr(store, "ping", None)
    if breaker is None or ping is None:
        return
    last = {"at": float("-inf")}
    lock = threading.Lock()

    def probe() -> dict:
        # An open breaker already knows; otherwise ask, unless a probe was just sent (a probe
        # while half-open is the one that lets the breaker close again).
        if breaker.state != "open":
            with lock:
                due = time.monotonic() - last["at"] >= PROBE_INTERVAL
                if due:
                    last["at"] = time.monotonic()
            if due:
                ping()
        return breaker.snapshot()

    state.app.extensions["frkg.backend_state"] = probe


def read_status(path: Path | None) -> dict | None:
    """The last reload's outcome as :mod:`frkg.web.reload` wrote it (None: no reload yet)."""
    if path is None:
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def backend() -> dict | None:
    """The store's state (``{"up": bool, ...}``) when it can fail (a remote endpoint), else None."""
    probe = current_app.extensions.get("frkg.backend_state")
    return probe() if probe is not None else None


def last_reload() -> dict | None:
    """The outcome of the server's last reload (None when it has not reloaded)."""
    return read_status(current_app.extensions.get("frkg.reload_status"))


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@base.route(bp, "/health", View())
def health() -> Response:
    """200: status, the data version (part of every ETag), triples loaded, the dataset's, the
    backend, the last reload, and this worker process's response cache (null when off)."""
    kg = knowledge_graph()
    published = publication()
    citation = published.overview.citation
    cache = current_app.extensions.get("frkg.response_cache")
    store = backend()
    try:
        graphs = catalog()
    except BackendError:  # counted once the store answers (this worker started while it was down)
        graphs = None
    reloaded = last_reload()
    problems = []
    if store is not None and not store["up"]:
        problems.append("backend unreachable")
    stale = getattr(kg.store, "stale", None)
    if stale:
        problems.append(f"store switched, not yet reloaded: {stale}")
    if reloaded is not None and not reloaded.get("ok"):
        problems.append("last reload failed: serving the last good data")
    body = {
        "status": "degraded" if problems else "ok",
        "problems": problems,
        "version": kg.version,
        # What the SPARQL endpoint holds (its default graph: COUNT(*) says the same), and
        # how it splits into the parts VoID describes (docs/sparql.md, "The default graph").
        "triples": graphs.total_triples if graphs else None,
        "parts": graphs.part_triples if graphs else None,
        "loaded_file_triples": kg.triple_count,
        "modified": kg.modified.isoformat(),
        "dataset": {
            "version": citation.version if citation else None,
            "triples": published.index.triple_count,
            "entities": published.index.entity_count,
        },
        "backend": {"kind": kg.backend, **(store or {"up": True})},
        "last_reload": reloaded,
        "response_cache": None
        if cache is None
        else {
            "entries": len(cache),
            "bytes": cache.size,
            "hits": cache.hits,
            "misses": cache.misses,
        },
    }
    return _no_store(respond.json_body(body))


@base.route(bp, "/health/live", View())
def live() -> Response:
    """200 while this process answers."""
    return _no_store(respond.json_body({"status": "live"}))


@base.route(bp, "/health/ready", View())
def ready() -> Response:
    """200 when the data can be served; 503 with Retry-After when the backend is down."""
    store = backend()
    if store is not None and not store["up"]:
        response = respond.json_body({"status": "not ready", "backend": store}, 503)
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return _no_store(response)
    return _no_store(respond.json_body({"status": "ready", "version": knowledge_graph().version}))
