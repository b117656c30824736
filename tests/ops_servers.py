"""`frkg serve` (and nginx) as real processes for the operations tests: start, signal, stop.

Each server is a subprocess on free 127.0.0.1 ports with its own copy of the data it serves (so
a test can edit and break it), and its output kept in a file the test can read.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from conftest import ROOT, free_port, wait_until_listening


@dataclass
class Served:
    """A running ``frkg serve``: its URL, process and output file."""

    url: str
    port: int
    proc: subprocess.Popen
    log: Path

    def output(self) -> str:
        """What it printed so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def signal(self, sig: int) -> None:
        """Send ``sig`` to its master process."""
        self.proc.send_signal(sig)


def copy_data(folder: Path) -> Path:
    """A copy of the repository's data folder (to edit in a test); returns it."""
    target = folder / "data"
    shutil.copytree(ROOT / "data", target)
    return target


@contextmanager
def frkg_serve(
    *args: str,
    env: dict[str, str] | None = None,
    log: Path,
    timeout: float = 90,
    port: int | None = None,
) -> Iterator[Served]:
    """Run ``frkg serve --host 127.0.0.1 --port P ARGS`` until the block ends (then SIGTERM)."""
    port = port or free_port()
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("FRKG_")}
    child_env.update(env or {})
    out = log.open("a", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "frkg", "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        cwd=ROOT,
        env=child_env,
        stdout=out,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(f"http://127.0.0.1:{port}/", port, proc, log)
    try:
        wait_until_listening(
            proc,
            port,
            "frkg serve",
            timeout=timeout,
            ready=lambda: get(served.url + "health")[0] == 200,
        )
        yield served
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        out.close()


def get(
    url: str, headers: dict[str, str] | None = None, timeout: float = 30
) -> tuple[int, dict, bytes]:
    """One GET: (status, headers lower-cased, body); (0, {}, b"") when the connection fails."""
    rest = url.split("//", 1)[1]
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.partition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("GET", "/" + path, headers=headers or {})
        reply = conn.getresponse()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
    except (OSError, http.client.HTTPException):
        return 0, {}, b""
    finally:
        conn.close()


@dataclass
class Load:
    """A bounded loopback load: ``clients`` threads asking ``paths`` in turn until stopped."""

    base: str
    paths: list[str]
    clients: int = 4
    check: Callable[[str, int, dict, bytes], str | None] | None = None
    statuses: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> Load:
        for i in range(self.clients):
            thread = threading.Thread(target=self._run, args=(i,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    def _run(self, i: int) -> None:
        n = i
        while not self._stop.is_set():
            path = self.paths[n % len(self.paths)]
            n += 1
            started = time.monotonic()
            status, headers, body = get(self.base + path, {"Accept": "text/html"})
            elapsed = time.monotonic() - started
            problem = self.check(path, status, headers, body) if self.check else None
            with self._lock:
                self.statuses[status] += 1
                self.latencies.append(elapsed)
                if problem:
                    self.problems.append(problem)
            time.sleep(0.01)


# -- telling data versions apart: id:thorn's label differs from one version to the next --------

LABEL = re.compile(r"Thornmark R\d+")
ETAG_VERSION = re.compile(r'W/"([0-9a-f]+)-')


def relabel(data, label: str) -> None:
    """Give id:thorn the label ``label`` in the copy of the data."""
    agents = data / "agents.ttl"
    text = re.sub(
        r'(id:thorn a frkg:NonprofitOrganization ;\n    rdfs:label )"[^"]*"@en',
        rf'\1"{label}"@en',
        agents.read_text(encoding="utf-8"),
    )
    agents.write_text(text, encoding="utf-8")


class Versions:
    """Which label each data version gives id:thorn, learnt from /health as reloads succeed."""

    def __init__(self) -> None:
        self.labels: dict[str, str] = {}

    def check(self, path: str, status: int, headers: dict, body: bytes) -> str | None:
        if status != 200:
            return f"{path}: {status}"
        found = ETAG_VERSION.match(headers.get("etag", ""))
        if found is None:
            return f"{path}: no data version in ETag {headers.get('etag')!r}"
        labels = set(LABEL.findall(body.decode("utf-8")))
        if len(labels) != 1:
            return f"{path}: labels of several versions in one answer: {labels}"
        version = found.group(1)
        known = self.labels.setdefault(version, labels.pop())
        if labels and known not in labels:
            return f"{path}: version {version} answered with another version's label"
        return None


def consistent(versions: Versions, load: Load) -> None:
    # Every version answered with exactly one label, and no two versions with the same one.
    assert not load.problems, load.problems[:5]
    assert len(set(versions.labels.values())) == len(versions.labels), versions.labels
