"""The servers ``bench/run.py`` measures side by side: frkg and its peers, each started its own way.

Every server runs as a child process in a session of its own, listens on 127.0.0.1 on a free
port and is stopped (its whole session) when its ``with`` block ends. Each start says how long
it took until the server gave its first right answer, the way a user would start it:

- **frkg**: ``frkg serve`` from the files, or from the on-disk store ``frkg load --store`` built;
- **Oxigraph server** (PyPI ``oxigraph``): ``oxigraph serve`` in memory, then the N-Quads POSTed
  to ``/store``; or ``oxigraph load`` into RocksDB once, then ``oxigraph serve --location``;
- **Virtuoso 7.2** (Debian's ``virtuoso-opensource``): a new database, the bulk loader, and the
  same database started again (the throwaway server of ``tests/virtuoso_server.py``);
- **Trifid 5.3** (npm ``trifid`` in ``bench/node_modules``, Node 20): the data from a file
  (``bench/trifid/file.yaml``) or in front of a SPARQL endpoint (``bench/trifid/proxy.yaml``);
- **rdflib-endpoint** (PyPI): ``rdflib-endpoint serve`` of the N-Quads file;
- **nginx** (Debian's) serving ``frkg build``'s export with the configuration it writes.

Oxigraph server sends an HTTP request to any ``SERVICE`` IRI in a query it is given: it is run on
127.0.0.1 only, and only the benchmark's own queries (none with ``SERVICE``) are sent to it.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
NODE_MODULES = BENCH / "node_modules"
TRIFID = NODE_MODULES / "trifid" / "server.js"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SPARQL_JSON = "application/sparql-results+json"

#: Ports the Fetch standard blocks ("bad ports"): Node's fetch, which Trifid queries its endpoint
#: with, refuses them, so no server here is given one.
BAD_PORTS = frozenset(
    (1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101)
    + (102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389)
    + (427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636)
    + (989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566)
    + (6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080)
)


class PeerError(RuntimeError):
    """A server could not be started or gave a wrong first answer."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now, never one of the Fetch standard's bad ports."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in BAD_PORTS:
            return port


def version_of(args: list[str], line: str = "") -> str:
    """The first line (or the first starting with ``line``) a program prints when asked for its
    version (stdout or stderr)."""
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unavailable ({type(e).__name__})"
    lines = [x.strip() for x in (done.stdout + done.stderr).strip().splitlines()]
    chosen = [x for x in lines if x.startswith(line)] or lines
    return chosen[0] if chosen else "unknown"


def npm_version(package: str) -> str:
    """The version of an npm package installed in bench/node_modules, or why there is none."""
    manifest = NODE_MODULES / package / "package.json"
    if not manifest.exists():
        return "not installed (cd bench && npm ci)"
    return json.loads(manifest.read_text())["version"]


# -- processes ------------------------------------------------------------------------------------


