"""A throwaway Virtuoso server for tests and benchmarks (bench/ imports it from here).

    with Virtuoso(tmp_dir) as v:          # or: v = Virtuoso(tmp_dir); endpoint = v.start()
        v.load(paths, "https://example.org/graph")
        ...  # SPARQL 1.1 Protocol at v.endpoint (http://127.0.0.1:PORT/sparql)
    # stopped: no process left, ports released

It runs Debian's ``virtuoso-opensource`` (``virtuoso-t`` and ``isql-vt``) as a child process on
127.0.0.1 only, on free ports for both its SQL and HTTP listeners, with its own database and
``virtuoso.ini`` in the given folder: no system service, no fixed port, nothing beyond loopback. It
works as root. The ``dba`` password is made random once the server is online, so other local users
cannot log in with the default one.

Files are loaded with Virtuoso's bulk loader (``ld_add`` then ``rdf_loader_run``) by default, or
with ``DB.DBA.TTLP_MT`` per file. On 1M triples on 2 cores the two took 7 to 11 s each, within
noise of each other (bench/virtuoso_load.py measures both); the bulk loader is the default because
it reports every rejected file in one pass. It only reads files under ``DirsAllowed``, so each load
links its files into a fresh staging folder there.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import weakref
from collections.abc import Iterable
from pathlib import Path

SERVER = "virtuoso-t"
ISQL = "isql-vt"  # Debian's name; plain ``isql`` is often unixODBC's, a different program


class VirtuosoError(RuntimeError):
    """Virtuoso could not be started, refused a statement, or could not load a file."""


def missing() -> str | None:
    """Why Virtuoso cannot run here (the package to install), or None when it can."""
    absent = [name for name in (SERVER, ISQL) if shutil.which(name) is None]
    if absent:
        return f"{' and '.join(absent)} not found: install Debian's virtuoso-opensource package"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop_process(proc: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM (Virtuoso's clean quick shutdown), then SIGKILL if it does not exit in time."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


INI = """\
; Written by tests/virtuoso_server.py for one throwaway server; see that module.
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
Striping           = 0

[TempDatabase]
DatabaseFile    = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx

[Parameters]
ServerPort         = 127.0.0.1:{sql_port}
DisableUnixSocket  = 1
DisableTcpSocket   = 0
; Checkpoints only cost time in a database thrown away after the run.
CheckpointInterval = 0
; The bulk loader reads files only from here; load() links its files into it.
DirsAllowed        = {dir}/stage
NumberOfBuffers    = {buffers}
MaxDirtyBuffers    = {dirty_buffers}
MaxQueryMem        = 1G
ThreadsPerQuery    = 2
AsyncQueueMaxThreads = 4
MaxClientConnections = 20

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {dir}/www
ServerThreads        = 10
MaxClientConnections = 20
MaxKeepAlives        = 10
KeepAliveTimeout     = 10
EnabledDavVSP        = 0
Charset              = UTF-8

