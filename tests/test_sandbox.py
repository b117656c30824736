"""The OS wall of a query worker: no network from a walled process, a memory ceiling, recycling.

Each test forks a child, walls it, makes it try, and reads what happened over a pipe: the
parent (this test process) is never walled.
"""

from __future__ import annotations

import ctypes
import errno
import faulthandler
import json
import os
import platform
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pyoxigraph as ox
import pytest

from frkg.sparql import sandbox

pytestmark = pytest.mark.skipif(
    sandbox.problem() is not None, reason=f"no seccomp here: {sandbox.problem()}"
)


def in_child(body: Callable[[], object], wall: bool = True) -> tuple[object, int]:
    """Run ``body`` in a forked child (walled if ``wall``); its JSON result and wait status."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read_end)
        faulthandler.disable()  # pytest's, inherited: a walled death is expected here
        try:
            if wall:
                sandbox.deny_network()
            result = body()
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            result = {"raised": type(e).__name__, "message": str(e)}
        os.write(write_end, json.dumps(result).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    return (json.loads(data) if data else None), status


def errno_of(action: Callable[[], object]) -> str:
    """The errno name ``action`` fails with, or "ok"."""
    try:
        action()
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    return "ok"


@contextmanager
def canary() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""
    heard: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    heard.append(conn.recv(4096) or b"<connected>")
                except OSError:
                    heard.append(b"<connected>")

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], heard
    finally:
        stop.set()
        thread.join()
        server.close()


def test_walled_child_cannot_create_network_sockets_of_any_family():
    families = {
        "inet": (socket.AF_INET, socket.SOCK_STREAM),
        "inet_udp": (socket.AF_INET, socket.SOCK_DGRAM),
        "inet6": (socket.AF_INET6, socket.SOCK_STREAM),
        "netlink": (socket.AF_NETLINK, socket.SOCK_RAW),
        "packet": (getattr(socket, "AF_PACKET", 17), socket.SOCK_RAW),
    }

    def body():
        return {
            name: errno_of(lambda f=f: socket.socket(*f).close()) for name, f in families.items()
        }

    result, status = in_child(body)
    assert result == dict.fromkeys(families, "EACCES")
    assert os.WIFEXITED(status)


def test_walled_child_still_talks_over_af_unix_socket_pairs():
    def body():
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        a.sendall(b"ping")  # send() is sendto() without an address: allowed
        got = b.recv(4)
        os.write(b.fileno(), b"pong")  # what multiprocessing's Connection does
        return {"got": got.decode(), "back": a.recv(4).decode()}

    result, _ = in_child(body)
    assert result == {"got": "ping", "back": "pong"}


def test_walled_child_cannot_connect_even_a_socket_it_inherited():
    leaked_tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    leaked_udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with canary() as (port, heard):

        def body():
            return {
                "connect": errno_of(lambda: leaked_tcp.connect(("127.0.0.1", port))),
                "sendto": errno_of(lambda: leaked_udp.sendto(b"x", ("127.0.0.1", port))),
                "bind": errno_of(lambda: leaked_udp.bind(("127.0.0.1", 0))),
                "unix_connect": errno_of(
                    lambda: socket.socket(socket.AF_UNIX).connect("/run/nothing-here.sock")
                ),
            }

        result, _ = in_child(body)
    leaked_tcp.close()
    leaked_udp.close()
    assert result == dict.fromkeys(("connect", "sendto", "bind", "unix_connect"), "EACCES")
    assert heard == []


@pytest.mark.skipif(platform.machine() != "x86_64", reason="io_uring_setup is 425 on x86_64")
def test_walled_child_cannot_set_up_io_uring():
    def body():
        libc = ctypes.CDLL(None, use_errno=True)
        params = ctypes.create_string_buffer(120)
        fd = libc.syscall(425, 4, params)  # io_uring_setup(entries, params)
        return {"fd": fd, "errno": errno.errorcode.get(ctypes.get_errno())}

    result, _ = in_child(body)
    assert result == {"fd": -1, "errno": "ENOSYS"}


def service_query(port: int) -> str:
    return f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"


def test_pyoxigraph_service_from_a_walled_child_reaches_no_listener():
    # No checker here: the text goes to Store.query directly, as a bypass would.
    with canary() as (port, heard):

        def body():
            try:
                rows = list(ox.Store().query(service_query(port)))
            except OSError as e:  # pyoxigraph's: no errno, the OS's text
                return {"failed": str(e)}
            return {"rows": len(rows)}

        result, _ = in_child(body)
    assert result == {"failed": "Permission denied (os error 13)"}  # EACCES from the filter
    assert heard == []


def test_the_same_service_query_without_the_wall_does_reach_the_listener():
    # The control for the test above: the canary does hear an unwalled engine.
    with canary() as (port, heard):

        def body():
            try:
                list(ox.Store().query(service_query(port)))
            except OSError:
                pass
            return {}

        in_child(body, wall=False)
    assert len(heard) == 1 and heard[0].startswith(b"POST /sparql")


def doubling_query(times: int) -> str:
    binds = " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(times))
    return f'SELECT (STRLEN(?s{times}) AS ?n) {{ BIND("0123456789abcdef" AS ?s0) {binds} }}'


def test_engine_past_the_memory_ceiling_kills_only_its_own_process():
    def body():
        sandbox.limit_memory(200 * 2**20)
        next(iter(ox.Store().query(doubling_query(30))))  # 16 GiB of string
        return {"survived": True}

    result, status = in_child(body)
    assert result is None  # it died before it could answer
    assert sandbox.died_of_memory(status), status
    assert os.WTERMSIG(status) == signal.SIGABRT


def test_the_memory_ceiling_leaves_room_for_ordinary_queries():
    def body():
        sandbox.limit_memory(200 * 2**20)
        return {"n": next(iter(ox.Store().query(doubling_query(10))))["n"].value}

    result, status = in_child(body)
    assert result == {"n": str(16 * 2**10)} and os.WIFEXITED(status)


def test_python_past_the_memory_ceiling_gets_memory_error():
    def body():
        sandbox.limit_memory(100 * 2**20)
        try:
            bytearray(400 * 2**20)
        except MemoryError:
            return {"memory_error": True}
        return {"memory_error": False}

    result, status = in_child(body)
    assert result == {"memory_error": True} and os.WIFEXITED(status)


def test_growth_past_the_threshold_asks_for_recycling():
    def body():
        growth = sandbox.Growth(50 * 2**20)
        before = growth.past_threshold()
        kept = bytearray(80 * 2**20)  # touched pages: resident
        for i in range(0, len(kept), 4096):
            kept[i] = 1
        return {"before": before, "after": growth.past_threshold()}

    result, _ = in_child(body, wall=False)
    assert result == {"before": False, "after": True}


def test_a_death_by_kill_or_exit_is_not_taken_for_memory():
    assert not sandbox.died_of_memory(signal.SIGKILL)  # raw status: killed by SIGKILL
    assert not sandbox.died_of_memory(0)  # exited 0
    assert sandbox.died_of_memory(signal.SIGABRT)
