"""``/metrics`` in the Prometheus text format, the access log, and the request id.

Counters and histograms are prometheus_client's. Under ``frkg serve`` every process (the master,
each gunicorn worker) writes its own into the runtime folder (the library's multiprocess mode,
chosen by :func:`frkg.web.server.prepare_runtime` before the library is imported), and
``/metrics``, in whichever worker answers, adds them all up: one scrape counts every worker.
Elsewhere (an app made by ``create_app`` in a test or under another WSGI server) the counts are
this process's.

:class:`Observer` is WSGI middleware outside everything else (the response cache
included): it gives each request an id (a well-formed ``X-Request-ID`` from the front, else a
new one), echoes it in the ``X-Request-ID`` answer header when something keeps it (the access
log is on, or the request came with one: nginx in front sends its ``$request_id``), counts the
request by route and status, times it, and writes one access-log line when asked
(``FRKG_LOG_FORMAT``: ``text`` or ``json``). Routes are the first segment of the path among
those the app routes (``page``, ``data``, ``sparql``...), so that a crawler's made-up paths
cannot multiply the series.
"""

from __future__ import annotations

import json
import os
import re
import struct
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, current_app

from frkg.publish.graphs import GraphCatalog
from frkg.web import base, respond
from frkg.web.base import View

#: prometheus_client's own variable: set, every process shares its counts through files there.
MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR"
#: Where the app's views record a SPARQL query's outcome (a WSGI environ key; see OUTCOMES).
SPARQL_OUTCOME = "frkg.sparql.outcome"
#: Where the response cache records whether it answered (a WSGI environ key: "hit" or "miss").
CACHE_RESULT = "frkg.cache"
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
#: The SPARQL service's errors (by class name) as the outcomes counted.
OUTCOMES = {
    "answered": "answered",
    "QuerySyntaxError": "refused",
    "ServiceRefused": "refused",
    "UpdateRefused": "refused",
    "QueryTooLong": "refused",
    "NotAcceptable": "refused",
    "QueryFailed": "refused",
    "QueryTimeout": "timed_out",
    "QueryAborted": "killed",
    "QueryOutOfMemory": "killed",
    "TooManyQueries": "too_many_429",
    "BackendDown": "backend_down",
}
#: Seconds: the latency histogram's buckets (entity pages are a few ms; SPARQL up to its limit).
BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

bp = Blueprint("metrics", __name__)


class Metrics:
    """The counters of one process (shared through files across processes in multiprocess mode)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.multiprocess = bool(os.environ.get(MULTIPROCESS))
        # In multiprocess mode the values live in files and a scrape reads them all: nothing is
        # registered here. Otherwise this process's registry holds them.
        self.registry = None if self.multiprocess else CollectorRegistry()
        reg = {"registry": self.registry}
        self.requests = Counter(
            "frkg_http_requests", "HTTP requests answered, by route and status.",
            ["route", "method", "status"], **reg,
        )  # fmt: skip
        self.latency = Histogram(
            "frkg_http_request_duration_seconds",
            "Seconds from a request's arrival to the last byte of its answer, by route.",
            ["route"], buckets=BUCKETS, **reg,
        )  # fmt: skip
        self.sparql = Counter(
            "frkg_sparql_queries", "SPARQL queries by outcome: answered, refused (bad or not "
            "allowed), timed_out, killed (worker died or out of memory), too_many_429, "
            "backend_down.", ["outcome"], **reg,
        )  # fmt: skip
        self.recycled = Counter(
            "frkg_sparql_workers_recycled",
            "SPARQL query workers replaced after a query because they had grown too large.", **reg,
        )  # fmt: skip
        self.cache = Counter(
            "frkg_response_cache_lookups", "Response-cache lookups of entity answers: hit, miss.",
            ["result"], **reg,
        )  # fmt: skip
        self.reloads = Counter(
            "frkg_reloads", "Data reloads by outcome: ok, failed.", ["outcome"], **reg
        )
        self.data = Gauge(
            "frkg_data_triples",
            "Triples the endpoint holds (as /health), by data version, in live workers.",
            ["version"], multiprocess_mode="livemax", **reg,
        )  # fmt: skip
        self.backend_up = Gauge(
            "frkg_backend_up", "1 when the store answers (the circuit breaker is closed), else 0; "
            "the lowest of the live workers.", ["backend"], multiprocess_mode="livemin", **reg,
        )  # fmt: skip
        self._recycled_seen: dict[int, int] = {}
        self._lock = threading.Lock()

    def scrape(self) -> bytes:
        """Everything counted, in the Prometheus text format (version 0.0.4)."""
        from prometheus_client import CollectorRegistry, generate_latest, multiprocess

        if not self.multiprocess:
            return generate_latest(self.registry)
        for attempt in range(5):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            try:
                return generate_latest(registry)
            except (struct.error, ValueError, OSError):
                # A worker that has just started is creating its file: read it again shortly.
                if attempt == 4:
                    raise
                time.sleep(0.05)
        raise AssertionError("unreachable")

    def saw_recycled(self, pool: object) -> None:
        """Count the query workers ``pool`` has recycled since it was last looked at."""
        total = getattr(pool, "recycled", None)
        if not isinstance(total, int):
            return
        with self._lock:
            new = total - self._recycled_seen.get(id(pool), 0)
            self._recycled_seen[id(pool)] = total
        if new > 0:
            self.recycled.inc(new)


_metrics: Metrics | None = None
_metrics_lock = threading.Lock()


def get() -> Metrics:
    """This process's metrics, made on first use."""
    global _metrics
    with _metrics_lock:
        if _metrics is None:
            _metrics = Metrics()
        return _metrics