class Process:
    """A child process in a session of its own, its output in ``log``; :meth:`stop` ends the
    session (the process and everything it started)."""

    def __init__(
        self, args: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path = ROOT
    ) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        self.args, self.log = args, log
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(
                args,
                cwd=cwd,
                env={**os.environ, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid = self.proc.pid

    def check(self) -> None:
        """Raise :class:`PeerError` with the end of the log if the process has exited."""
        if self.proc.poll() is not None:
            tail = self.log.read_text(errors="replace")[-1500:]
            raise PeerError(f"{Path(self.args[0]).name} exited with {self.proc.returncode}: {tail}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        """Signal the whole session, wait, then kill it if it has not ended."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
            self.proc.wait()
        # Workers of a server whose leader already exited still belong to the session.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)


@dataclass
class Server:
    """A running server: where it answers, how long it took to start, and its processes."""

    key: str
    name: str
    url: str
    #: SPARQL GET target without the query: ``/query?`` or ``/sparql?default-graph-uri=...&``.
    sparql: str = ""
    startup: float | None = None
    startup_how: str = ""
    version: str = ""
    sessions: list[int] = field(default_factory=list)
    extra: dict[str, float] = field(default_factory=dict)

    def sparql_path(self, query: str) -> str:
        """The GET path that asks this server ``query``."""
        return self.sparql + urlencode({"query": query})


def request(
    url: str,
    path: str,
    headers: dict | None = None,
    timeout: float = 120,
    method: str = "GET",
    body=None,
) -> tuple[int, dict, bytes]:
    """One request on a new connection: status, headers (lower-cased names), body."""
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return (
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            response.read(),
        )
    finally:
        conn.close()


def listening(url: str) -> bool:
    """Whether something accepts TCP connections at ``url``."""
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, int(port))) == 0


def wait_for(process: Process, ready, timeout: float, what: str, interval: float = 0.02) -> None:
    """Poll ``ready()`` every ``interval`` s until it is true; raise if the process exits first."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError, http.client.HTTPException):
            if ready():
                return
        process.check()
        if time.monotonic() > deadline:
            raise PeerError(f"{what} did not answer within {timeout:.0f} s; see {process.log}")
        time.sleep(interval)


def answers_sparql(url: str, path: str, expected) -> bool:
    """Whether GET ``path`` answers 200; raises if its answer (by :func:`comparable`) is not
    ``expected``."""
    status, _, body = request(url, path, {"Accept": SPARQL_JSON}, timeout=60)
    if status != 200:
        return False
    if comparable(body) != expected:
        raise PeerError(f"first answer differs from the engine's: {body[:300]!r}")
    return True


def comparable(body: bytes) -> object:
    """A SPARQL JSON answer as a sorted list of rows of (variable, value), or the boolean.

    Engines write the same answer differently: numbers ("2.0" and "2.0E0") are compared as
    numbers, and Virtuoso answers ASK with a one-column result set (bench/ENGINE-NOTES.md #6).
    """
    data = json.loads(body)
    if "boolean" in data:
        return data["boolean"]
    if [v.lower() for v in data.get("head", {}).get("vars", [])] == ["__ask_retval"]:
        return bool(data["results"]["bindings"])
    rows = [
        tuple(sorted((k, _number(v["value"])) for k, v in b.items()))
        for b in data["results"]["bindings"]
    ]
    return sorted(rows)


def _number(value: str) -> str:
    with contextlib.suppress(ValueError):
        return repr(float(value))
    return value


# -- memory ---------------------------------------------------------------------------------------


@dataclass
class ProcessMemory:
    """One process's resident memory (RSS) and proportional share (PSS) in bytes."""

    pid: int
    ppid: int
    name: str
    rss: int
    pss: int


def session_memory(sid: int) -> list[ProcessMemory]:
    """Every live process of session ``sid`` with its memory (``/proc/PID/smaps_rollup``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            ppid, session = int(fields[1]), int(fields[3])
            if session != sid:
                continue
            rollup = (entry / "smaps_rollup").read_text()
        except (OSError, ValueError):
            continue
        values = {}
        for line in rollup.splitlines()[1:]:
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                values[parts[0].rstrip(":")] = int(parts[1]) * 1024
        found.append(
            ProcessMemory(int(entry.name), ppid, name, values.get("Rss", 0), values.get("Pss", 0))
        )
    return found


def server_memory(server: Server) -> int:
    """PSS of every process of ``server`` (shared pages counted once across them)."""
    return sum(p.pss for sid in server.sessions for p in session_memory(sid))


class PeakMemory:
    """Samples the summed PSS of a session in a thread until stopped; ``peak`` is the largest."""

    def __init__(self, sid: int, interval: float = 0.5) -> None:
        import threading

        self.sid, self.interval, self.peak = sid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(p.pss for p in session_memory(self.sid)))
            self._stop.wait(self.interval)

    def stop(self) -> int:
        """Stop sampling and return the peak in bytes."""
        self._stop.set()
        self._thread.join()
        return self.peak


# -- frkg -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def frkg_serve(
    key: str,
    name: str,
    args: list[str],
    work: Path,
    probe: tuple[str, object],
    env: dict[str, str] | None = None,
    timeout: float = 3600,
) -> Iterator[Server]:
    """``frkg serve ARGS`` on a free port, timed from the spawn to its first right SPARQL answer
    (``probe``: a query and its expected comparable answer)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "-m", "frkg", "serve", "--host", "127.0.0.1", "--port", str(port)]
    started = time.perf_counter()
    process = Process(command + args, work / f"{key}.log", env)
    try:
        server = Server(key, name, url, "/sparql?", sessions=[process.pid])
        path = server.sparql_path(probe[0])
        wait_for(process, lambda: answers_sparql(url, path, probe[1]), timeout, name, 0.05)
        server.startup = time.perf_counter() - started
        yield server
    finally:
        process.stop()


@contextlib.contextmanager
def ceiling(
    bodies: dict[str, tuple[Path, str]], work: Path, label: str, timeout: float = 120
) -> Iterator[Server]:
    """The trivial Flask app (``bench/ceiling.py``) sending fixed bytes on frkg's gunicorn setup:
    ``bodies`` maps a URL prefix to (folder, Content-Type)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    args = [sys.executable, "-m", "bench.ceiling", "--port", str(port)]
    for prefix, (folder, content_type) in bodies.items():
        args += ["--bodies", f"{prefix}={folder}:{content_type}"]
    process = Process(args, work / f"ceiling-{label}.log")
    try:
        wait_for(process, lambda: listening(url), timeout, "the Flask ceiling", 0.05)
        yield Server("ceiling", "Flask ceiling", url, sessions=[process.pid])
    finally:
        process.stop()


# -- Oxigraph server ------------------------------------------------------------------------------


def oxigraph_executable() -> str:
    """The ``oxigraph`` CLI of this Python environment (PyPI ``oxigraph``), or on PATH."""
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise PeerError("the oxigraph CLI is not installed: pip install -r bench/requirements.txt")
    return found


def _post_file(url: str, path: str, file: Path, content_type: str) -> None:
    """POST a file (streamed) and raise unless the answer is 2xx."""
    with open(file, "rb") as body:
        status, _, answer = request(
            url,
            path,
            {"Content-Type": content_type, "Content-Length": str(file.stat().st_size)},
            timeout=3600,
            method="POST",
            body=body,
        )
    if status // 100 != 2:
        raise PeerError(f"POST {path} answered {status}: {answer[:300]!r}")


@contextlib.contextmanager
def oxigraph_memory(
    nquads: Path, work: Path, probe: tuple[str, object], timeout: float = 3600
) -> Iterator[Server]:
    """``oxigraph serve`` in memory, the N-Quads POSTed to ``/store``, timed to its first answer."""
    exe = oxigraph_executable()
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    args = [exe, "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    started = time.perf_counter()
    process = Process(args, work / "oxigraph-memory.log")
    try:
        wait_for(process, lambda: listening(url), 60, "oxigraph serve", 0.005)
        _post_file(url, "/store", nquads, "application/n-quads")
        server = Server(
            "oxigraph",
            "Oxigraph (memory)",
            url,
            "/query?",
            version=version_of([exe, "--version"]),
            sessions=[process.pid],
            startup_how="`oxigraph serve`, then the N-Quads POSTed to /store",
        )
        path = server.sparql_path(probe[0])
        wait_for(process, lambda: answers_sparql(url, path, probe[1]), timeout, "oxigraph", 0.005)
        server.startup = time.perf_counter() - started
        yield server
    finally:
        process.stop()


@contextlib.contextmanager
def oxigraph_disk(
    nquads: Path, work: Path, probe: tuple[str, object], timeout: float = 3600
) -> Iterator[Server]:
    """``oxigraph load`` into RocksDB (timed as ``extra["load"]``), then ``oxigraph serve
    --location``, timed from its spawn to its first answer."""
    exe = oxigraph_executable()
    location = work / "oxigraph-rocksdb"
    shutil.rmtree(location, ignore_errors=True)
    started = time.perf_counter()
    loaded = subprocess.run(
        [exe, "load", "--location", str(location), "--file", str(nquads)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if loaded.returncode:
        raise PeerError(f"oxigraph load exited with {loaded.returncode}: {loaded.stderr[-800:]}")
    load_seconds = time.perf_counter() - started
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    args = [exe, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    args.append("--union-default-graph")
    started = time.perf_counter()
    process = Process(args, work / "oxigraph-rocksdb.log")
    try:
        server = Server(
            "oxigraph-disk",
            "Oxigraph (RocksDB)",
            url,
            "/query?",
            version=version_of([exe, "--version"]),
            sessions=[process.pid],
            startup_how="`oxigraph serve --location` of what `oxigraph load` wrote",
            extra={"load": load_seconds},
        )
        path = server.sparql_path(probe[0])
        wait_for(process, lambda: answers_sparql(url, path, probe[1]), timeout, "oxigraph", 0.005)
        server.startup = time.perf_counter() - started
        yield server
    finally:
        process.stop()
        shutil.rmtree(location, ignore_errors=True)


# -- Virtuoso -------------------------------------------------------------------------------------

#: Virtuoso's HTTP listener as the benchmark runs it: as many threads and keep-alive connections
#: as wrk opens (16), so that no connection of a throughput run is closed after each answer.
VIRTUOSO_HTTP = {"ServerThreads": "16", "MaxClientConnections": "32", "MaxKeepAlives": "32"}


def _virtuoso_class():
    """The throwaway Virtuoso of the tests (``tests/virtuoso_server.py``)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from virtuoso_server import SERVER, Virtuoso  # type: ignore[import-not-found]

    return Virtuoso, SERVER


def _set_ini(ini: Path, section: str, values: dict[str, str]) -> None:
    """Set ``values`` in ``[section]`` of a virtuoso.ini, keeping every other line."""
    lines: list[str] = []
    current = ""
    seen: set[str] = set()

    def missing() -> list[str]:
        return [f"{k} = {v}" for k, v in values.items() if k not in seen]

    for line in ini.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            if current == section:
                lines += missing()
            current = stripped[1:-1]
        key = stripped.split("=", 1)[0].strip()
        if current == section and "=" in stripped and key in values:
            seen.add(key)
            line = f"{key} = {values[key]}"
        lines.append(line)
    if current == section:
        lines += missing()
    ini.write_text("\n".join(lines) + "\n")


@contextlib.contextmanager
def virtuoso(
    ntriples: Path, graph: str, work: Path, probe: tuple[str, object], timeout: float = 3600
) -> Iterator[Server]:
    """Virtuoso: a new database, the triples bulk-loaded into ``graph`` (timed as
    ``extra["from files"]``: start, load, first answer), checkpointed and stopped; then the same
    database started again and timed to its first answer. Queries name ``graph`` as their
    default graph (bench/ENGINE-NOTES.md #19)."""
    Virtuoso, executable = _virtuoso_class()
    folder = work / "virtuoso"
    shutil.rmtree(folder, ignore_errors=True)
    v = Virtuoso(folder, start_timeout=120)
    started = time.perf_counter()
    try:
        v.start()
        v.load([ntriples], graph)
        sparql = "/sparql?" + urlencode({"default-graph-uri": graph}) + "&"
        path = sparql + urlencode({"query": probe[0]})
        url = f"http://127.0.0.1:{v.http_port}/"
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError, http.client.HTTPException):
                if answers_sparql(url, path, probe[1]):
                    break
            if time.monotonic() > deadline:
                raise PeerError("Virtuoso loaded the data but gave no answer within 60 s")
            time.sleep(0.02)
        from_files = time.perf_counter() - started
        v.sql("checkpoint;\n")
    finally:
        v.stop()
    ini = folder / "virtuoso.ini"
    _set_ini(ini, "HTTPServer", VIRTUOSO_HTTP)
    version = version_of([executable, "-?"], "Version")
    started = time.perf_counter()
    process = Process(
        [executable, "+foreground", "+configfile", str(ini)], folder / "restart.log", cwd=folder
    )
    try:
        server = Server(
            "virtuoso",
            "Virtuoso",
            url,
            sparql,
            version=version,
            sessions=[process.pid],
            startup_how="virtuoso-t started again on the database it loaded",
            extra={"from files": from_files},
        )
        wait_for(process, lambda: answers_sparql(url, path, probe[1]), timeout, "Virtuoso", 0.02)
        server.startup = time.perf_counter() - started
        yield server
    finally:
        process.stop()
        shutil.rmtree(folder, ignore_errors=True)


