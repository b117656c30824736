"""Reload the data without downtime: build a whole new app in the background, then swap.

:func:`build_app` is one reload: it validates the files against the shapes (the same check and
the same words as ``frkg validate``), loads them (a Turtle syntax error names file, line and
column), and builds the per-load indexes, all into a new app; the one serving is not touched.
For ``--store`` and ``--sparql-endpoint`` it opens the store or endpoint again (a store folder
that is a symlink, switched with ``ln -sfn``, is read anew).

:class:`Reloader` runs it in a thread of the server's master process on request (SIGHUP, or a
change of the watched files) and keeps the result for the master to pick up
(:func:`frkg.web.server.run` forks new workers from it). A failure keeps the last good app
serving, logs the reason and writes it to the runtime folder, where ``/health`` of every worker
reads it: ``"last_reload": {"ok": false, "error": ...}`` until a reload succeeds.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask

from frkg import store
from frkg import validate as validation
from frkg.config import Settings
from frkg.store import ondisk

log = logging.getLogger("frkg.reload")

#: Seconds between two looks at the watched files.
WATCH_INTERVAL = 0.5


class ReloadFailed(Exception):
    """The new data cannot be served; the message says where and why."""


def build_app(settings: Settings, keep: Callable[[Flask], None] | None = None) -> Flask:
    """A new app over the data ``settings`` name, checked as :class:`ReloadFailed` says."""
    from frkg.web import create_app

    try:
        if not settings.store and not settings.sparql_endpoint:
            report = validation.validate(settings)
            if not report.conforms:
                raise ReloadFailed(validation.to_text(report).strip())
        kg = store.open(settings)
        app = create_app(settings, kg)
    except ReloadFailed:
        raise
    except (store.LoadError, validation.ValidationError, ondisk.StoreError) as e:
        raise ReloadFailed(str(e)) from None
    except (store.BackendError, OSError, ValueError) as e:
        raise ReloadFailed(f"{type(e).__name__}: {e}") from None
    if keep is not None:
        keep(app)
    return app


def _write_status(path: Path, status: dict) -> None:
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(status, ensure_ascii=False), encoding="utf-8")
    os.replace(part, path)  # atomic: a reader sees the old status or the new, whole


def _snapshot(files: list[Path]) -> tuple:
    seen = []
    for path in files:
        try:
            st = path.stat()
            seen.append((str(path), st.st_ino, st.st_mtime_ns, st.st_size))
        except OSError:
            seen.append((str(path), None, None, None))
    return tuple(seen)


class Reloader:
    """Builds new apps one at a time in a background thread; the master takes each one built."""

    def __init__(
        self,
        build: Callable[[], Flask],
        current: Flask,
        watched: Callable[[], list[Path]] | None = None,
        status_path: Path | None = None,
    ) -> None:
        self._build = build
        self.current = current
        self._watched = watched
        self._status_path = status_path or current.extensions.get("frkg.reload_status")
        self._wanted = threading.Event()
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._built: Flask | None = None
        self._why = ""
        self._threads: list[threading.Thread] = []
        self._succeeded = False
        #: The error of the first load, when it failed before any succeeded (else None).
        self.failed_first: str | None = None

    def start(self) -> None:
        """Start the loader thread (and the watcher, when there are files to watch)."""
        self._threads.append(_thread(self._loop, "frkg-reload"))
        if self._watched is not None:
            self._threads.append(_thread(self._watch, "frkg-watch"))

    def stop(self) -> None:
        """Stop both threads (a reload under way is left to finish, unused)."""
        self._stopped.set()
        self._wanted.set()

    def request(self, why: str) -> None:
        """Ask for a reload (several requests while one runs make one more reload)."""
        with self._lock:
            self._why = why
        self._wanted.set()

    def take(self) -> Flask | None:
        """The app the last successful reload built, once; None when there is none new."""
        with self._lock:
            built, self._built = self._built, None
        if built is not None:
            self.current = built
        return built

    def _loop(self) -> None:
        from frkg.web import metrics

        while not self._stopped.is_set():
            self._wanted.wait()
            if self._stopped.is_set():
                return
            self._wanted.clear()
            with self._lock:
                why = self._why
            started = time.monotonic()
            try:
                app = self._build()
            except ReloadFailed as e:
                self._failed(why, started, str(e))
                continue
            except Exception as e:  # noqa: BLE001 - whatever happened, the old data serves on
                log.exception("reload failed")
                self._failed(why, started, f"{type(e).__name__}: {e}")
                continue
            kg = app.extensions["frkg"]
            self._finish(True, why, started, version=kg.version, triples=kg.triple_count)
            metrics.reloaded(True)
            with self._lock:  # last: the master forks from it at once, with this thread idle
                self._built = app
                self._succeeded = True

    def _failed(self, why: str, started: float, error: str) -> None:
        from frkg.web import metrics

        self._finish(False, why, started, error=error)
        metrics.reloaded(False)
        if not self._succeeded:
            self.failed_first = error

    def _finish(self, ok: bool, why: str, started: float, **details) -> None:
        status = {
            "ok": ok,
            "trigger": why,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(time.monotonic() - started, 2),
            **details,
        }
        if ok:
            log.warning(
                "reload (%s): data version %s, %s triples, in %.1f s; new workers start now",
                why,
                details["version"],
                details["triples"],
                status["seconds"],
            )
        else:
            log.error(
                "reload (%s) failed; the last good data keeps serving:\n%s", why, details["error"]
            )
        if self._status_path is not None:
            try:
                _write_status(self._status_path, status)
            except OSError:
                log.exception("could not record the reload's outcome")

    def _watch(self) -> None:
        assert self._watched is not None
        last = _snapshot(self._watched())
        while not self._stopped.wait(WATCH_INTERVAL):
            now = _snapshot(self._watched())
            if now == last:
                continue
            # An editor writes in several steps: wait until the files hold still.
            while not self._stopped.wait(WATCH_INTERVAL):
                settled = _snapshot(self._watched())
                if settled == now:
                    break
                now = settled
            last = now
            self.request("files changed")


def _thread(target: Callable[[], None], name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread
