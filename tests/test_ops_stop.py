"""A graceful stop: SIGTERM lets every request in flight finish, ends the query workers, and
exits 0; with ``--front nginx`` the front stops after the workers, so nothing is cut there
either."""

from __future__ import annotations

import http.client
import os
import signal
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from ops_servers import frkg_serve, get

pytestmark = pytest.mark.slow

#: About eight million rows to count: a few seconds of a query worker's time.
LONG_QUERY = (
    "SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?a WHERE { ?a ?b ?c } LIMIT 1500 } ?d ?e ?f }"
)


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie waiting for its parent is not running
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]) != "Z"
    except OSError:
        return False


def slow_post(port: int, body: bytes, signal_sent: threading.Event, out: list) -> None:
    """POST ``body`` to /sparql in two halves, the second after the SIGTERM."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.putrequest("POST", "/sparql")
    conn.putheader("Content-Type", "application/sparql-query")
    conn.putheader("Accept", "application/sparql-results+json")
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders()
    conn.send(body[:10])
    signal_sent.wait(30)
    time.sleep(0.5)
    conn.send(body[10:])
    reply = conn.getresponse()
    out.append((reply.status, reply.read()))
    conn.close()


@pytest.mark.parametrize("front", [False, True], ids=["direct", "nginx-front"])
def test_sigterm_finishes_requests_in_flight_ends_query_workers_and_exits_0(tmp_path, front):
    args = ["--workers", "1", *(["--front", "nginx"] if front else [])]
    with frkg_serve(*args, env={"FRKG_SPARQL_TIMEOUT": "30"}, log=tmp_path / "serve.log") as s:
        # A query first, so that the worker has its query workers running.
        assert (
            get(s.url + "sparql?query=ASK%7B%7D", {"Accept": "application/sparql-results+json"})[0]
            == 200
        )
        below = descendants(s.proc.pid)
        results: dict[str, tuple] = {}
        signal_sent = threading.Event()

        def long_query() -> None:
            started = time.monotonic()
            reply = get(
                s.url + "sparql?query=" + urllib.parse.quote(LONG_QUERY),
                {"Accept": "application/sparql-results+json"},
                timeout=60,
            )
            results["query"] = (*reply[::2], time.monotonic() - started)

        uploads: list = []
        threads = [
            threading.Thread(target=long_query),
            threading.Thread(
                target=slow_post, args=(s.port, b"ASK { ?s ?p ?o }", signal_sent, uploads)
            ),
        ]
        for t in threads:
            t.start()
        time.sleep(0.4)  # both are in flight: the query runs, the body is half sent
        sent_at = time.monotonic()
        s.signal(signal.SIGTERM)
        signal_sent.set()
        for t in threads:
            t.join(timeout=60)
        returncode = s.proc.wait(timeout=60)
        stopped_after = time.monotonic() - sent_at
        output = s.output()
    assert returncode == 0, output[-2000:]
    status, body, took = results["query"]
    assert status == 200 and b'"n"' in body, body[:300]
    assert took > 0.5  # still running when the signal came
    assert uploads and uploads[0][0] == 200 and b"true" in uploads[0][1]
    assert stopped_after < 25
    # The gunicorn worker, its query workers' zygote and the workers (and nginx) are all gone.
    assert below and not [pid for pid in below if alive(pid)]
    assert "Traceback" not in output