# -- Trifid ---------------------------------------------------------------------------------------


def node_version() -> str:
    """``node --version``, or why there is none."""
    return version_of(["node", "--version"]) if shutil.which("node") else "not installed"


@contextlib.contextmanager
def trifid(
    key: str,
    name: str,
    config: str,
    env: dict[str, str],
    work: Path,
    probe: tuple[str, object],
    how: str,
    timeout: float = 600,
) -> Iterator[Server]:
    """Trifid with ``bench/trifid/CONFIG.yaml`` and ``env``, timed to its first answer at /query."""
    if not TRIFID.exists():
        raise PeerError("Trifid is not installed: cd bench && npm ci")
    if not shutil.which("node"):
        raise PeerError("node is not installed")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    args = ["node", str(TRIFID), "-c", str(BENCH / "trifid" / f"{config}.yaml"), "-p", str(port)]
    started = time.perf_counter()
    process = Process(args, work / f"{key}.log", env)
    try:
        server = Server(
            key,
            name,
            url,
            "/query?",
            version=npm_version("trifid"),
            sessions=[process.pid],
            startup_how=how,
        )
        path = server.sparql_path(probe[0])
        wait_for(process, lambda: answers_sparql(url, path, probe[1]), timeout, name, 0.02)
        server.startup = time.perf_counter() - started
        yield server
    finally:
        process.stop()


