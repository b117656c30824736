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
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pyoxigraph as ox

from frkg.publish import browse, dumps, ontology_view, overview, search, shapes_view, void
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
    }

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        #: Seconds each part took to build, by name, in build order.
        self.timings: dict[str, float] = {}
        self._lock = threading.RLock()  # one build at a time: parts read each other

    @classmethod
    def build(cls, kg: KnowledgeGraph) -> Publication:
        """Every part for ``kg``, built now, reading it through :func:`reading_copy`."""
        with reading_copy(kg) as reader:
            publication = cls(reader)
            publication.warm()
        return publication

    @classmethod
    def lazy(cls, kg: KnowledgeGraph) -> Publication:
        """The parts for ``kg``, each built on first use; only the describer is built now.

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
                value = make(self)
                self.timings[self.PARTS[name]] = time.perf_counter() - started
            finally:
                if collecting:
                    gc.enable()
            self.__dict__[name] = value
            return value


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