[SPARQL]
; Debian's default of 10000 silently truncates larger results (bench/ENGINE-NOTES.md).
ResultSetMaxRows           = {max_rows}
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime      = {max_query_seconds}
"""


class Virtuoso:
    """One Virtuoso server in ``directory`` (created if needed; its database is made fresh)."""

    def __init__(
        self,
        directory: Path | str,
        *,
        buffers: int = 50_000,
        max_rows: int = 10_000_000,
        max_query_seconds: int = 120,
        start_timeout: float = 60,
    ) -> None:
        self.directory = Path(directory).resolve()
        self.buffers, self.max_rows, self.start_timeout = buffers, max_rows, start_timeout
        self.max_query_seconds = max_query_seconds
        self.sql_port = self.http_port = 0
        self.endpoint = ""
        self.password = ""
        self._proc: subprocess.Popen | None = None
        self._finalizer: weakref.finalize | None = None
        self._loads = 0

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> str:
        """Create the database, start the server and wait until it answers; return the endpoint."""
        if self._proc is not None:
            raise VirtuosoError("already started")
        reason = missing()
        if reason:
            raise VirtuosoError(reason)
        last_error = ""
        for _ in range(5):  # a free port can be taken between choosing it and binding it
            try:
                return self._start_once()
            except _PortTaken as e:
                last_error = str(e)
        raise VirtuosoError(f"no free port pair after 5 tries: {last_error}")

    def _start_once(self) -> str:
        d = self.directory
        for name in (
            "virtuoso.db",
            "virtuoso-temp.db",
            "virtuoso.trx",
            "virtuoso-temp.trx",
            "virtuoso.lck",
            "virtuoso.pxa",
            "virtuoso.log",
        ):
            (d / name).unlink(missing_ok=True)
        (d / "stage").mkdir(parents=True, exist_ok=True)
        (d / "www").mkdir(exist_ok=True)
        self.sql_port, self.http_port = _free_port(), _free_port()
        while self.http_port == self.sql_port:
            self.http_port = _free_port()
        (d / "virtuoso.ini").write_text(
            INI.format(
                dir=d,
                sql_port=self.sql_port,
                http_port=self.http_port,
                buffers=self.buffers,
                dirty_buffers=self.buffers * 3 // 4,
                max_rows=self.max_rows,
                max_query_seconds=self.max_query_seconds,
            ),
            encoding="utf-8",
        )
        self.password = "dba"  # a new database's default, replaced as soon as it is online
        out = open(d / "virtuoso.out", "wb")
        proc = subprocess.Popen(
            [SERVER, "+foreground", "+configfile", str(d / "virtuoso.ini")],
            cwd=d,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the test run is handled by stop(), not twice
        )
        out.close()
        self._proc = proc
        self._finalizer = weakref.finalize(self, _stop_process, proc)
        deadline = time.monotonic() + self.start_timeout
        while True:
            log = self._log()
            if proc.poll() is not None:
                self._proc = None
                self._finalizer.detach()
                if "Address already in use" in log:
                    raise _PortTaken(log.strip().splitlines()[-1])
                raise VirtuosoError(f"virtuoso-t exited with {proc.returncode}:\n{log[-2000:]}")
            if f"Server online at 127.0.0.1:{self.sql_port}" in log:
                break
            if time.monotonic() > deadline:
                self.stop()
                raise VirtuosoError(f"virtuoso-t did not come online in {self.start_timeout} s")
            time.sleep(0.05)
        password = secrets.token_hex(12)
        self.sql(f'set password "dba" "{password}";\n')
        self.password = password
        self.endpoint = f"http://127.0.0.1:{self.http_port}/sparql"
        return self.endpoint

    def restart(self) -> str:
        """Stop the server and start it again on the same ports with the same database (a
        backend that goes away and comes back); return the endpoint. Run ``checkpoint;`` after
        loading: what is only in the transaction log may not be there again."""
        d = self.directory
        self.stop()
        out = open(d / "virtuoso.out", "wb")
        proc = subprocess.Popen(
            [SERVER, "+foreground", "+configfile", str(d / "virtuoso.ini")],
            cwd=d,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()
        self._proc = proc
        self._finalizer = weakref.finalize(self, _stop_process, proc)
        deadline = time.monotonic() + self.start_timeout
        while f"Server online at 127.0.0.1:{self.sql_port}" not in self._log():
            if proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise VirtuosoError(f"virtuoso-t did not come back:\n{self._log()[-2000:]}")
            time.sleep(0.05)
        self.endpoint = f"http://127.0.0.1:{self.http_port}/sparql"
        return self.endpoint

    def _log(self) -> str:
        try:
            return (self.directory / "virtuoso.out").read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def stop(self) -> None:
        """Shut the server down and wait for its process to end (idempotent)."""
        if self._proc is None:
            return
        _stop_process(self._proc)
        if self._finalizer is not None:
            self._finalizer.detach()
        self._proc = None
        self.endpoint = ""

    def __enter__(self) -> Virtuoso:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- SQL and loading ----------------------------------------------------------------------

    def sql(self, script: str, timeout: float = 600) -> str:
        """Run SQL statements (each ending in ``;``) through isql; raise on the first error."""
        if self.pid is None:
            raise VirtuosoError("not running")
        result = subprocess.run(
            [
                ISQL,
                f"127.0.0.1:{self.sql_port}",
                "dba",
                self.password,
                "VERBOSE=OFF",
                "BANNER=OFF",
                "PROMPT=OFF",
                "ECHO=OFF",
                "ERRORS=STDOUT",
            ],
            input=script,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        output = result.stdout + result.stderr
        # isql exits 0 even when a statement fails; its error lines start with "*** Error".
        if result.returncode != 0 or "*** Error" in output:
            raise VirtuosoError(f"isql failed:\n{output.strip()}")
        return output

    def load(self, files: Iterable[Path | str], graph: str, method: str = "bulk") -> None:
        """Load Turtle files into the named ``graph``.

        ``method`` is ``bulk`` (the bulk loader: ``ld_add`` and ``rdf_loader_run``, the faster) or
        ``ttlp`` (``DB.DBA.TTLP_MT`` per file, without transaction logging). Raises
        :class:`VirtuosoError` naming every file that is missing or was rejected, with the reason;
        a rejected file may have been partly loaded.
        """
        if method not in ("bulk", "ttlp"):
            raise ValueError(f"unknown load method {method!r}: use 'bulk' or 'ttlp'")
        paths = [Path(f).resolve() for f in files]
        for p in paths:
            if not p.is_file():
                raise VirtuosoError(f"{p}: no such file")
        self._loads += 1
        stage = self.directory / "stage" / str(self._loads)  # new names: ld_add skips known ones
        stage.mkdir(parents=True)
        originals: dict[str, Path] = {}
        links = []
        for i, p in enumerate(paths):
            link = stage / f"{i:05d}-{p.name}"
            os.symlink(p, link)
            originals[str(link)] = p
            links.append(link)
        if method == "ttlp":
            for link in links:
                try:
                    self.sql(
                        "log_enable(2,1);\n"
                        f"DB.DBA.TTLP_MT(file_to_string_output({_sql_string(str(link))}), "
                        f"'', {_sql_string(graph)});\n"
                    )
                except VirtuosoError as e:
                    raise VirtuosoError(f"{originals[str(link)]}: {e}") from None
            return
        lines = [f"ld_add({_sql_string(str(link))}, {_sql_string(graph)});" for link in links]
        lines.append("rdf_loader_run();")
        lines.append(
            "select concat('@@', ll_file, '|', ll_error) from DB.DBA.load_list "
            f"where ll_file like {_sql_string(str(stage) + '/%')} and ll_error is not null;"
        )
        output = self.sql("\n".join(lines) + "\n")
        failures = []
        for line in output.splitlines():
            if line.startswith("@@"):
                link, _, error = line[2:].rstrip().partition("|")
                failures.append(f"{originals.get(link, link)}: {error}")
        if failures:
            raise VirtuosoError("Virtuoso's bulk loader rejected:\n" + "\n".join(failures))


class _PortTaken(VirtuosoError):
    pass


def _sql_string(text: str) -> str:
    if "\n" in text or "\r" in text:
        raise VirtuosoError(f"line break in a path or IRI: {text!r}")
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"
