"""Run the app under gunicorn, the production WSGI server (never Flask's development server).

What :func:`run` adds around gunicorn (docs/operating.md says how to use each):

- a **runtime folder** for the life of the server: the metrics of every process
  (prometheus_client's multiprocess mode, :mod:`frkg.web.metrics`), the outcome of the last
  reload (:mod:`frkg.web.reload`) and a front's configuration;
- a **front** (``--front nginx``): nginx listens on HOST:PORT and gunicorn on a private port of
  127.0.0.1; nginx reads every request whole, within read timeouts, before a worker thread sees
  it (:mod:`frkg.export.front` writes its configuration; the CLI passes its command here);
- **reload without downtime**: SIGHUP (or a change on disk with ``--watch``) builds a new app in
  a background thread of the master; once it is built, new workers are forked from it and the
  old ones finish their requests in flight and exit (gunicorn's graceful worker rotation).
  Each worker serves one app, so no answer mixes two versions of the data;
- a **graceful stop** on SIGTERM: the workers stop accepting, finish the requests in flight
  (within ``FRKG_GRACEFUL_TIMEOUT``), close their query workers and exit; the master stops the
  front and exits 0.
"""

from __future__ import annotations

import contextlib
import gc
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.errors import HaltServer

#: The environment variable prometheus_client reads, when it is imported, to count across processes.
METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


@dataclass
class Runtime:
    """The folder a running server keeps its shared state in, removed when it stops."""

    root: Path
    #: The process that made it: only it removes it (a worker forked from it unwinds the same
    #: stack when it exits, and must not).
    pid: int = field(default_factory=os.getpid)

    @property
    def metrics(self) -> Path:
        """prometheus_client's multiprocess folder."""
        return self.root / "metrics"

    @property
    def reload_status(self) -> Path:
        """The outcome of the last reload, as JSON (written by the master, read by workers)."""
        return self.root / "reload.json"

    @property
    def front(self) -> Path:
        """The front's prefix (its nginx.conf, pid, log and temporary folders)."""
        return self.root / "front"

    def remove(self) -> None:
        """Delete the folder and everything in it (in the process that made it; else nothing)."""
        if os.getpid() != self.pid:
            return
        shutil.rmtree(self.root, ignore_errors=True)


def prepare_runtime() -> Runtime:
    """Make the runtime folder and point prometheus_client at it.

    Call it before anything imports prometheus_client (before :func:`frkg.web.create_app`): the
    library chooses between one process's counters and files shared by all processes when it
    is first imported.
    """
    runtime = Runtime(Path(tempfile.mkdtemp(prefix="frkg-serve-")))
    runtime.metrics.mkdir()
    os.environ[METRICS_DIR_VARIABLE] = str(runtime.metrics)
    return runtime


@dataclass
class Options:
    """How :func:`run` serves: where, with how many workers, and what runs beside gunicorn."""

    host: str
    port: int
    workers: int
    threads: int
    graceful_timeout: float = 20.0
    #: The front's command line (nginx in the foreground), when there is one.
    front_command: list[str] | None = None
    #: Builds the app anew for a reload (raises with the reason when the data is bad).
    rebuild: Callable[[], Flask] | None = None
    #: Files whose changes trigger a reload (``--watch``); empty: only SIGHUP.
    watched: Callable[[], list[Path]] | None = None
    #: The app given is a placeholder: load the real one now, and stop (status 2) if it fails.
    load_at_start: bool = False
    #: Front proxies gunicorn trusts with SCRIPT_NAME and X-Forwarded-* (FRKG_FORWARDED_ALLOW_IPS).
    forwarded_allow_ips: str = ""


class _Gunicorn(BaseApplication):
    def __init__(self, app: Flask, options: dict, serving: _Serving) -> None:
        self._app = app
        self._options = options
        self.serving = serving
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app

    def swap(self, app: Flask) -> None:
        """Serve ``app`` from the next workers forked."""
        self._app = app
        self.callable = app

    def run(self) -> None:
        try:
            _FrkgArbiter(self).run()
        except RuntimeError as e:
            print(f"\nError: {e}\n", file=sys.stderr)
            sys.exit(1)


class _FrkgArbiter(Arbiter):
    """gunicorn's master, with SIGHUP meaning "reload the data in the background"."""

    def handle_hup(self) -> None:
        self.log.info("SIGHUP: reloading the data in the background")
        self.app.serving.request_reload("SIGHUP")

    def handle_term(self) -> None:
        # The front first: nginx stops accepting and finishes what it holds (a request whose
        # body it is still reading included) while the workers still serve; then gunicorn's own
        # graceful stop of the workers.
        self.app.serving.stop_front()
        super().handle_term()

    def handle_int(self) -> None:
        self.app.serving.stop_front()
        super().handle_int()

    rotate = False

    def rotate_workers(self) -> None:
        """Replace every worker by one forked now, from the same app (frkg.web.warmup: the
        master has built what the first workers lacked). Safe from a signal handler."""
        self.rotate = True
        self.wakeup()

    def manage_workers(self) -> None:
        self.app.serving.check_front()
        if self.rotate:
            self.rotate = False
            for _ in range(self.num_workers):  # the oldest beyond the count are stopped below
                self.spawn_worker()
        fresh = self.app.serving.take_built()
        if fresh is not None:
            self.app.swap(fresh)
            # The master lets go of the old app (its workers keep their own copy): unfrozen
            # for one collection, so that the cycles in it are freed too.
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            # gunicorn's own rotation (Arbiter.reload): new workers from the new app first,
            # then the oldest ones beyond the count get SIGTERM and finish what they serve.
            for _ in range(self.num_workers):
                self.spawn_worker()
        super().manage_workers()


