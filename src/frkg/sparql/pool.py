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
  freshly forked one. The zygote reaps killed workers (see below).
- Every worker is walled in before its first task (:mod:`frkg.sparql.sandbox`): a seccomp
  filter refuses network sockets, then a ``prepare`` hook runs (an on-disk store opens its
  database there) and says how many more descriptors the worker may need (the store's table
  files, opened as queries read them); then its address space is capped at its size plus
  ``memory`` bytes, and ``RLIMIT_NOFILE`` is lowered to what it holds plus that headroom.
- After each task a worker that grew by more than ``recycle`` bytes of resident memory (or hit
  :class:`MemoryError`) says so with its answer, and the pool replaces it: an idle worker does not
  keep what a large query made it grow to.
- The zygote reaps its workers and hands each one's wait status to the parent (a pipe per
  worker), so that a worker that died mid-task of its memory ceiling (pyoxigraph aborts when an
  allocation fails) is told apart from one that died otherwise: :class:`WorkerOutOfMemory`.
- At most ``size`` tasks run at once. One more waits for a slot at most ``queue_wait`` seconds
  (a bounded queue: a short burst is served, not refused) and then raises :class:`PoolBusy`, so
  a sustained overload is told "try again later" instead of piling up server threads.
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
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from frkg.sparql import sandbox

_SPAWN = b"s"
_WORKER_FD = 3  # the one descriptor a worker holds above stdin, stdout and stderr
_PR_SET_PDEATHSIG = 1


class PoolError(Exception):
    """Base class of the pool's failures."""


class PoolBusy(PoolError):
    """Every worker is busy: the caller should answer "try again later"."""


class TaskTimeout(PoolError):
    """The task ran past its time limit; its worker was killed."""


class WorkerDied(PoolError):
    """The worker exited before answering (killed from outside, or out of memory)."""


class WorkerOutOfMemory(WorkerDied):
    """The worker died of its memory ceiling while running the task."""


class _Worker:
    __slots__ = ("pid", "conn", "status")

    def __init__(self, pid: int, conn: Connection, status: int) -> None:
        self.pid = pid
        self.conn = conn
        self.status = status  # read end of the pipe its wait status comes through

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.conn.close()
        with contextlib.suppress(OSError):
            os.close(self.status)

    def exit_status(self, timeout: float = 2.0) -> int | None:
        """The wait status of this worker, which has died (None if the zygote does not say)."""
        if not _readable(self.status, timeout):
            return None
        try:
            data = os.read(self.status, 4)
        except OSError:
            return None
        return struct.unpack("i", data)[0] if len(data) == 4 else None