def reloaded(ok: bool) -> None:
    """Count one reload (in the process that ran it: ``frkg serve``'s master)."""
    get().reloads.labels("ok" if ok else "failed").inc()


def process_ended(pid: int) -> None:
    """Forget the live gauges of a worker process that exited (called in the master)."""
    if os.environ.get(MULTIPROCESS):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def data_loaded(version: str, triples: int) -> None:
    """Say which data this process serves (set in each worker, after it forks)."""
    get().data.labels(version).set(triples)


def backend_state(kind: str, up: bool) -> None:
    """Say whether the store (of kind memory, disk or sparql) answers."""
    get().backend_up.labels(kind).set(1 if up else 0)


@base.route(bp, "/metrics", View())
def scrape() -> Response:
    """The Prometheus text exposition of every process's counts (503 if a worker's file cannot
    be read, rather than a 500: the next scrape will do)."""
    try:
        body = current_app.extensions["frkg.metrics"].scrape()
    except (struct.error, ValueError, OSError) as e:
        current_app.logger.warning("metrics could not be read: %s", e)
        response = respond.text("503 Service Unavailable: the metrics could not be read now", 503)
        response.headers["Retry-After"] = "1"
        return response
    response = Response(body, content_type="text/plain; version=0.0.4; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


def routes_of(app: Flask) -> frozenset[str]:
    """The first path segments the app routes (``page``, ``sparql``...; ``""`` for ``/``)."""
    found = set()
    for rule in app.url_map.iter_rules():
        first = rule.rule.lstrip("/").split("/", 1)[0]
        if "<" in first:
            continue
        found.add(first.split(".", 1)[0] if first else "")
    return frozenset(found)


def route_of(path: str, routes: frozenset[str]) -> str:
    """The route a path is counted under: its first segment if the app routes it, else other."""
    first = path.lstrip("/").split("/", 1)[0].split(".", 1)[0]
    if first in routes:
        return first or "home"
    return "other"


class Observer:
    """WSGI middleware: request id, metrics and access log around ``app``."""

    def __init__(
        self,
        app: Callable,
        metrics: Metrics,
        routes: frozenset[str],
        log_format: str = "none",
        sparql_pool: Callable[[], object] | None = None,
        write: Callable[[str], None] | None = None,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes
        self.log_format = log_format
        self.sparql_pool = sparql_pool
        self.write = write or _stderr_line

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        asked = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = asked if _REQUEST_ID.fullmatch(asked) else uuid.uuid4().hex
        environ["frkg.request_id"] = request_id
        seen: dict = {}

        # Echoed when something keeps it: the access log, or the front that sent it.
        echo = self.log_format != "none" or bool(asked)

        def start(status: str, headers: list, exc_info=None):
            seen["status"] = status
            if echo:
                headers.append((REQUEST_ID_HEADER, request_id))
            return start_response(status, headers, exc_info)

        try:
            body = self.app(environ, start)
        except BaseException:
            seen.setdefault("status", "500 Internal Server Error")
            self._done(environ, seen, started, 0)
            raise
        return _Counted(body, lambda sent: self._done(environ, seen, started, sent))

    def _done(self, environ: dict, seen: dict, started: float, sent: int) -> None:
        seconds = time.perf_counter() - started
        status = seen.get("status", "500")[:3]
        method = environ.get("REQUEST_METHOD", "")
        path = environ.get("PATH_INFO", "")
        route = route_of(path, self.routes)
        m = self.metrics
        m.requests.labels(route, method if method in _METHODS else "other", status).inc()
        m.latency.labels(route).observe(seconds)
        outcome = environ.get(SPARQL_OUTCOME)
        if outcome is not None:
            m.sparql.labels(OUTCOMES.get(outcome, "refused")).inc()
            if self.sparql_pool is not None:
                m.saw_recycled(self.sparql_pool())
        cached = environ.get(CACHE_RESULT)
        if cached is not None:
            m.cache.labels(cached).inc()
        if self.log_format != "none":
            self.write(_log_line(self.log_format, environ, status, sent, seconds))


_METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"})


class _Counted:
    """An answer's body, passed through, that reports its size once it is closed."""

    def __init__(self, body: Iterable[bytes], done: Callable[[int], None]) -> None:
        self._body = body
        self._done = done
        self._sent = 0
        self._closed = False

    def __iter__(self):
        for chunk in self._body:
            self._sent += len(chunk)
            yield chunk

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._done(self._sent)


def _log_line(fmt: str, environ: dict, status: str, sent: int, seconds: float) -> str:
    query = environ.get("QUERY_STRING", "")
    target = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
    if len(target) > 2000:
        target = target[:2000] + "..."
    now = datetime.now(UTC)
    if fmt == "json":
        return json.dumps(
            {
                "time": now.isoformat(timespec="milliseconds"),
                "request_id": environ.get("frkg.request_id"),
                "remote": environ.get("REMOTE_ADDR"),
                "method": environ.get("REQUEST_METHOD"),
                "target": target,
                "status": int(status) if status.isdigit() else status,
                "bytes": sent,
                "seconds": round(seconds, 6),
                "user_agent": environ.get("HTTP_USER_AGENT"),
            },
            ensure_ascii=False,
        )
    return (
        f"{environ.get('REMOTE_ADDR', '-')} [{now.isoformat(timespec='seconds')}] "
        f'"{environ.get("REQUEST_METHOD", "")} {target!s}" {status} {sent} '
        f"{seconds * 1000:.1f}ms {environ.get('frkg.request_id')}"
    )


def _stderr_line(line: str) -> None:
    # One write per line: lines from several threads and workers never interleave.
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def init_app(app: Flask) -> None:
    """Wrap ``app``'s WSGI app in :class:`Observer` (call it last, outside every middleware)."""
    metrics = get()
    app.extensions["frkg.metrics"] = metrics
    settings = app.config["FRKG_SETTINGS"]
    service = app.extensions.get("frkg.sparql")
    app.wsgi_app = Observer(
        app.wsgi_app,
        metrics,
        routes_of(app),
        settings.log_format,
        sparql_pool=(lambda: service._pool) if service is not None else None,
    )
    kg = app.extensions["frkg"]
    breaker = getattr(kg.store, "breaker", None)
    if breaker is not None:
        breaker.listeners.append(lambda up: backend_state(kg.backend, up))

    def announce() -> None:
        # What the endpoint holds, the number /health gives (docs/sparql.md, "The default graph").
        if "frkg.graphs" not in app.extensions:
            app.extensions["frkg.graphs"] = GraphCatalog(kg)
        data_loaded(kg.version, app.extensions["frkg.graphs"].total_triples)
        backend_state(kg.backend, True)  # opened (or connected to) before the fork

    if not metrics.multiprocess:
        announce()
    # In each worker: the master's own gauge says nothing of what the workers serve.
    app.extensions.setdefault("frkg.post_fork", []).append(announce)
