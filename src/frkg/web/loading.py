"""Serve while loading: a WSGI app that answers 503 until the knowledge graph is loaded.

``frkg serve`` loads the data before it binds its port, so while it loads a load balancer sees
the connection refused. Where the port must answer at once (a container platform's readiness
probe, a WSGI server run by hand), :func:`background_app` is the entry point: it returns at
once, loads the data and builds the app in a background thread, and until then answers every
request with **503 Service Unavailable** and ``Retry-After`` (``/health`` and
``/health/ready`` say ``{"status": "loading"}``, ``/health/live`` answers 200; if loading
fails, ``{"status": "failed", "error": ...}``, still 503, and the error is logged). Then it
hands every request to the real app::

    gunicorn --worker-class gthread --threads 8 'frkg.web.loading:background_app()'

Each worker process loads its own copy (there is no preloading to share), so use it where
answering at once matters more than memory.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable

from flask import Flask
from werkzeug.wrappers import Request, Response

from frkg.config import Settings
from frkg.formats import JSON

#: Seconds a client is asked to wait before trying again.
RETRY_AFTER = 5

log = logging.getLogger(__name__)


class LoadingApp:
    """A WSGI app that builds the real one in a background thread and answers 503 until then.

    Without ``build`` it only answers "loading": ``frkg serve --listen-early`` serves it from its
    workers while the master loads the data, then replaces the workers (:mod:`frkg.web.server`).
    """

    def __init__(self, build: Callable[[], Flask] | None) -> None:
        self._build = build
        self._app: Flask | None = None
        self._error: str | None = None
        self._started = time.monotonic()
        self._done = threading.Event()
        #: What gunicorn's hooks look for on an app (frkg.web.server): nothing to run here.
        self.extensions: dict = {}
        if build is not None:
            self._thread = threading.Thread(target=self._run, name="frkg-load", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            self._app = self._build()
        except Exception as e:  # any failure: keep answering 503 and say why
            self._error = str(e) or type(e).__name__
            log.exception("the knowledge graph could not be loaded")
        finally:
            self._done.set()

    @property
    def state(self) -> str:
        """ "loading", "ready" or "failed"."""
        if self._app is not None:
            return "ready"
        return "failed" if self._error is not None else "loading"

    def wait(self, timeout: float | None = None) -> bool:
        """Block until loading ends (ready or failed); False on timeout."""
        return self._done.wait(timeout)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        app = self._app
        if app is not None:
            return app(environ, start_response)
        return self._unavailable(Request(environ))(environ, start_response)

    def _unavailable(self, request: Request) -> Response:
        seconds = round(time.monotonic() - self._started, 1)
        if request.path == "/health/live":
            # Alive while it loads (an orchestrator waits); a failed load will not recover.
            failed = self._error is not None
            body = {"status": self.state}
            response = Response(
                json.dumps(body), 503 if failed else 200, content_type=JSON.content_type
            )
            response.headers["Cache-Control"] = "no-store"
            return response
        if request.path in ("/health", "/health/ready"):
            body: dict = {"status": self.state, "seconds": seconds}
            if self._error is not None:
                body["error"] = self._error
            response = Response(
                json.dumps(body, ensure_ascii=False), 503, content_type=JSON.content_type
            )
        else:
            what = (
                f"the knowledge graph could not be loaded: {self._error}"
                if self._error is not None
                else f"the knowledge graph is loading ({seconds} s so far); try again shortly"
            )
            response = Response(
                f"503 Service Unavailable: {what}\n", 503, content_type="text/plain; charset=utf-8"
            )
        response.headers["Retry-After"] = str(RETRY_AFTER)
        response.headers["Cache-Control"] = "no-store"
        return response


def background_app(settings: Settings | None = None) -> LoadingApp:
    """A WSGI app for ``settings`` (default: from the environment) that loads in the background."""
    from frkg.web import create_app

    chosen = settings or Settings.from_env()
    return LoadingApp(lambda: create_app(chosen))
