"""A persistent on-disk store: built once by ``frkg load --store DIR``, then served read-only by
every worker process without loading anything again (``frkg serve --store DIR``).

``DIR`` holds two things: ``DIR/oxigraph/``, a pyoxigraph store (a RocksDB folder) with exactly the
named graphs a load in memory makes -- one per file, ``{base}graph/{kind}/{stem}``, and
``{base}graph/inferred`` -- and ``DIR/load.nq``, the load record (:mod:`frkg.store.loadrecord`:
files, graphs, triple counts, data version, modification time and base IRI) as N-Quads. The record
is kept out of the database so that queries use pyoxigraph's union of all graphs as their default
graph: the database holds the dataset and nothing else (giving the graphs one by one as the default
graph instead made queries 2 to 25 times slower, measured). The same files give the same graphs,
triples and data version as a load in memory.

Building parses each file with pyoxigraph's bulk loader straight into a new store in a hidden
folder next to ``DIR``; only a complete store is renamed into place, so a file that does not
parse leaves ``DIR`` as it was (absent, or the previous store). Serving opens the folder with
``Store.read_only`` once per process: in each server worker and in each SPARQL query worker
(RocksDB handles are not shared across ``fork``). Nothing here imports Flask.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox

from frkg.store import loadrecord
from frkg.store.base import (
    Backend,
    BackendUnavailable,
    KnowledgeGraph,
    LoadedFile,
    count_triples,
)
from frkg.store.breaker import CLOSED, CircuitBreaker
from frkg.store.files import fill
from frkg.store.loadrecord import LoadRecord, RecordError

#: Extra file descriptors a SPARQL query worker may open beyond the store's table files (see
#: :meth:`DiskStore.prepare_worker`).
DESCRIPTOR_SLACK = 16
#: The database's folder inside the store folder, and the load record's file.
DATABASE = "oxigraph"
RECORD = "load.nq"


class StoreError(Exception):
    """A store folder that cannot be built, replaced or opened; the message says why."""


# -- building -------------------------------------------------------------------------------------


def build(
    sources: dict[str, list[Path]],
    base: str,
    directory: Path | str,
    *,
    progress: Callable[[LoadedFile], None] | None = None,
    advance: Callable[[int], None] | None = None,
    beside: Callable[[KnowledgeGraph, Path], None] | None = None,
) -> LoadRecord:
    """Build the store of ``sources`` (files by kind) under ``base`` in ``directory``.

    ``progress`` is called after each file, ``advance`` with each number of bytes read.
    ``beside(kg, folder)`` is called with the new store, opened, before it is moved into place:
    what it writes into ``folder`` is moved with it (``frkg load`` saves the per-load indexes
    there, :func:`frkg.publish.publication.save`). Raises
    :class:`~frkg.store.LoadError` for a file that cannot be read or parsed, and
    :class:`StoreError` when ``directory`` holds something else than a store; in both cases
    ``directory`` is left as it was. A previous store in ``directory`` is replaced.
    """
    target = Path(directory)
    check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(
        tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".building", dir=target.parent)
    )
    try:
        record = _build(sources, base, building / DATABASE, progress, advance)
        with open(building / RECORD, "wb") as f:
            ox.serialize(record.quads(), f, format=ox.RdfFormat.N_QUADS)
        if beside is not None:
            _beside(building, base, beside)
        _swap(building, target)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return record


def check_target(target: Path) -> None:
    """Raise :class:`StoreError` unless ``target`` is absent, empty, or a store to replace."""
    if not target.exists():
        return
    if not target.is_dir():
        raise StoreError(f"{target} is a file, not a store folder")
    if not any(target.iterdir()):
        return
    try:
        open_store(target)
    except StoreError:
        raise StoreError(
            f"{target} is not empty and holds no store built by frkg load; "
            "refusing to replace it (choose an empty or new folder)"
        ) from None


def _build(
    sources: dict[str, list[Path]],
    base: str,
    path: Path,
    progress: Callable[[LoadedFile], None] | None,
    advance: Callable[[int], None] | None,
) -> LoadRecord:
    _engine_started()
    store = ox.Store(str(path))
    try:
        return _fill(store, sources, base, progress, advance)
    except BaseException as e:
        traceback.clear_frames(e.__traceback__)  # they hold the store: it must close now
        raise
    finally:
        # Closes the database before its folder is moved into place, or removed after a failure
        # (an open database would write into a removed folder).
        del store


def _fill(
    store: ox.Store,
    sources: dict[str, list[Path]],
    base: str,
    progress: Callable[[LoadedFile], None] | None,
    advance: Callable[[int], None] | None,
) -> LoadRecord:
    filled = fill(store, sources, base, bulk=True, progress=progress, advance=advance)
    record = LoadRecord(
        base=base,
        version=filled.version,
        modified=filled.modified,
        files=tuple(filled.files),
        inferred_graph=filled.inferred_graph,
        inferred_triples=count_triples(store, ox.NamedNode(filled.inferred_graph)),
    )
    store.flush()
    return record


def _beside(building: Path, base: str, write: Callable[[KnowledgeGraph, Path], None]) -> None:
    kg = open_store(building, base)
    try:
        write(kg, building)
    finally:
        kg.store.release()  # closed before its folder moves
        del kg


def _swap(building: Path, target: Path) -> None:
    """Put the new store at ``target``, replacing (and then deleting) what was there."""
    if not target.exists():
        os.rename(building, target)
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    os.rename(target, old)
    os.rename(building, target)
    shutil.rmtree(old, ignore_errors=True)


# -- serving --------------------------------------------------------------------------------------


def read_record(directory: Path | str, base: str | None = None) -> LoadRecord:
    """The load record of the store in ``directory`` (the load under ``base`` if given).

    Raises :class:`StoreError` when the folder is missing, is not a store built by ``frkg load``,
    or holds no load under ``base``.
    """
    path = Path(directory)
    if not path.is_dir():
        raise StoreError(f"{path}: no such folder")
    if not (path / RECORD).is_file() or not (path / DATABASE / "CURRENT").is_file():
        raise StoreError(f"{path} is not a store built by frkg load (no {RECORD} and database)")
    try:
        quads = ox.parse(path=path / RECORD, format=ox.RdfFormat.N_QUADS)
        record_store = ox.Store()
        record_store.extend(quads)
        return loadrecord.find(record_store, base)
    except (SyntaxError, OSError, RecordError) as e:
        raise StoreError(f"{path}: {e}") from None


def open_store(directory: Path | str, base: str | None = None) -> KnowledgeGraph:
    """The knowledge graph in a store built by ``frkg load`` (the load under ``base`` if given).

    ``directory`` may be a symlink (switched with ``ln -sfn``): the store is the folder it leads
    to now, and stays that folder for the life of the returned graph, in every process.
    Raises :class:`StoreError` as :func:`read_record` does, or when the database cannot be
    opened.
    """
    path = Path(directory)
    record = read_record(path, base)
    real = path.resolve()
    try:
        _engine_started()
        handle = ox.Store.read_only(str(real / DATABASE))
    except OSError as e:
        raise StoreError(f"{path} cannot be opened as a store: {e}") from None
    return record.knowledge_graph(DiskStore(path, handle, record=record, real=real))


#: True once this process opened a store with RocksDB (which starts its thread pool for good),
#: and in every process forked from it after that.
_ENGINE = {"started": False, "inherited": False}


def _engine_started() -> None:
    _ENGINE["started"] = True


def _forked_from_engine() -> None:
    _ENGINE["inherited"] = _ENGINE["started"]


os.register_at_fork(after_in_child=_forked_from_engine)


def end_forked_process() -> None:
    """End this process now, with the exit status under way, if it was forked from a process
    that had opened a store; else do nothing. Call it last on the way out of a forked child.

    RocksDB starts a thread pool the first time a process opens a database, and a C++ exit
    handler joins those threads when the process exits. A forked child inherits the pool's
    records but not its threads, so that handler joins threads that do not exist there: the
    child dies of SIGSEGV or SIGABRT instead of exiting (every ``frkg serve --store`` worker did,
    on every stop). So the Python exit handlers run here (a worker's query pool closes in one),
    the logs and streams are flushed, and the process ends with ``os._exit``, which skips the C
    exit handlers. Nothing is left to them: the child never closes a RocksDB handle it did not
    open, and those it opened are read-only.
    """
    if not _ENGINE["inherited"]:
        return
    error = sys.exc_info()[1]
    if error is None:
        code = 0
    elif isinstance(error, SystemExit):
        code = error.code
    else:
        return  # an error on its way up: Python reports it, as it would anyway
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)  # what sys.exit("message") prints
        code = 1
    try:
        atexit._run_exitfuncs()
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


#: Handles a forked child inherited from its parent. They are never used or closed in the child
#: (closing a RocksDB handle joins threads that only exist in the parent); children that use the
#: store open their own.
_INHERITED: list[ox.Store] = []

#: Seconds between two looks, in one process, at whether the store served is still in place.
LOOK_INTERVAL = 1.0


def _identity(folder: Path) -> tuple[int, int] | None:
    """The database folder's device and inode (None when it is not there)."""
    try:
        st = (folder / DATABASE).stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


class DiskStore(Backend):
    """The read-only database of one store built by ``frkg load``, opened once in each process
    that uses it: a forked child never uses its parent's handle (RocksDB handles do not survive
    ``fork``).

    It is the store ``location`` led to when it was opened (``real``: a symlink switched later
    leads elsewhere), and it keeps looking, at most every :data:`LOOK_INTERVAL` seconds in each
    process, whether that store is still where it was:

    - when the folder is gone, or holds another load (deleted, or rebuilt in place by
      ``frkg load --store``), every read raises
      :class:`~frkg.store.BackendUnavailable` saying so, through a
      :class:`~frkg.store.breaker.CircuitBreaker` (``/health`` and the metrics read it as a
      remote endpoint's), and the handle is never used again: RocksDB reads table files as it
      first needs them, so an open handle on a deleted folder answers some reads and fails
      others. A store of the same data version put back at the same place is used again (the
      answers would be the same);
    - when ``location`` leads to another store, or to none, while the one served is still in
      place (``ln -sfn`` switched the symlink), it serves on and :attr:`stale` says what is
      there instead: a reload (SIGHUP, or ``--watch``) opens it.
    """

    kind = "disk"
    place = "in the on-disk store"

    def __init__(
        self,
        folder: Path,
        handle: ox.Store | None = None,
        *,
        record: LoadRecord | None = None,
        real: Path | None = None,
    ) -> None:
        self.location = str(folder)
        self.real = Path(real or folder)
        self.path = self.real / DATABASE
        self.version = record.version if record else ""
        self.base = record.base if record else None
        self._handle = handle
        self._lock = threading.Lock()
        self._look_lock = threading.Lock()
        self._identity = _identity(self.real)
        self._next_look = time.monotonic() + LOOK_INTERVAL
        #: Table files when opened: what a query worker may need to open them all later.
        self._tables = self._count_tables()
        self._records: dict[Path, tuple[tuple, str]] = {}
        self.breaker = CircuitBreaker(threshold=1, cooldown=LOOK_INTERVAL)
        #: What ``location`` leads to instead of the store served (None: to it).
        self.stale: str | None = None
        ref = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _after_fork(ref))

    def _forked(self) -> None:
        # A lock held by another thread at the fork stays locked in the child: make new ones.
        self._lock = threading.Lock()
        self._look_lock = threading.Lock()
        self.breaker.after_fork()
        if self._handle is not None:
            _INHERITED.append(self._handle)
            self._handle = None

    def _count_tables(self) -> int:
        try:
            return sum(1 for p in self.path.iterdir() if p.suffix == ".sst")
        except OSError:
            return 0

    def handle(self) -> ox.Store:
        """This process's read-only handle on the database (opened on first use); raises
        :class:`~frkg.store.BackendUnavailable` when the store is no longer in place."""
        self._guard()
        handle = self._handle
        if handle is None:
            with self._lock:
                if self._handle is None:
                    _engine_started()
                    try:
                        self._handle = ox.Store.read_only(str(self.path))
                    except OSError as e:  # removed since the last look
                        self.breaker.failure(f"the on-disk store {self.location}: {e}")
                        raise BackendUnavailable(self._down()) from None
                handle = self._handle
        return handle

    def local(self) -> ox.Store:
        """This process's handle."""
        return self.handle()

    def release(self) -> None:
        """Close this process's handle (a server's master, before it forks its workers)."""
        with self._lock:
            self._handle = None

    def prepare_worker(self) -> int:
        """Open the database in a new query worker; the number of further file descriptors it
        may need (RocksDB opens table files as queries first read them). A store that is not in
        place now is opened by the first query once it is back."""
        self.breaker.listeners.clear()  # the metrics are the web worker's to keep
        try:
            self.handle()
        except BackendUnavailable:
            return self._tables + DESCRIPTOR_SLACK
        return self._count_tables() + DESCRIPTOR_SLACK

    # -- is the store still in place? ---------------------------------------------------------

    def ping(self) -> bool:
        """Look now (unless looked at within :data:`LOOK_INTERVAL`, or the breaker is open)
        whether the store served is still in place; True when it is."""
        with self._look_lock:
            if self.breaker.state == CLOSED:
                if time.monotonic() < self._next_look:
                    return True
            elif not self.breaker.allow():
                return False
            self._next_look = time.monotonic() + LOOK_INTERVAL
            problem = self._look()
            if problem is None:
                self.breaker.success()
            else:
                self.breaker.failure(problem)
            return problem is None

    def _guard(self) -> None:
        if self.breaker.state == CLOSED and time.monotonic() < self._next_look:
            return
        if not self.ping():
            raise BackendUnavailable(self._down())

    def _down(self) -> str:
        return (
            f"{self.breaker.last_error}; this server serves data version {self.version} and "
            "answers again once that store is back in place (or a reload opens another)"
        )

    def _look(self) -> str | None:
        """Why the store served is not in place (None when it is); sets :attr:`stale`."""
        identity = _identity(self.real)
        if identity != self._identity:
            version = self._version_at(self.real)
            if version != self.version:
                where = f"{self.location}" + (
                    f" ({self.real})" if str(self.real) != self.location else ""
                )
                if version is None:
                    return f"the on-disk store {where} is gone: {self._why_not(self.real)}"
                return f"the on-disk store {where} was replaced by one of data version {version}"
            # The same data put back: read it from its new files, in this process and the
            # next ones.
            with self._lock:
                self._handle = None
                self._identity = identity
        self.stale = self._instead()
        return None

    def _instead(self) -> str | None:
        here = Path(self.location)
        try:
            leads_to = here.resolve()
        except OSError:
            leads_to = None
        if leads_to == self.real:
            return None
        version = self._version_at(here)
        now = f"data version {version}" if version else f"no store ({self._why_not(here)})"
        return (
            f"{self.location} now leads to {now}; data version {self.version} from {self.real} "
            "is served until a reload succeeds"
        )

    def _version_at(self, folder: Path) -> str | None:
        """The data version of the store in ``folder`` (None: none there), read again only
        when its load record changed."""
        try:
            st = (folder / RECORD).stat()
        except OSError:
            return None
        if _identity(folder) is None:
            return None
        key = (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)
        known = self._records.get(folder)
        if known is not None and known[0] == key:
            return known[1]
        try:
            version = read_record(folder, self.base).version
        except StoreError:
            version = None
        self._records[folder] = (key, version)
        return version

    def _why_not(self, folder: Path) -> str:
        try:
            read_record(folder, self.base)
        except StoreError as e:
            return str(e)
        return "it cannot be read"

    # -- the Store API ----------------------------------------------------------------------

    def query(self, query: str, **options):
        """``Store.query``."""
        return self.handle().query(query, **options)

    def quads_for_pattern(self, subject, predicate, object, graph_name=None) -> Iterator[ox.Quad]:  # noqa: A002
        """``Store.quads_for_pattern``."""
        return self.handle().quads_for_pattern(subject, predicate, object, graph_name)

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        """``Store.named_graphs``."""
        return self.handle().named_graphs()


def _after_fork(ref: weakref.ref[DiskStore]) -> None:
    store = ref()
    if store is not None:
        store._forked()
