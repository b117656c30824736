"""Run the app under gunicorn, the production WSGI server (never Flask's development server)."""

from __future__ import annotations

import gc

from flask import Flask
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, app: Flask, options: dict) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app


def run(app: Flask, host: str, port: int, workers: int, threads: int) -> None:
    """Serve ``app`` until interrupted; the app (and its store) is built once, before forking."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    # Everything built so far (the store's indexes, labels, search, pages' summaries: millions of
    # objects) lives as long as the server. Frozen, the cyclic garbage collector stops walking
    # it on every collection (measured: 40% of an entity document's time at 100k triples), and
    # the workers forked from here stop dirtying the pages they share with it.
    gc.collect()
    gc.freeze()
    _Gunicorn(
        app,
        {
            "bind": bind,
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "preload_app": True,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
            "timeout": 120,
            "graceful_timeout": 5,
            # Longer than the idle time after which clients reuse a kept-alive connection
            # (Node's fetch: 4 s): closing one as it is reused fails their request.
            "keepalive": 10,
            # gunicorn trusts SCRIPT_NAME and X-Forwarded-* from 127.0.0.1 unless told otherwise
            # (any local process could then move redirects): only the configured proxies.
            "forwarded_allow_ips": app.config["FRKG_SETTINGS"].forwarded_allow_ips,
            "when_ready": _when_ready(app),
            "pre_fork": _pre_fork(app),
            "post_fork": _post_fork(app),
        },
    ).run()


def _when_ready(app: Flask):
    """A gunicorn hook running ``app.extensions["frkg.when_ready"]`` (given the arbiter) in the
    master once it listens, before it forks the first workers."""

    def hook(server) -> None:
        for ready in app.extensions.get("frkg.when_ready", ()):
            ready(server)

    return hook


def _pre_fork(app: Flask):
    """A gunicorn hook running ``app.extensions["frkg.pre_fork"]`` in the master before each fork.

    The place to let go of what a worker must not inherit (an on-disk store's handle: each
    worker opens its own).
    """

    def hook(server, worker) -> None:
        for prepare in app.extensions.get("frkg.pre_fork", ()):
            prepare()

    return hook


def _post_fork(app: Flask):
    """A gunicorn hook running ``app.extensions["frkg.post_fork"]`` in each new worker process.

    It runs right after the fork, before the worker starts its threads: the place to start
    per-process helpers that must themselves fork while the process is single-threaded.
    """

    def hook(server, worker) -> None:
        for start in app.extensions.get("frkg.post_fork", ()):
            start()

    return hook
