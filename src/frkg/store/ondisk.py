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

import os
import shutil
import tempfile
import threading
import traceback
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox

from frkg.store import loadrecord
from frkg.store.base import Backend, KnowledgeGraph, LoadedFile, count_triples
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


def open_store(directory: Path | str, base: str | None = None) -> KnowledgeGraph:
    """The knowledge graph in a store built by ``frkg load`` (the load under ``base`` if given).

    Raises :class:`StoreError` when the folder is missing, is not such a store, or holds no load
    under ``base``.
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
        record = loadrecord.find(record_store, base)
    except (SyntaxError, OSError, RecordError) as e:
        raise StoreError(f"{path}: {e}") from None
    try:
        handle = ox.Store.read_only(str(path / DATABASE))
    except OSError as e:
        raise StoreError(f"{path} cannot be opened as a store: {e}") from None
    return record.knowledge_graph(DiskStore(path, handle))


#: Handles a forked child inherited from its parent. They are never used or closed in the child
#: (closing a RocksDB handle joins threads that only exist in the parent); children that use the
#: store open their own.
_INHERITED: list[ox.Store] = []


class DiskStore(Backend):
    """The read-only database of the store folder ``folder``, opened once in each process that
    uses it: a forked child never uses its parent's handle (RocksDB handles do not survive
    ``fork``)."""

    kind = "disk"
    place = "in the on-disk store"

    def __init__(self, folder: Path, handle: ox.Store | None = None) -> None:
        self.location = str(folder)
        self.path = Path(folder) / DATABASE
        self._handle = handle
        self._lock = threading.Lock()
        ref = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _after_fork(ref))

    def _forked(self) -> None:
        # A lock held by another thread at the fork stays locked in the child: make a new one.
        self._lock = threading.Lock()
        if self._handle is not None:
            _INHERITED.append(self._handle)
            self._handle = None

    def handle(self) -> ox.Store:
        """This process's read-only handle on the database (opened on first use)."""
        handle = self._handle
        if handle is None:
            with self._lock:
                if self._handle is None:
                    self._handle = ox.Store.read_only(str(self.path))
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
        may need (RocksDB opens table files as queries first read them)."""
        self.handle()
        tables = sum(1 for p in self.path.iterdir() if p.suffix == ".sst")
        return tables + DESCRIPTOR_SLACK

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