# -- rdflib-endpoint ------------------------------------------------------------------------------


@contextlib.contextmanager
def rdflib_endpoint(
    nquads: Path, work: Path, probe: tuple[str, object], timeout: float = 3600
) -> Iterator[Server]:
    """``rdflib-endpoint serve`` of the N-Quads (uvicorn), timed to its first answer."""
    from importlib import metadata

    try:
        version = metadata.version("rdflib-endpoint")
    except metadata.PackageNotFoundError:
        raise PeerError(
            "rdflib-endpoint is not installed: pip install -r bench/requirements.txt"
        ) from None
    executable = Path(sys.executable).with_name("rdflib-endpoint")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    args = [str(executable), "serve", str(nquads), "--host", "127.0.0.1", "--port", str(port)]
    started = time.perf_counter()
    process = Process(args, work / "rdflib-endpoint.log")
    try:
        server = Server(
            "rdflib",
            "rdflib-endpoint",
            url,
            "/?",
            version=version,
            sessions=[process.pid],
            startup_how="`rdflib-endpoint serve` of the N-Quads",
        )
        path = server.sparql_path(probe[0])
        wait_for(process, lambda: answers_sparql(url, path, probe[1]), timeout, "rdflib", 0.05)
        server.startup = time.perf_counter() - started
        yield server
    finally:
        process.stop()


# -- nginx ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def nginx_export(outdir: Path, port: int, timeout: float = 60) -> Iterator[Server]:
    """nginx serving ``frkg build``'s export with the standalone configuration it wrote (built
    with ``--listen 127.0.0.1:PORT``), in the foreground, stopped at the end."""
    conf = outdir / "nginx" / "nginx.conf"
    if not conf.exists():
        raise PeerError(f"{conf} is missing: frkg build did not write it")
    url = f"http://127.0.0.1:{port}/"
    args = [NGINX, "-p", str(conf.parent), "-c", str(conf), "-g", "daemon off;"]
    process = Process(args, outdir / "nginx-run.log")
    try:
        wait_for(process, lambda: listening(url), timeout, "nginx", 0.05)
        yield Server(
            "nginx",
            "nginx (export)",
            url,
            version=version_of([NGINX, "-v"]).split("/")[-1],
            sessions=[process.pid],
        )
    finally:
        process.stop(signal.SIGQUIT)
