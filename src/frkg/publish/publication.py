"""Everything published about one load, built once: the describer (with its hub index), the
ontology reference, the dataset index, dumps, VoID, search, browsing, the home page's overview and
the shapes reference, with what each cost to build.

:class:`Publication` is the one place per-load state is built. The web app makes a lazy one
at creation (:meth:`Publication.lazy`: only the describer is built before gunicorn forks its
workers, so a server answers queries and entity pages within moments of loading), and each
worker warms the rest in the background (:meth:`Publication.warm`); a part read before it is
warm is built by its first reader. ``frkg stats`` and ``frkg export`` build the parts they need
with :func:`reading_copy` and the same classes.
Nothing here imports Flask.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import pickle
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from frkg import __version__, formats
from frkg.publish import (
    browse,
    dumps,
    ontology_view,
    overview,
    search,
    shapes_view,
    tracker,
    void,
)
from frkg.publish.dataset import DatasetIndex
from frkg.publish.describe import Describer
from frkg.publish.ontology_view import OntologyView
from frkg.store import KnowledgeGraph, MemoryStore


class _Part:
    """One part of a :class:`Publication`, built by ``make(publication)`` the first time it is
    read and kept in the instance afterwards (so later reads are plain attribute reads)."""

    def __init__(self, make: Callable[[Publication], Any]) -> None:
        self.make = make
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, publication: Publication | None, owner: type | None = None) -> Any:
        if publication is None:
            return self
        return publication._built(self.name, self.make)


def _browser(p: Publication) -> browse.Browser:
    made = browse.Browser(p.index, p.describer)
    made.citing_count(ox.NamedNode(p.index.iri))  # counts every source's citations now
    for c in p.index.listed_classes():
        made.listing(c, {}, 1)  # computes and keeps each listed class's facets
    return made


class Publication:
    """The per-load indexes and documents: entity descriptions, references and discovery.

    Each part is built on first use, once (a lock makes concurrent first readers wait for the
    one build), so that a server answers its first query or entity page without waiting for the
    discovery indexes; :meth:`warm` builds every part that is not built yet.
    """

    describer: Describer = _Part(lambda p: Describer(p.kg))
    ontology: OntologyView = _Part(lambda p: ontology_view.build(p.describer))
    index: DatasetIndex = _Part(lambda p: DatasetIndex(p.kg, p.describer.inverse))
    dumps: dumps.DumpSet = _Part(lambda p: dumps.DumpSet(p.index))
    void: list[ox.Quad] = _Part(lambda p: void.description(p.index, p.dumps, p.describer))
    search: search.SearchIndex = _Part(lambda p: search.from_dataset(p.index, p.describer))
    browser: browse.Browser = _Part(_browser)
    overview: overview.Overview = _Part(lambda p: overview.build(p.index, p.describer))
    shapes: shapes_view.ShapesView = _Part(lambda p: shapes_view.build(p.kg, p.describer))
    tracker: tracker.PolicyTracker = _Part(
        lambda p: tracker.PolicyTracker.build(p.index, p.describer)
    )
    actors: tracker.ActorTable = _Part(lambda p: tracker.ActorTable.build(p.index, p.describer))

    #: The parts in build order, with the names their timings are reported under.
    PARTS = {
        "describer": "describer and hub index",
        "ontology": "ontology reference",
        "index": "dataset index",
        "dumps": "dumps",
        "void": "VoID",
        "search": "search index",
        "browser": "class lists",
        "overview": "overview",
        "shapes": "shapes reference",
        "tracker": "policy tracker",
        "actors": "people and organizations",
    }

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        #: Seconds each part took to build (or to read, when saved), by name, in build order.
        self.timings: dict[str, float] = {}
        self._lock = threading.RLock()  # one build at a time: parts read each other
        self._saved = saved_parts(kg)

    @classmethod
    def build(cls, kg: KnowledgeGraph) -> Publication:
        """Every part for ``kg``, built now, reading it through :func:`reading_copy`."""
        with reading_copy(kg) as reader:
            publication = cls(reader)
            publication.warm()
        return publication

    @classmethod
    def lazy(cls, kg: KnowledgeGraph) -> Publication:
        """The parts for ``kg``, each made on first use; only the describer is made now.

        Over an on-disk store, parts are read from what ``frkg load`` saved beside it
        (:func:`save`) when that was saved for the same data and code; others are built.
        Over a remote endpoint everything is built now, from one snapshot of its data
        (:func:`reading_copy`): part by part, it would be thousands of round trips.
        """
        if kg.store.is_remote:
            return cls.build(kg)
        publication = cls(kg)
        publication.describer  # noqa: B018 - entity pages need it at once
        return publication

    def warm(self) -> None:
        """Build every part not built yet, in order."""
        for name in self.PARTS:
            getattr(self, name)

    @property
    def complete(self) -> bool:
        """True once every part is built."""
        return all(name in self.__dict__ for name in self.PARTS)

    def _built(self, name: str, make: Callable[[Publication], Any]) -> Any:
        with self._lock:
            if name in self.__dict__:  # built by another thread while this one waited
                return self.__dict__[name]
            # Building makes millions of small objects and frees few: the cyclic garbage
            # collector would scan them again and again for nothing (a third of the time,
            # measured), so it waits until the outermost build ends.
            collecting = gc.isenabled()
            gc.disable()
            try:
                started = time.perf_counter()
                saved = self._saved / f"{name}{PICKLE}" if self._saved else None
                if saved is not None and saved.is_file():
                    with open(saved, "rb") as f:
                        value = _Reader(f, self).load()
                else:
                    value = make(self)
                self.timings[self.PARTS[name]] = time.perf_counter() - started
            finally:
                if collecting:
                    gc.enable()
            self.__dict__[name] = value
            return value


# -- saved beside an on-disk store ----------------------------------------------------------------

#: The folder, inside an on-disk store's folder, that holds its saved publication.
SAVED = "publication"
MANIFEST = "manifest.json"
PICKLE = ".pickle"


def code_fingerprint() -> str:
    """A digest of frkg's version and source: saved parts are only read by the code that
    wrote them (a pickle holds the layout of the classes it was made with)."""
    digest = hashlib.sha256(__version__.encode())
    root = Path(__file__).resolve().parent.parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def save(publication: Publication, folder: Path) -> Path:
    """Write every part of ``publication`` (built now if need be) to ``folder/publication/``:
    one pickle per part, then the manifest that names the data version and code they are for.

    Called by ``frkg load --store`` before the store is moved into place. Returns the folder.
    """
    publication.warm()
    target = Path(folder) / SAVED
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name in Publication.PARTS:
        with open(target / f"{name}{PICKLE}", "wb") as f:
            _Writer(f, publication, name).dump(publication.__dict__[name])
    manifest = {
        "version": publication.kg.version,
        "base": publication.kg.base,
        "code": code_fingerprint(),
        "parts": list(Publication.PARTS),
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return target


def saved_parts(kg: KnowledgeGraph) -> Path | None:
    """The folder of parts saved beside ``kg``'s on-disk store for its data version and base
    and for this code, or None (then every part is built)."""
    if kg.store.kind != "disk":
        return None
    target = Path(kg.store.location) / SAVED
    try:
        manifest = json.loads((target / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    expected = {"version": kg.version, "base": kg.base, "code": code_fingerprint()}
    if any(manifest.get(k) != v for k, v in expected.items()):
        return None
    return target


_LOCKS = (type(threading.Lock()), type(threading.RLock()))


class _Writer(pickle.Pickler):
    """Pickles one part; the knowledge graph, the other parts, locks and formats by reference."""

    def __init__(self, f, publication: Publication, name: str) -> None:
        super().__init__(f, protocol=pickle.HIGHEST_PROTOCOL)
        self._refs = {id(publication.kg): ("kg",), id(publication.kg.store): ("store",)}
        for other in Publication.PARTS:
            if other != name:
                self._refs[id(publication.__dict__[other])] = ("part", other)

    def persistent_id(self, obj: Any) -> tuple | None:
        ref = self._refs.get(id(obj))
        if ref is not None:
            return ref
        if isinstance(obj, _LOCKS):
            return ("rlock",) if isinstance(obj, _LOCKS[1]) else ("lock",)
        if isinstance(obj, formats.Format):
            return ("format", obj.name)
        return None


class _Reader(pickle.Unpickler):
    """Reads a part :class:`_Writer` wrote, against the knowledge graph being served."""

    def __init__(self, f, publication: Publication) -> None:
        super().__init__(f)
        self._publication = publication

    def persistent_load(self, ref: tuple) -> Any:
        kind = ref[0]
        if kind == "kg":
            return self._publication.kg
        if kind == "store":
            return self._publication.kg.store
        if kind == "part":
            return getattr(self._publication, ref[1])
        if kind == "lock":
            return threading.Lock()
        if kind == "rlock":
            return threading.RLock()
        if kind == "format":
            return formats.by_name(ref[1])
        raise pickle.UnpicklingError(f"unknown reference {ref!r}")


@contextmanager
def reading_copy(kg: KnowledgeGraph) -> Iterator[KnowledgeGraph]:
    """A knowledge graph to build per-load state from, and to keep in it.

    For a remote endpoint it is a copy of ``kg`` whose store is a local snapshot of the data (one
    download instead of thousands of round trips) while the block runs, and ``kg``'s own store
    afterwards: what was built reads the endpoint at request time, and the snapshot is freed.
    Elsewhere it is ``kg`` itself.
    """
    if not kg.store.is_remote:
        yield kg
        return
    reader = dataclasses.replace(kg, store=MemoryStore(kg.store.local()))
    try:
        yield reader
    finally:
        reader.store = kg.store
