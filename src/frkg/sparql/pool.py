"""A small pool of forked worker processes that run one task each and can be killed mid-task.

Why processes: pyoxigraph's ``Store.query`` has no timeout and keeps evaluating after a waiting
thread gives up, so the only way to really stop a runaway query is to run it in a process and
kill that process. Why forked: the workers must see the already loaded in-memory store without
reloading it; ``fork`` shares its pages copy-on-write, and the store is never written after
loading, so the pages stay shared.

Design (see docs/sparql-safety.md):

- The pool belongs to one process (a gunicorn worker). It forks a single **zygote** first; the
  zygote forks every query **worker**, on request, and hands the parent one end of a socket pair
  to talk to it (``SCM_RIGHTS``). The zygote never runs a task and never starts a thread, so
  every worker is forked from a single-threaded process that holds no lock: forking straight from
  a threaded server could copy a lock (a pyoxigraph reader's mutex, a stdio buffer lock) held by
  another thread at that instant and deadlock the child.
- The zygote itself is forked once, lazily on first use, or early by :meth:`QueryPool.start`
  (``frkg serve`` calls it right after gunicorn forks the worker, while it is still
  single-threaded). It closes every file descriptor it inherited, so no child holds a client
  connection or the listening socket open.
- A task and its answer travel pickled over the socket pair
  (:class:`multiprocessing.connection.Connection`). The parent waits at most ``timeout``
  seconds; then it SIGKILLs the worker, which frees its CPU at once, and the next task gets a
  freshly forked one. The zygote ignores SIGCHLD, so killed workers are reaped by the kernel.
- Workers cannot open any new file descriptor (``RLIMIT_NOFILE`` is lowered to what they hold),
  so even a task that tried to reach the network could not open a socket. A ``prepare`` hook
  runs in each new worker first (an on-disk store opens its database there) and says how many
  more descriptors the worker may need (the store's table files, opened as queries read them).
- At most ``size`` tasks run at once; one more raises :class:`PoolBusy` at once rather than
  queueing, so a burst of tasks never holds more than ``size`` server threads.
- :meth:`QueryPool.close` (also run at interpreter exit) kills the workers and the zygote; if
  the owning process dies without closing, the zygote sees its control socket close and kills
  its workers, and workers die with the zygote (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import gc
import os
import resource
import select
import signal
import socket
import struct
import threading
import weakref
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

_SPAWN = b"s"
_PR_SET_PDEATHSIG = 1


class PoolError(Exception):
    """Base class of the pool's failures."""


class PoolBusy(PoolError):
    """Every worker is busy: the caller should answer "try again later"."""


class TaskTimeout(PoolError):
    """The task ran past its time limit; its worker was killed."""


class WorkerDied(PoolError):
    """The worker exited before answering (killed from outside, or out of memory)."""


class _Worker:
    __slots__ = ("pid", "conn")

    def __init__(self, pid: int, conn: Connection) -> None:
        self.pid = pid
        self.conn = conn

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.conn.close()