class QueryPool:
    """Run ``task(request)`` in forked worker processes, at most ``size`` at once, with a timeout.

    ``task`` runs in the worker; its return value (or the exception it raises) must pickle.
    ``prepare``, if given, runs once in each new worker before its descriptors are limited, and
    returns how many more descriptors the worker may open later (0: none). ``memory`` is how many
    bytes a worker's address space may grow by (None: no ceiling), ``recycle`` how many bytes of
    resident memory it may gain before it is replaced (None: never), ``queue_wait`` how many
    seconds a task waits for a free worker before :class:`PoolBusy` (0: none). With ``wall``
    (the default) workers are walled off from the network
    (:func:`frkg.sparql.sandbox.deny_network`).
    The pool is bound to the process that created it: a forked copy of it must not be used
    (:attr:`pid` tells whose it is).
    """

    def __init__(
        self,
        task: Callable[[Any], Any],
        size: int,
        prepare: Callable[[], int] | None = None,
        *,
        memory: int | None = None,
        recycle: int | None = None,
        wall: bool = True,
        queue_wait: float = 0.0,
    ) -> None:
        if size < 1:
            raise ValueError("a pool needs at least one worker")
        if wall and sandbox.problem() is not None:  # also loads the seccomp library, here
            raise sandbox.WallUnavailable(sandbox.problem())
        self.task = task
        self.prepare = prepare
        self.setup = _WorkerSetup(prepare, memory, recycle, wall)
        self.size = size
        self.queue_wait = queue_wait
        self.pid = os.getpid()
        self._slots = threading.BoundedSemaphore(size)
        self._running = 0  # tasks holding a slot
        self._lock = threading.Lock()  # guards _running, _idle, _all, the zygote socket
        self._idle: list[_Worker] = []
        self._all: dict[int, _Worker] = {}
        self._zygote: socket.socket | None = None
        self._zygote_pid: int | None = None
        self._closed = False
        self.recycled = 0  # workers replaced for having grown (read by the metrics)
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

        Raises :class:`PoolBusy` when ``size`` tasks were running all through ``queue_wait``
        seconds, :class:`TaskTimeout` after ``timeout`` seconds (the worker is killed),
        :class:`WorkerDied` if it died.
        """
        if not take_slot(self._slots, self.queue_wait):
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
                ok, value, recycle = worker.conn.recv()
            except (EOFError, OSError) as e:
                status = worker.exit_status()
                self._discard(worker)
                if status is not None and sandbox.died_of_memory(status):
                    raise WorkerOutOfMemory("the query worker hit its memory ceiling") from e
                raise WorkerDied("the query worker exited before answering") from e
            except MemoryError:
                # This process could not hold the answer: the worker, its answer half read, is
                # of no more use (kept, it would live on outside the pool).
                self._discard(worker)
                raise
            if recycle:
                self._discard(worker)  # the next task gets a fresh worker
                self.recycled += 1
            else:
                self._checkin(worker)
            if ok:
                return value
            if isinstance(value, MemoryError):
                # The worker's MemoryError, not this process's: the query's memory was short.
                raise WorkerOutOfMemory("the query worker ran out of memory")
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
                _zygote_main(child_end, self.task, self.setup)
            finally:
                os._exit(0)
        child_end.close()
        self._zygote, self._zygote_pid = parent_end, pid

    def _spawn(self) -> _Worker:
        """Ask the zygote for one more worker (called with the lock held)."""
        assert self._zygote is not None
        try:
            self._zygote.sendall(_SPAWN)
            data, fds, _flags, _addr = socket.recv_fds(self._zygote, 4, 2)
        except OSError as e:
            raise WorkerDied("the query worker factory is gone") from e
        if len(data) != 4 or len(fds) != 2:
            for fd in fds:
                os.close(fd)
            raise WorkerDied("the query worker factory is gone")
        (pid,) = struct.unpack("i", data)
        worker = _Worker(pid, Connection(fds[0]), fds[1])
        self._all[pid] = worker
        return worker


def take_slot(slots: threading.BoundedSemaphore, wait: float) -> bool:
    """Take one of ``slots``, waiting at most ``wait`` seconds for one (0: not at all)."""
    if wait <= 0:
        return slots.acquire(blocking=False)
    return slots.acquire(timeout=wait)


def _close_at_exit(ref: weakref.ref[QueryPool]) -> None:
    pool = ref()
    if pool is not None:
        pool.close()


# -- in the zygote -----------------------------------------------------------------------------


def _zygote_main(control: socket.socket, task: Callable[[Any], Any], setup: _WorkerSetup) -> None:
    # Objects inherited from the parent (its sockets among them) must never be finalised here:
    # a collected socket would close a descriptor number that a new socket pair may be reusing.
    gc.freeze()
    _reset_signals()
    _close_fds_except(control.fileno())
    # Workers are reaped here, and each one's wait status is written to the pipe its parent
    # holds the other end of: SIGCHLD wakes the loop through the wakeup pipe.
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    statuses: dict[int, int] = {}  # worker pid -> write end of its status pipe
    waiting = select.poll()
    waiting.register(control.fileno(), select.POLLIN | select.POLLHUP | select.POLLERR)
    waiting.register(wake_r, select.POLLIN)
    while True:
        ready = {fd for fd, _ in waiting.poll()}
        if wake_r in ready:
            with contextlib.suppress(BlockingIOError):
                os.read(wake_r, 4096)
            _reap(statuses)
        if control.fileno() not in ready:
            continue
        try:
            command = control.recv(1)
        except OSError:
            command = b""
        if command != _SPAWN:  # EOF: the owning process closed the pool or died
            for pid in statuses:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            return
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        status_r, status_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # a worker
            try:
                signal.set_wakeup_fd(-1)
                for fd in (wake_r, wake_w, status_r, status_w):
                    os.close(fd)
                control.close()
                theirs.close()
                _worker_main(ours, task, setup)
            finally:
                os._exit(0)
        ours.close()
        statuses[pid] = status_w
        try:
            socket.send_fds(control, [struct.pack("i", pid)], [theirs.fileno(), status_r])
        except OSError:
            pass  # the owner is gone; the next recv() sees EOF
        theirs.close()
        os.close(status_r)
        _reap(statuses)


def _reap(statuses: dict[int, int]) -> None:
    """Wait for every worker that ended, and pass its wait status on (4 bytes, then EOF)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        fd = statuses.pop(pid, None)
        if fd is not None:
            with contextlib.suppress(OSError):  # the parent may have closed its end already
                os.write(fd, struct.pack("i", status))
            os.close(fd)


# -- in a worker -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _WorkerSetup:
    """How a new worker readies itself before its first task."""

    prepare: Callable[[], int] | None
    memory: int | None
    recycle: int | None
    wall: bool


def _worker_main(sock: socket.socket, task: Callable[[Any], Any], setup: _WorkerSetup) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    _die_with_parent()
    fd = sock.detach()
    if fd != _WORKER_FD:
        # Its socket becomes the lowest free descriptor, so the descriptor limit below leaves
        # no hole a new socket or file could take.
        os.dup2(fd, _WORKER_FD)
        os.close(fd)
        fd = _WORKER_FD
    _close_fds_except(fd)
    failure: Exception | None = None
    # The wall first: whatever prepare() or a task does afterwards, no network socket.
    if setup.wall:
        try:
            sandbox.deny_network()
        except sandbox.WallUnavailable as e:  # every task is then answered with this failure
            failure = e
    # No new file descriptors (beyond what ``prepare`` asks for): whatever a task does, it
    # cannot open a socket or a file.
    limit = max(fd, 2) + 1
    if setup.prepare is not None and failure is None:
        try:
            headroom = max(0, int(setup.prepare()))
            limit = max(fd, 2, *_open_descriptors()) + 1 + headroom
        except Exception as e:  # noqa: BLE001 - every task is then answered with this failure
            failure = e
    if setup.memory is not None:
        with contextlib.suppress(ValueError, OSError):
            sandbox.limit_memory(setup.memory)
    growth = sandbox.Growth(setup.recycle) if setup.recycle is not None else None
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    conn = Connection(fd)
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        out_of_memory = False
        try:
            if failure is not None:
                raise failure
            answer: tuple[bool, Any] = (True, task(request))
        except MemoryError:
            answer, out_of_memory = (False, MemoryError()), True
        except Exception as e:  # noqa: BLE001 - every failure goes back to the caller
            answer = (False, e)
        recycle = out_of_memory or (growth is not None and growth.past_threshold())
        try:
            conn.send((*answer, recycle))
        except MemoryError:
            conn.send((False, MemoryError(), True))
        except Exception as e:  # noqa: BLE001 - an answer that does not pickle
            conn.send((False, PoolError(f"the answer could not be sent back: {e}"), recycle))
        if recycle:
            return  # the parent starts a fresh worker for the next task


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
