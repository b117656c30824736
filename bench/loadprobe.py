"""Load RDF files one way in this (fresh) process; print seconds and peak memory as JSON.

    python -m bench.loadprobe frkg|frkg-rebased|pyoxigraph|pyoxigraph-bulk FILE...

``bench/run.py`` runs it once per way, each in its own process, so that peak memory (the
kernel's high-water mark of resident memory, ``VmHWM``) belongs to that load alone. Memory is
reported as the growth over what the process held after its imports. Files are given as
``KIND:PATH`` (``ontology:ontology/frkg.ttl``); every way puts each file in a named graph of its
own, as frkg does.

- ``frkg``: :func:`frkg.store.load_files` under the canonical base (what ``frkg serve
  --base-iri https://w3id.org/frkg/`` and production do).
- ``frkg-rebased``: the same under another base (``frkg serve`` without ``--base-iri``): every
  IRI is re-based in Python.
- ``pyoxigraph``: ``Store.load`` of each file, nothing else.
- ``pyoxigraph-bulk``: ``Store.bulk_load`` of each file.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from frkg import CANONICAL_BASE, store
from frkg.namespaces import GRAPH_PATH


def _status(field: str) -> int:
    """A memory figure of this process from /proc/self/status, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def main(way: str, specs: list[str]) -> None:
    """Load ``specs`` (``KIND:PATH``) the way named, then print the measurement."""
    files = [(kind, Path(path)) for kind, path in (s.split(":", 1) for s in specs)]
    before = _status("VmRSS")
    started = time.perf_counter()
    if way in ("frkg", "frkg-rebased"):
        sources: dict[str, list[Path]] = {}
        for kind, path in files:
            sources.setdefault(kind, []).append(path)
        base = CANONICAL_BASE if way == "frkg" else "http://127.0.0.1:8000/"
        kg = store.load_files(sources, base)
        triples = len(kg.store.local())
    elif way in ("pyoxigraph", "pyoxigraph-bulk"):
        st = ox.Store()
        for kind, path in files:
            graph = ox.NamedNode(f"{CANONICAL_BASE}{GRAPH_PATH}{kind}/{path.stem}")
            load = st.bulk_load if way == "pyoxigraph-bulk" else st.load
            load(path=path, format=ox.RdfFormat.TURTLE, base_iri=CANONICAL_BASE, to_graph=graph)
        triples = len(st)
    else:
        raise SystemExit(f"unknown way {way!r}")
    seconds = time.perf_counter() - started
    peak = _status("VmHWM")
    print(json.dumps({"way": way, "seconds": seconds, "bytes": peak - before, "quads": triples}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
