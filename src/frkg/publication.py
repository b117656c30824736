"""Everything published about one load, built once: the dataset index, dumps, VoID, search,
browsing, the home page's overview and the shapes reference, with what each cost to build.

The web app builds one :class:`Publication` at creation (before gunicorn forks its workers, so
they share it); ``frkg stats`` and ``frkg export`` build the parts they need the same way.
Nothing here imports Flask.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field

import pyoxigraph as ox

from frkg import browse, dumps, overview, search, shapedoc, void
from frkg.dataset import DatasetIndex
from frkg.describe import Describer
from frkg.store import KnowledgeGraph


@dataclass
class Publication:
    """The per-load indexes and documents of the discovery layer."""

    index: DatasetIndex
    dumps: dumps.DumpSet
    void: list[ox.Quad]
    search: search.SearchIndex
    browser: browse.Browser
    overview: overview.Overview
    shapes: shapedoc.ShapesView
    #: Seconds each part took to build, by name, in build order.
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def build(cls, kg: KnowledgeGraph, describer: Describer) -> Publication:
        """Build every part for ``kg`` (``describer`` is the one the entity pages use)."""
        timings: dict[str, float] = {}
        # Building makes millions of small objects and frees few: the cyclic garbage collector
        # would scan them again and again for nothing (a third of the time, measured), so it
        # waits until the end.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return cls._build(kg, describer, timings)
        finally:
            if collecting:
                gc.enable()

    @classmethod
    def _build(cls, kg: KnowledgeGraph, describer: Describer, timings: dict) -> Publication:

        def timed(name: str, make):
            started = time.perf_counter()
            result = make()
            timings[name] = time.perf_counter() - started
            return result

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
        shapes = timed("shapes reference", lambda: shapedoc.build(kg, describer))
        return cls(index, dump_set, description, search_index, browsing, home, shapes, timings)
