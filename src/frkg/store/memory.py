"""The embedded default store: the files loaded into an in-memory pyoxigraph store at start-up.

Loading is :func:`frkg.store.files.fill`; :class:`MemoryStore` is the :class:`Backend` over the
result. Query worker processes are forked from the server, so they share the store's pages
copy-on-write (the store is never written after loading).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from frkg.config import Settings
from frkg.store.base import Backend, KnowledgeGraph
from frkg.store.files import ProgressCallback, fill, sources


class MemoryStore(Backend):
    """An in-memory pyoxigraph store as a :class:`Backend`."""

    kind = "memory"

    def __init__(self, store: ox.Store) -> None:
        self.oxigraph = store
        # Bound methods of the store itself: no wrapper on the hot path.
        self.query = store.query
        self.quads_for_pattern = store.quads_for_pattern
        self.named_graphs = store.named_graphs

    def local(self) -> ox.Store:
        """The store itself."""
        return self.oxigraph


def load(settings: Settings, progress: ProgressCallback | None = None) -> KnowledgeGraph:
    """Load the ontology, data and shapes named by ``settings`` into a new in-memory store.

    Raises :class:`~frkg.store.base.LoadError` for the first file that cannot be read or parsed;
    in that case nothing is returned, so a server never starts on half a dataset.
    """
    return load_files(sources(settings), settings.serving_base, progress)


def load_files(
    files: dict[str, list[Path]], base: str, progress: ProgressCallback | None = None
) -> KnowledgeGraph:
    """Load files grouped by kind (``ontology``, ``data``, ``shapes``) under serving ``base``."""
    store = ox.Store()
    filled = fill(store, files, base, progress=progress)
    return KnowledgeGraph(
        store=MemoryStore(store),
        base=base,
        files=filled.files,
        version=filled.version,
        modified=filled.modified,
        inferred_graph=filled.inferred_graph,
    )
