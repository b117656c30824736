"""Where the data lives: files -> a read-only store, behind one :class:`Backend` protocol.

:func:`open` is the one place that chooses the backend from the settings: the files loaded into
memory (:mod:`.memory`, the default), a persistent on-disk store (:mod:`.ondisk`) or a remote
SPARQL 1.1 endpoint (:mod:`.remote`). Everything above this package reads a
:class:`KnowledgeGraph` and never asks which backend it has, except through the protocol.
"""

from __future__ import annotations

from frkg.config import Settings
from frkg.store.base import (
    KINDS,
    Backend,
    BackendError,
    BackendRefused,
    BackendTimeout,
    BackendUnavailable,
    KnowledgeGraph,
    LoadedFile,
    LoadError,
)
from frkg.store.files import parse_file, sources
from frkg.store.memory import MemoryStore, load, load_files

__all__ = [
    "KINDS",
    "Backend",
    "BackendError",
    "BackendRefused",
    "BackendTimeout",
    "BackendUnavailable",
    "KnowledgeGraph",
    "LoadError",
    "LoadedFile",
    "MemoryStore",
    "load",
    "load_files",
    "open",
    "parse_file",
    "sources",
]


def open(settings: Settings) -> KnowledgeGraph:  # noqa: A001 - store.open(settings) reads well
    """The knowledge graph ``settings`` name: the on-disk store (``FRKG_STORE``), the SPARQL
    endpoint (``FRKG_SPARQL_ENDPOINT``), or else the files, loaded into memory.

    A store or endpoint holds the IRIs of one base: theirs, unless ``FRKG_BASE_IRI`` asks for one
    (then they must hold a load under it). Raises :class:`LoadError`,
    :class:`~frkg.store.ondisk.StoreError`, :class:`~frkg.store.loadrecord.RecordError` or
    :class:`BackendError` saying what is wrong.
    """
    base = settings.serving_base if settings.base_iri else None
    if settings.store:
        from frkg.store import ondisk

        return ondisk.open_store(settings.store, base)
    if settings.sparql_endpoint:
        from frkg.store import remote

        return remote.connect(
            settings.sparql_endpoint,
            base,
            timeout=settings.backend_timeout,
            query_timeout=settings.sparql_timeout,
        )
    return load(settings)