class QueryPool:
    """Run ``task(request)`` in forked worker processes, at most ``size`` at once, with a timeout.

    ``task`` runs in the worker; its return value (or the exception it raises) must pickle.
    ``prepare``, if given, runs once in each new worker before its descriptors are limited, and
    returns how many more descriptors the worker may open later (0: none).
    The pool is bound to the process that created it: a forked copy of it must not be used
    (:attr:`pid` tells whose it is).
    """

    def __init__(
        self,
        task: Callable[[Any], Any],
        size: int,
        prepare: Callable[[], int] | None = None,
    ) -> None:
        if size < 1:
            raise ValueError("a pool needs at least one worker")
        self.task = task
        self.prepare = prepare
        self.size = size
        self.pid = os.getpid()
        self._slots = threading.BoundedSemaphore(size)
        self._running = 0  # tasks holding a slot
        self._lock = threading.Lock()  # guards _running, _idle, _all, the zygote socket
        self._idle: list[_Worker] = []
        self._all: dict[int, _Worker] = {}
        self._zygote: socket.socket | None = None
        self._zygote_pid: int | None = None
        self._closed = False
        # Weak, so that a pool nobody uses any more can still be garbage-collected.
        atexit.register(_close_at_exit, weakref.ref(self))

    # -- public -----------------------------------------------------------------------------

    def start(self) -> None:
        """Fork the zygote and all ``size`` workers now instead of on first use."""
        with self._lock:
            self._ensure_zygote()
            while len(self._all) < self.size:
                self._idle.append(self._spawn())

    def run(self, request: Any, timeout: float) -> Any:
        """The task's answer for ``request``; re-raises the exception the task raised.

        Raises :class:`PoolBusy` when ``size`` tasks are already running, :class:`TaskTimeout`
        after ``timeout`` seconds (the worker is killed), :class:`WorkerDied` if it died.
        """
        if not self._slots.acquire(blocking=False):
            raise PoolBusy(f"all {self.size} query workers are busy")
        with self._lock:
            self._running += 1
        try:
            worker = self._checkout()
            try:
                worker.conn.send(request)
                if not _readable(worker.conn.fileno(), timeout):
                    self._discard(worker)
                    raise TaskTimeout(f"stopped after {timeout:g} seconds")
                ok, value = worker.conn.recv()
            except (EOFError, OSError) as e:
                self._discard(worker)
                raise WorkerDied("the query worker exited before answering") from e
            self._checkin(worker)
            if ok:
                return value
            raise value
        finally:
            with self._lock:
                self._running -= 1
            self._slots.release()

    @property
    def running(self) -> int:
        """How many tasks are running now (for tests and monitoring)."""
        return self._running

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (for tests and monitoring)."""
        with self._lock:
            return sorted(self._all)

    @property
    def zygote_pid(self) -> int | None:
        """Process id of the zygote, once forked."""
        return self._zygote_pid

    def close(self) -> None:
        """Kill every worker and the zygote; the pool cannot be used afterwards."""
        if os.getpid() != self.pid:
            return  # a forked copy: the processes belong to the original
        with self._lock:
            self._closed = True
            for worker in self._all.values():
                worker.kill()
            self._all.clear()
            self._idle.clear()
            if self._zygote is not None:
                self._zygote.close()  # the zygote sees EOF and exits
                self._zygote = None
            if self._zygote_pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self._zygote_pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(self._zygote_pid, 0)
                self._zygote_pid = None

    # -- bookkeeping ------------------------------------------------------------------------

    def _checkout(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise PoolError("the query pool is closed")
            while self._idle:
                worker = self._idle.pop()
                if _alive(worker.pid):
                    return worker
                self._all.pop(worker.pid, None)  # killed from outside while idle
                worker.kill()
            self._ensure_zygote()
            return self._spawn()

    def _checkin(self, worker: _Worker) -> None:
        with self._lock:
            if worker.pid in self._all:
                self._idle.append(worker)

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.pop(worker.pid, None)

    def _ensure_zygote(self) -> None:
        if self._zygote is not None:
            return
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:  # the zygote
            try:
                parent_end.close()
                _zygote_main(child_end, self.task, self.prepare)
            finally:
                os._exit(0)
        child_end.close()
        self._zygote, self._zygote_pid = parent_end, pid

    def _spawn(self) -> _Worker:
        """Ask the zygote for one more worker (called with the lock held)."""
        assert self._zygote is not None
        try:
            self._zygote.sendall(_SPAWN)
            data, fds, _flags, _addr = socket.recv_fds(self._zygote, 4, 1)
        except OSError as e:
            raise WorkerDied("the query worker factory is gone") from e
        if len(data) != 4 or len(fds) != 1:
            raise WorkerDied("the query worker factory is gone")
        (pid,) = struct.unpack("i", data)
        worker = _Worker(pid, Connection(fds[0]))
        self._all[pid] = worker
        return worker


def _close_at_exit(ref: weakref.ref[QueryPool]) -> None:
    pool = ref()
    if pool is not None:
        pool.close()


# -- in the zygote -----------------------------------------------------------------------------


def _zygote_main(
    control: socket.socket, task: Callable[[Any], Any], prepare: Callable[[], int] | None
) -> None:
    # Objects inherited from the parent (its sockets among them) must never be finalised here:
    # a collected socket would close a descriptor number that a new socket pair may be reusing.
    gc.freeze()
    _reset_signals()
    # Killed workers are reaped by the kernel: nobody has to wait() for them.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    _close_fds_except(control.fileno())
    children: list[int] = []
    while True:
        try:
            command = control.recv(1)
        except OSError:
            command = b""
        if command != _SPAWN:  # EOF: the owning process closed the pool or died
            for pid in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            return
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:  # a worker
            try:
                control.close()
                theirs.close()
                _worker_main(ours, task, prepare)
            finally:
                os._exit(0)
        ours.close()
        children = [p for p in children if _alive(p)] + [pid]
        try:
            socket.send_fds(control, [struct.pack("i", pid)], [theirs.fileno()])
        except OSError:
            pass  # the owner is gone; the next recv() sees EOF
        theirs.close()


# -- in a worker -------------------------------------------------------------------------------


def _worker_main(
    sock: socket.socket, task: Callable[[Any], Any], prepare: Callable[[], int] | None
) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    _die_with_parent()
    fd = sock.detach()
    _close_fds_except(fd)
    # No new file descriptors (beyond what ``prepare`` asks for): whatever a task does, it
    # cannot open a socket or a file.
    limit, failure = max(fd, 2) + 1, None
    if prepare is not None:
        try:
            headroom = max(0, int(prepare()))
            limit = max(fd, 2, *_open_descriptors()) + 1 + headroom
        except Exception as e:  # noqa: BLE001 - every task is then answered with this failure
            failure = e
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    conn = Connection(fd)
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if failure is not None:
                raise failure
            answer: tuple[bool, Any] = (True, task(request))
        except Exception as e:  # noqa: BLE001 - every failure goes back to the caller
            answer = (False, e)
        try:
            conn.send(answer)
        except Exception as e:  # noqa: BLE001 - an answer that does not pickle
            conn.send((False, PoolError(f"the answer could not be sent back: {e}")))


# -- process helpers ---------------------------------------------------------------------------


def _reset_signals() -> None:
    """Drop the server's signal handlers: Ctrl-C or SIGTERM simply end a zygote or worker."""
    for name in ("SIGINT", "SIGTERM", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGWINCH"):
        sig = getattr(signal, name, None)
        if sig is not None:
            with contextlib.suppress(OSError, ValueError):
                signal.signal(sig, signal.SIG_DFL)


def _open_descriptors() -> list[int]:
    """The file descriptors this process holds (Linux; elsewhere none are known)."""
    try:
        return [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return []


def _close_fds_except(keep: int) -> None:
    """Close every inherited descriptor above stderr except ``keep``."""
    top = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    top = 65536 if top == resource.RLIM_INFINITY else min(top, 1 << 20)
    os.closerange(3, keep)
    os.closerange(keep + 1, top)


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent (the zygote) dies; elsewhere, no-op."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _readable(fd: int, timeout: float) -> bool:
    """True when ``fd`` has data to read within ``timeout`` seconds.

    One poll(2) call: ``Connection.poll`` builds a selector for every wait, which cost more
    than a small query's whole round trip to its worker.
    """
    waiting = select.poll()
    waiting.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    return bool(waiting.poll(max(0, int(timeout * 1000))))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
