"""The load record: what a store built by ``frkg load`` says about itself, as a small RDF graph.

A server that opens a persistent store (``frkg serve --store``) or reads a remote SPARQL endpoint
(``frkg serve --sparql-endpoint``) does not see the Turtle files, yet it needs what a load in memory
learns from them: which named graph holds which file of which kind, how many triples each holds, the
data version (part of every ETag), the newest file's time (Last-Modified) and the base IRI the data
was written under. ``frkg load`` writes all of it as the named graph ``{base}graph/load`` -- in a
file next to an on-disk store (:mod:`frkg.store.ondisk`), among the graphs of the file for an
endpoint (:mod:`frkg.store.remote`)::

    <{base}graph/load> a load:Load ;
        load:base "{base}"^^xsd:anyURI ;
        load:version "3f2a9c0d1e8b7a65" ;
        dct:modified "2026-11-20T09:30:00Z"^^xsd:dateTime ;
        load:software "frkg 0.1.0" ;
        load:graph <{base}graph/ontology/frkg>, <{base}graph/data/agents>, ... .
    <{base}graph/data/agents> load:kind "data" ; load:file "data/agents.ttl" ;
        load:position 1 ; void:triples 173 ; load:seconds 0.0008 .
    <{base}graph/inferred> load:kind "inferred" ; void:triples 381 .

and, in a file meant for another engine (see :mod:`frkg.store.remote`), where blank nodes are
written as Skolem IRIs and the union of the graphs is written as one more graph, ``load:skolemPrefix
"{base}.well-known/genid/"`` and ``load:unionGraph <{base}graph/union>``. The record graph is never
part of the published dataset: queries, pages, dumps and VoID see only the graphs it lists.
``load:`` is ``https://w3id.org/frkg/load#``. Nothing here imports Flask.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from frkg import __version__
from frkg.namespaces import GRAPH_PATH, LOAD, RDF_TYPE, XSD
from frkg.store.base import KINDS, Backend, KnowledgeGraph, LoadedFile

VOID_TRIPLES = "http://rdfs.org/ns/void#triples"
DCT_MODIFIED = "http://purl.org/dc/terms/modified"
LOAD_CLASS = ox.NamedNode(LOAD + "Load")
#: The kind of the graph of materialised inverse links.
INFERRED = "inferred"


class RecordError(Exception):
    """A store holds no load record, several that do not say which to use, or a broken one."""


def record_graph(base: str) -> str:
    """The named graph of the load record: ``{base}graph/load``."""
    return f"{base}{GRAPH_PATH}load"


@dataclass(frozen=True)
class LoadRecord:
    """What ``frkg load`` recorded about the graphs it built."""

    base: str
    version: str
    modified: datetime
    files: tuple[LoadedFile, ...]
    inferred_graph: str
    inferred_triples: int
    #: Blank nodes are written as IRIs under this prefix ("" when they are kept).
    skolem_prefix: str = ""
    #: A graph holding the union of the dataset's graphs, for stores that are asked for it as
    #: their default graph ("" when there is none).
    union_graph: str = ""
    software: str = f"frkg {__version__}"

    @property
    def graph(self) -> str:
        """The IRI of the record's own graph (also the record's subject)."""
        return record_graph(self.base)

    def content_graphs(self) -> list[ox.NamedNode]:
        """Every graph of the dataset the record describes, the inferred one last."""
        graphs = [ox.NamedNode(f.graph) for f in self.files]
        return graphs + ([ox.NamedNode(self.inferred_graph)] if self.inferred_graph else [])

    def triple_counts(self) -> dict[str, int]:
        """Graph IRI -> how many triples the load put into it."""
        counts = {f.graph: f.triples for f in self.files}
        if self.inferred_graph:
            counts[self.inferred_graph] = self.inferred_triples
        return counts

    @classmethod
    def of(cls, kg: KnowledgeGraph, skolem_prefix: str = "", union_graph: str = "") -> LoadRecord:
        """The record of a knowledge graph loaded in memory (``inferred`` counted in its store)."""
        inferred = 0
        if kg.inferred_graph:
            (row,) = kg.store.query(
                f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{kg.inferred_graph}> {{ ?s ?p ?o }} }}"
            )
            inferred = int(row["n"].value)
        return cls(
            base=kg.base,
            version=kg.version,
            modified=kg.modified,
            files=tuple(kg.files),
            inferred_graph=kg.inferred_graph,
            inferred_triples=inferred,
            skolem_prefix=skolem_prefix,
            union_graph=union_graph,
        )

    def knowledge_graph(self, store: Backend) -> KnowledgeGraph:
        """The knowledge graph this record describes, read through ``store``."""
        return KnowledgeGraph(
            store=store,
            base=self.base,
            files=list(self.files),
            version=self.version,
            modified=self.modified,
            inferred_graph=self.inferred_graph,
        )

    # -- as RDF -----------------------------------------------------------------------------

    def quads(self) -> list[ox.Quad]:
        """The record as quads in its own graph."""
        graph = ox.NamedNode(self.graph)
        out: list[ox.Quad] = []

        def add(s: ox.NamedNode, p: str, o) -> None:
            out.append(ox.Quad(s, ox.NamedNode(p), o, graph))

        def typed(value: str, datatype: str) -> ox.Literal:
            return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))

        add(graph, RDF_TYPE.value, LOAD_CLASS)
        add(graph, LOAD + "base", typed(self.base, "anyURI"))
        add(graph, LOAD + "version", ox.Literal(self.version))
        add(graph, DCT_MODIFIED, typed(_timestamp(self.modified), "dateTime"))
        add(graph, LOAD + "software", ox.Literal(self.software))
        if self.skolem_prefix:
            add(graph, LOAD + "skolemPrefix", typed(self.skolem_prefix, "anyURI"))
        if self.union_graph:
            add(graph, LOAD + "unionGraph", ox.NamedNode(self.union_graph))
        for position, f in enumerate(self.files):
            node = ox.NamedNode(f.graph)
            add(graph, LOAD + "graph", node)
            add(node, LOAD + "kind", ox.Literal(f.kind))
            add(node, LOAD + "file", ox.Literal(f.path.as_posix()))
            add(node, LOAD + "position", typed(str(position), "integer"))
            add(node, VOID_TRIPLES, typed(str(f.triples), "integer"))
            add(node, LOAD + "seconds", typed(f"{f.seconds:.6f}", "decimal"))
        if self.inferred_graph:
            node = ox.NamedNode(self.inferred_graph)
            add(graph, LOAD + "graph", node)
            add(node, LOAD + "kind", ox.Literal(INFERRED))
            add(node, VOID_TRIPLES, typed(str(self.inferred_triples), "integer"))
        return out

    @classmethod
    def from_quads(cls, quads: Iterable[ox.Quad]) -> LoadRecord:
        """Read a record back from the quads of its graph; :class:`RecordError` if incomplete."""
        by_subject: dict[str, dict[str, list]] = {}
        record = None
        for q in quads:
            values = by_subject.setdefault(q.subject.value, {})
            values.setdefault(q.predicate.value, []).append(q.object)
            if q.predicate == RDF_TYPE and q.object == LOAD_CLASS:
                record = q.subject.value
        if record is None:
            raise RecordError("no load:Load in the graph")
        about = by_subject[record]

        def one(values: dict, prop: str, where: str) -> str:
            found = values.get(prop, [])
            if len(found) != 1:
                raise RecordError(f"the load record of {where} has {len(found)} values of <{prop}>")
            return found[0].value

        files: list[tuple[int, LoadedFile]] = []
        inferred, inferred_triples = "", 0
        for node in about.get(LOAD + "graph", []):
            graph = node.value
            values = by_subject.get(graph, {})
            kind = one(values, LOAD + "kind", graph)
            triples = int(one(values, VOID_TRIPLES, graph))
            if kind == INFERRED:
                inferred, inferred_triples = graph, triples
            elif kind in KINDS:
                position = int(one(values, LOAD + "position", graph))
                seconds = float(one(values, LOAD + "seconds", graph))
                path = Path(one(values, LOAD + "file", graph))
                files.append((position, LoadedFile(path, kind, graph, triples, seconds)))
            else:
                raise RecordError(f"the load record gives {graph} the unknown kind {kind!r}")
        skolem = about.get(LOAD + "skolemPrefix", [])
        union = about.get(LOAD + "unionGraph", [])
        try:
            modified = datetime.fromisoformat(one(about, DCT_MODIFIED, record))
        except ValueError as e:
            raise RecordError(f"the load record's modification time is not a date: {e}") from None
        return cls(
            base=one(about, LOAD + "base", record),
            version=one(about, LOAD + "version", record),
            modified=modified if modified.tzinfo else modified.replace(tzinfo=UTC),
            files=tuple(f for _, f in sorted(files, key=lambda item: item[0])),
            inferred_graph=inferred,
            inferred_triples=inferred_triples,
            skolem_prefix=skolem[0].value if skolem else "",
            union_graph=union[0].value if union else "",
            software=one(about, LOAD + "software", record),
        )


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def find(store, base: str | None = None) -> LoadRecord:
    """The load record in ``store`` (a pyoxigraph store or one with its ``quads_for_pattern``).

    With ``base``, the record of the load made under that base; without, the only record there
    is. Raises :class:`RecordError` saying what was found instead.
    """
    records: dict[str, ox.NamedNode] = {}
    for q in store.quads_for_pattern(None, RDF_TYPE, LOAD_CLASS, None):
        if isinstance(q.subject, ox.NamedNode) and q.graph_name == q.subject:
            records[q.subject.value] = q.subject
    if not records:
        raise RecordError(
            "it holds no load record (the graph {base}graph/load that frkg load writes)"
        )
    if base is not None:
        wanted = record_graph(base)
        if wanted not in records:
            found = ", ".join(sorted(g.removesuffix(f"{GRAPH_PATH}load") for g in records))
            raise RecordError(f"it holds no load made under the base {base}, only under {found}")
        chosen = records[wanted]
    elif len(records) > 1:
        found = ", ".join(sorted(g.removesuffix(f"{GRAPH_PATH}load") for g in records))
        raise RecordError(f"it holds loads under several bases ({found}); choose with --base-iri")
    else:
        (chosen,) = records.values()
    return LoadRecord.from_quads(store.quads_for_pattern(None, None, None, chosen))
