"""The OS wall around a query worker process: no network sockets, and a memory ceiling.

A query worker runs SPARQL that strangers wrote. The query checker refuses SERVICE, but a wall
that does not depend on any parser makes sure that, whatever the engine is made to evaluate, the
process cannot reach the network and cannot take the machine's memory:

- **No network** (:func:`deny_network`): a seccomp filter (Linux, through libseccomp and the
  ``pyseccomp`` binding) makes ``socket()`` and ``socketpair()`` fail with ``EACCES`` for every
  address family but ``AF_UNIX``, and ``connect``, ``bind``, ``listen``, ``accept``,
  ``accept4``, ``sendmsg``, ``sendmmsg`` and ``sendto`` to an address fail for every socket. A
  worker needs none of them: it talks to its parent over the socket pair it inherited, with
  ``read`` and ``write``. So an ``AF_UNIX`` socket it might still make can reach nothing either
  (no ``connect`` to a daemon's socket file, no datagram to ``/dev/log``). ``io_uring_setup``
  fails too (``ENOSYS``): io_uring can open and connect sockets without those system calls.
  System calls of another ABI (32-bit ``int 0x80``, x32) kill the process, libseccomp's default
  for a foreign architecture, so ``socketcall`` cannot go round the filter. The filter is
  inherited by every thread and child the worker starts and cannot be removed (it also sets
  ``no_new_privs``).
- **A memory ceiling** (:func:`limit_memory`): ``RLIMIT_AS`` caps the worker's address space at
  what it has when it is ready plus a configurable allowance. An allocation past it fails: in
  Python as :class:`MemoryError`, in pyoxigraph (Rust) as an abort of the worker
  (``SIGABRT``), which :func:`died_of_memory` recognises. Either way only that worker is lost.
- **Recycling** (:class:`Growth`): a worker that keeps what it grew to (the allocator does not
  give memory back) says so after a task, so that its parent replaces it.

When seccomp cannot be used (not Linux, libseccomp missing, a kernel without seccomp filters)
:func:`problem` says why, and :func:`deny_network` raises :class:`WallUnavailable`: the SPARQL
service then refuses to start rather than run queries behind a weaker wall, because a silent
downgrade is exactly what an attacker looks for. Nothing here imports Flask.
"""

from __future__ import annotations

import errno
import functools
import os
import resource
import signal
import socket
import sys
from types import ModuleType

#: Allowed system calls of the network family, for the record (everything else is allowed).
DENIED = (
    "socket (every family but AF_UNIX)",
    "socketpair (every family but AF_UNIX)",
    "connect",
    "bind",
    "listen",
    "accept",
    "accept4",
    "sendto (to an address)",
    "sendmsg",
    "sendmmsg",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
)


class WallUnavailable(RuntimeError):
    """The network wall cannot be built on this machine; the message says why and what to do."""


@functools.cache
def _seccomp() -> ModuleType | str:
    """The ``pyseccomp`` module, or why it cannot be loaded (imported once, in the parent)."""
    if not sys.platform.startswith("linux"):
        return f"seccomp is a Linux kernel feature; this is {sys.platform}"
    try:
        import pyseccomp
    except (ImportError, RuntimeError, OSError) as e:
        return (
            f"the seccomp library cannot be loaded ({e}); install libseccomp2 "
            "(Debian: apt-get install libseccomp2) and the Python package pyseccomp"
        )
    return pyseccomp


@functools.cache
def problem() -> str | None:
    """Why the network wall cannot be applied here, or None when it can.

    Imports the binding (which runs ``ldconfig`` to find libseccomp) and loads the filter once
    in a throwaway child, so that the answer is the kernel's, not a guess; call it in the
    parent before forking workers.
    """
    found = _seccomp()
    if isinstance(found, str):
        return found
    pid = os.fork()
    if pid == 0:  # pragma: no cover - reported through the exit status
        code = 1
        try:
            _load_filter(found)
            socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
        except PermissionError:
            code = 0  # the filter holds
        except BaseException:  # noqa: BLE001 - any other failure means: no wall
            code = 2
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        return None
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 1:
        return "a seccomp filter was loaded but did not stop a network socket"
    return "this kernel does not accept seccomp filters (CONFIG_SECCOMP_FILTER)"


def _load_filter(sc: ModuleType) -> None:
    refuse = sc.ERRNO(errno.EACCES)
    f = sc.SyscallFilter(sc.ALLOW)
    f.set_attr(sc.Attr.CTL_TSYNC, 1)  # every thread of the process, should there be any
    f.add_rule(refuse, "socket", sc.Arg(0, sc.NE, socket.AF_UNIX))
    f.add_rule(refuse, "socketpair", sc.Arg(0, sc.NE, socket.AF_UNIX))
    for call in ("connect", "bind", "listen", "accept", "accept4", "sendmsg", "sendmmsg"):
        f.add_rule(refuse, call)
    # send() is sendto() without an address (glibc): only sendto *to an address* is refused.
    f.add_rule(refuse, "sendto", sc.Arg(4, sc.NE, 0))
    for call in ("io_uring_setup", "io_uring_enter", "io_uring_register"):
        f.add_rule(sc.ERRNO(errno.ENOSYS), call)
    f.load()


def deny_network() -> None:
    """Load the network wall into this process (a query worker, before its first task).

    Raises :class:`WallUnavailable` when it cannot be loaded.
    """
    found = _seccomp()
    if isinstance(found, str):
        raise WallUnavailable(found)
    try:
        _load_filter(found)
    except (OSError, RuntimeError, ValueError) as e:
        raise WallUnavailable(f"the seccomp filter could not be loaded: {e}") from None


def _statm(field: int) -> int:
    with open("/proc/self/statm", "rb") as f:
        return int(f.read().split()[field]) * resource.getpagesize()


def address_space_bytes() -> int:
    """This process's virtual address space (what ``RLIMIT_AS`` counts), in bytes."""
    return _statm(0)


def resident_bytes() -> int:
    """This process's resident memory, in bytes."""
    return _statm(1)


def limit_memory(allowance: int) -> int:
    """Cap this process's address space at its current size plus ``allowance`` bytes.

    Returns the limit set. The allowance is counted from the worker's size once it is ready
    (a forked worker maps everything its parent had, shared but counted), so a ceiling means
    the same whatever the size of the data.
    """
    limit = address_space_bytes() + allowance
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    return limit


class Growth:
    """How much a worker grew since it was ready, against the threshold for recycling it."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.start = resident_bytes()

    def grown(self) -> int:
        """Bytes of resident memory gained since the start (0 if it shrank)."""
        return max(0, resident_bytes() - self.start)

    def past_threshold(self) -> bool:
        """True when the worker should be replaced by a fresh one."""
        return self.grown() > self.threshold


#: Signals a worker dies of when an allocation fails under its ceiling: Rust aborts, a stack or
#: a guard page that cannot be mapped faults.
_MEMORY_SIGNALS = frozenset({signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS})


def died_of_memory(status: int) -> bool:
    """True when a wait status says a walled worker died of its memory ceiling."""
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) in _MEMORY_SIGNALS
