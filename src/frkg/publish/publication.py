"""Everything published about one load, built once: the describer (with its hub index), the
ontology reference, the dataset index, dumps, VoID, search, browsing, the home page's overview and
the shapes reference, with what each cost to build.

:meth:`Publication.build` is the one place per-load state is built. The web app builds one at
creation (before gunicorn forks its workers, so they share it); ``frkg stats`` and ``frkg
export`` build the parts they need with :func:`reading_copy` and the same classes.
Nothing here imports Flask.
"""

from __future__ import annotations

import dataclasses
import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pyoxigraph as ox

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


@dataclass
class Publication:
    """The per-load indexes and documents: entity descriptions, references and discovery."""

    describer: Describer
    ontology: OntologyView
    index: DatasetIndex
    dumps: dumps.DumpSet
    void: list[ox.Quad]
    search: search.SearchIndex
    browser: browse.Browser
    overview: overview.Overview
    shapes: shapes_view.ShapesView
    tracker: tracker.PolicyTracker
    actors: tracker.ActorTable
    #: Seconds each part took to build, by name, in build order.
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def build(cls, kg: KnowledgeGraph) -> Publication:
        """Build every part for ``kg``, reading it through :func:`reading_copy`."""
        timings: dict[str, float] = {}
        # Building makes millions of small objects and frees few: the cyclic garbage collector
        # would scan them again and again for nothing (a third of the time, measured), so it
        # waits until the end.
        collecting = gc.isenabled()
        gc.disable()
        try:
            with reading_copy(kg) as reader:
                return cls._build(reader, timings)
        finally:
            if collecting:
                gc.enable()

    @classmethod
    def _build(cls, kg: KnowledgeGraph, timings: dict) -> Publication:

        def timed(name: str, make):
            started = time.perf_counter()
            result = make()
            timings[name] = time.perf_counter() - started
            return result

        describer = timed("describer and hub index", lambda: Describer(kg))
        ontology = timed("ontology reference", lambda: ontology_view.build(describer))
        index = timed("dataset index", lambda: DatasetIndex(kg, describer.inverse))
        dump_set = timed("dumps", lambda: dumps.DumpSet(index))
        description = timed("VoID", lambda: void.description(index, dump_set, describer))
        search_index = timed("search index", lambda: search.from_dataset(index, describer))

        def browser() -> browse.Browser:
            made = browse.Browser(index, describer)
            made.citing_count(ox.NamedNode(index.iri))  # counts every source's citations now
            for c in index.listed_classes():
                made.listing(c, {}, 1)  # computes and keeps each listed class's facets
            return made

        browsing = timed("class lists", browser)
        home = timed("overview", lambda: overview.build(index, describer))
        shapes = timed("shapes reference", lambda: shapes_view.build(kg, describer))
        policies = timed("policy tracker", lambda: tracker.PolicyTracker.build(index, describer))
        actors = timed(
            "people and organizations", lambda: tracker.ActorTable.build(index, describer)
        )
        return cls(
            describer,
            ontology,
            index,
            dump_set,
            description,
            search_index,
            browsing,
            home,
            shapes,
            policies,
            actors,
            timings,
        )


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