class _Serving:
    """What the master does beside gunicorn: the front process and background reloads."""

    def __init__(self, app: Flask, options: Options) -> None:
        self.options = options
        self.app = app
        self.front: subprocess.Popen | None = None
        self._reloader = None
        if options.rebuild is not None:
            from frkg.web.reload import Reloader

            self._reloader = Reloader(options.rebuild, app, options.watched)

    def request_reload(self, why: str) -> None:
        if self._reloader is None:
            return
        self._reloader.request(why)

    def take_built(self) -> Flask | None:
        if self._reloader is None:
            return None
        if self.options.load_at_start and self._reloader.failed_first is not None:
            raise HaltServer(f"the data could not be loaded:\n{self._reloader.failed_first}", 2)
        fresh = self._reloader.take()
        if fresh is not None:
            self.app = fresh
        return fresh

    def start(self, arbiter) -> None:
        if self.options.front_command:
            # Once gunicorn listens: the front's first requests find the workers' port open.
            self.front = subprocess.Popen(self.options.front_command, stdin=subprocess.DEVNULL)
        if self._reloader is not None:
            self._reloader.start()
            if self.options.load_at_start:
                self._reloader.request("start-up")

    def check_front(self) -> None:
        """Stop the server (status 2) when the front has exited: nothing would reach it."""
        if self.front is not None and self.front.poll() is not None:
            self.front = None
            # nginx said why on stderr (its port taken, most often).
            raise HaltServer("the front (nginx) exited; stopping, since nothing can reach us", 2)

    def stop(self) -> None:
        if self._reloader is not None:
            self._reloader.stop()
        self.stop_front()

    def stop_front(self) -> None:
        if self.front is not None and self.front.poll() is None:
            # SIGQUIT: nginx's graceful stop (it finishes the requests it is proxying).
            with contextlib.suppress(ProcessLookupError):
                self.front.send_signal(signal.SIGQUIT)
            try:
                self.front.wait(timeout=self.options.graceful_timeout + 5)
            except subprocess.TimeoutExpired:
                self.front.kill()
            except ChildProcessError:
                pass  # already reaped by gunicorn's SIGCHLD handler


def run(app: Flask, options: Options) -> None:
    """Serve ``app`` until stopped; the app (and its store) is built once, before forking."""
    host, port = options.host, options.port
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    serving = _Serving(app, options)
    _freeze()

    def when_ready(server) -> None:
        serving.start(server)
        # What the app asks of the master once it listens (the discovery indexes built after
        # the first answers, frkg.web.warmup), before it forks the first workers.
        for ready in server.app.wsgi().extensions.get("frkg.when_ready", ()):
            ready(server)

    def on_exit(server) -> None:
        serving.stop()

    def worker_exit(server, worker) -> None:
        # Last, in the worker: a worker forked after an on-disk store was opened ends here.
        from frkg.store import ondisk

        ondisk.end_forked_process()

    def child_exit(server, worker) -> None:
        from frkg.web import metrics

        metrics.process_ended(worker.pid)

    _Gunicorn(
        app,
        {
            "bind": bind,
            "workers": options.workers,
            "threads": options.threads,
            "worker_class": "gthread",
            "preload_app": True,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
            "timeout": 120,
            "graceful_timeout": math.ceil(options.graceful_timeout),
            # Longer than the idle time after which clients reuse a kept-alive connection
            # (Node's fetch: 4 s): closing one as it is reused fails their request.
            "keepalive": 10,
            # gunicorn trusts SCRIPT_NAME and X-Forwarded-* from 127.0.0.1 unless told otherwise
            # (any local process could then move redirects): only the configured proxies.
            "forwarded_allow_ips": options.forwarded_allow_ips,
            "pre_fork": _pre_fork(serving),
            "post_fork": _post_fork(serving),
            "when_ready": when_ready,
            "on_exit": on_exit,
            "worker_exit": worker_exit,
            "child_exit": child_exit,
        },
        serving,
    ).run()


def _freeze() -> None:
    # Everything built so far (the store's indexes, labels, search, pages' summaries: millions of
    # objects) lives as long as the server. Frozen, the cyclic garbage collector stops walking
    # it on every collection (measured: 40% of an entity document's time at 100k triples), and
    # the workers forked from here stop dirtying the pages they share with it.
    gc.collect()
    gc.freeze()


def _pre_fork(serving: _Serving):
    """A gunicorn hook running ``app.extensions["frkg.pre_fork"]`` in the master before each fork.

    The place to let go of what a worker must not inherit (an on-disk store's handle: each
    worker opens its own).
    """

    def hook(server, worker) -> None:
        for prepare in server.app.wsgi().extensions.get("frkg.pre_fork", ()):
            prepare()

    return hook


def _post_fork(serving: _Serving):
    """A gunicorn hook running ``app.extensions["frkg.post_fork"]`` in each new worker process.

    It runs right after the fork, before the worker starts its threads: the place to start
    per-process helpers that must themselves fork while the process is single-threaded.
    """

    def hook(server, worker) -> None:
        # Not this worker's business: the master's reload thread (which does not survive the
        # fork) and the front process (the master stops it).
        from frkg.store import BackendError

        for start in server.app.wsgi().extensions.get("frkg.post_fork", ()):
            try:
                start()
            except BackendError as e:
                # A worker forked while the store is down (an on-disk store's folder removed)
                # starts anyway and answers 503 until it is back. Dying here, it would be forked
                # again at once, forever (thousands of times a minute, measured).
                server.log.warning("worker %s starts with its backend down: %s", worker.pid, e)

    return hook
