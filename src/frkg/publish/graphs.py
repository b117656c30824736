"""The named graphs of the dataset: what each holds, and the RDF that describes it.

Every graph the store holds is minted under ``{base}graph/``: one per loaded file
(``graph/{kind}/{stem}``) and ``graph/inferred`` for the links materialised from
``owl:inverseOf``. Each is a *part* of the dataset, ``{base}void#data``, ``#inferred``,
``#ontology`` or ``#shapes`` (the ``void:subset``\\ s of :mod:`frkg.publish.void`). The graph
IRI dereferences to this description; its content is served by the SPARQL 1.1 Graph Store
HTTP Protocol at ``{base}graph-store?graph={IRI}``. Built once per load; no Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import pyoxigraph as ox

from frkg.namespaces import DCT, GRAPH_PATH, RDF_TYPE, RDFS, SD, VOID, XSD_INTEGER
from frkg.store import KnowledgeGraph

#: The parts of the dataset, in the order descriptions list them: (name, what it holds).
PARTS = (
    ("data", "the knowledge graph's data files"),
    ("inferred", "the inverse links materialised from owl:inverseOf in the ontology"),
    ("ontology", "the vocabulary (OWL and SKOS)"),
    ("shapes", "the SHACL shapes the data is validated with"),
)
#: Where the Graph Store Protocol is served, under the serving base.
GRAPH_STORE_PATH = "graph-store"


def part_iri(base: str, part: str) -> str:
    """The IRI of one part of the dataset, described in VoID: ``{base}void#{part}``."""
    return f"{base}void#{part}"


def graph_store_url(base: str, graph: str | None = None) -> str:
    """The Graph Store Protocol URL of ``graph``'s content (``?default`` when None)."""
    if graph is None:
        return f"{base}{GRAPH_STORE_PATH}?default"
    return f"{base}{GRAPH_STORE_PATH}?graph={quote(graph, safe='')}"


@dataclass(frozen=True)
class NamedGraph:
    """One named graph: its IRI, the part it belongs to, its file and its counts."""

    iri: str
    name: str  # the IRI after {base}graph/: "data/agents", "inferred"
    part: str
    file: str  # the file's name ("" for the inferred links)
    triples: int
    subjects: int


class GraphCatalog:
    """Every named graph of one load, counted once."""

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.base = kg.base
        self.graphs: dict[str, NamedGraph] = {}
        files = {f.graph: f for f in kg.files}
        for node in kg.content_graphs():
            loaded = files.get(node.value)
            part = loaded.kind if loaded else "inferred"
            (row,) = kg.store.query(
                "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?s_) "
                f"{{ GRAPH <{node.value}> {{ ?s ?p ?o }} }}"
            )
            self.graphs[node.value] = NamedGraph(
                node.value,
                node.value[len(kg.base) + len(GRAPH_PATH) :],
                part,
                loaded.path.name if loaded else "",
                int(row["n"].value),
                int(row["s_"].value),
            )

        self.part_triples: dict[str, int] = {}
        for part, _ in PARTS:
            graphs = [g.iri for g in self.graphs.values() if g.part == part]
            self.part_triples[part] = _distinct_triples(kg, graphs)
        #: Distinct triples of every graph together: what the endpoint's default graph holds.
        self.total_triples = _distinct_triples(kg, list(self.graphs))

    def __iter__(self):
        return iter(self.graphs.values())

    def get(self, iri: str) -> NamedGraph | None:
        """The named graph called ``iri``, or None."""
        return self.graphs.get(iri)

    def by_name(self, name: str) -> NamedGraph | None:
        """The named graph ``{base}graph/{name}``, or None."""
        return self.graphs.get(f"{self.base}{GRAPH_PATH}{name}")

    def in_part(self, part: str) -> list[NamedGraph]:
        """The graphs of one part, by name."""
        return sorted((g for g in self if g.part == part), key=lambda g: g.name)

    def describe(self, graph: NamedGraph) -> list[ox.Quad]:
        """The RDF description of ``graph`` (default graph): what it is, holds and belongs to."""
        g = ox.NamedNode(graph.iri)
        what = dict(PARTS)[graph.part]
        label = f"Named graph {graph.name}" + (f", from {graph.file}" if graph.file else "")
        triples = [
            ox.Triple(g, RDF_TYPE, ox.NamedNode(SD + "Graph")),
            ox.Triple(g, RDF_TYPE, ox.NamedNode(VOID + "Dataset")),
            ox.Triple(g, ox.NamedNode(RDFS + "label"), ox.Literal(label, language="en")),
            ox.Triple(
                g,
                ox.NamedNode(RDFS + "comment"),
                ox.Literal(f"Part of {what}.", language="en"),
            ),
            ox.Triple(g, ox.NamedNode(VOID + "triples"), _count(graph.triples)),
            ox.Triple(g, ox.NamedNode(VOID + "distinctSubjects"), _count(graph.subjects)),
            ox.Triple(
                g, ox.NamedNode(DCT + "isPartOf"), ox.NamedNode(part_iri(self.base, graph.part))
            ),
            ox.Triple(
                g,
                ox.NamedNode(VOID + "dataDump"),
                ox.NamedNode(graph_store_url(self.base, graph.iri)),
            ),
        ]
        if graph.file:
            triples.append(ox.Triple(g, ox.NamedNode(DCT + "source"), ox.Literal(graph.file)))
        return [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]

    def describe_all(self) -> list[ox.Quad]:
        """Every graph's description, and the list of them (``{base}graph/``)."""
        listing = ox.NamedNode(f"{self.base}{GRAPH_PATH}")
        out = [
            ox.Quad(listing, RDF_TYPE, ox.NamedNode(SD + "GraphCollection")),
            ox.Quad(
                listing,
                ox.NamedNode(RDFS + "label"),
                ox.Literal("The named graphs of the frkg dataset", language="en"),
            ),
        ]
        for graph in self:
            named = ox.BlankNode()
            out += [
                ox.Quad(listing, ox.NamedNode(SD + "namedGraph"), named),
                ox.Quad(named, RDF_TYPE, ox.NamedNode(SD + "NamedGraph")),
                ox.Quad(named, ox.NamedNode(SD + "name"), ox.NamedNode(graph.iri)),
                ox.Quad(named, ox.NamedNode(SD + "graph"), ox.NamedNode(graph.iri)),
                *self.describe(graph),
            ]
        return out


def _distinct_triples(kg: KnowledgeGraph, graphs: list[str]) -> int:
    """Distinct triples over ``graphs`` (a triple in two graphs counts once)."""
    if not graphs:
        return 0
    values = " ".join(f"<{g}>" for g in graphs)
    (row,) = kg.store.query(
        "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o "
        f"{{ GRAPH ?g {{ ?s ?p ?o }} VALUES ?g {{ {values} }} }} }}"
    )
    return int(row["n"].value)


def _count(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=XSD_INTEGER)
