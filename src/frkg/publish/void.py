"""The dataset's VoID + DCAT description, generated from the loaded data, never hand-maintained.

What people decide (title, description, licence, publisher, creator, dates, version, keywords,
language) is read from the dataset node ``id:frkg`` in data/dataset.ttl. What the data decides is
computed here from :class:`frkg.publish.dataset.DatasetIndex` and the dumps: triple, entity, class
and property counts (W3C VoID, sections 4.5 and 4.6), class and property partitions, the
vocabularies used, the URI space, example resources, the SPARQL endpoint and the dumps with their
media types and byte sizes, both as VoID (``void:dataDump``) and as DCAT distributions (W3C DCAT 3,
section 6.8). Statistics written by hand in the data are left out, so a stale number can never be
served.

The description document is ``{base}void`` (``/void``, also ``/.well-known/void``, VoID section
7.2); it is about the dataset (``foaf:primaryTopic``). Nothing here imports Flask.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from frkg.labels import curie
from frkg.namespaces import DCAT, DCT, FOAF, OWL, RDF_TYPE, RDFS, SD, VOID, XSD, ontology_ns
from frkg.publish.dataset import DatasetIndex
from frkg.publish.describe import Describer, best_literal
from frkg.publish.dumps import DumpSet, dump_url
from frkg.publish.graphs import PARTS, GraphCatalog, part_iri
from frkg.publish.terms import Term

IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"

#: The path of the description document under the serving base.
VOID_PATH = "void"
#: The path of the SPARQL endpoint under the serving base.
SPARQL_PATH = "sparql"
#: How many example resources to name when the data names none.
EXAMPLES = 5

#: Properties of the dataset node that are computed here: hand-written values are dropped.
GENERATED = frozenset(
    VOID + p
    for p in (
        "triples",
        "entities",
        "classes",
        "properties",
        "distinctSubjects",
        "distinctObjects",
        "documents",
        "classPartition",
        "propertyPartition",
        "vocabulary",
        "dataDump",
        "sparqlEndpoint",
        "uriSpace",
        "feature",
    )
) | {DCAT + "distribution", DCAT + "landingPage"}


def void_iri(base: str) -> str:
    """The IRI of the VoID description document."""
    return base + VOID_PATH


def sparql_endpoint(base: str) -> str:
    """The IRI of the SPARQL endpoint the description names."""
    return base + SPARQL_PATH


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _count(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=_n(XSD + "integer"))


def _size(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=_n(XSD + "nonNegativeInteger"))


def example_resources(index: DatasetIndex) -> list[ox.NamedNode]:
    """Up to :data:`EXAMPLES` entities: the first (by IRI) of each of the largest own classes."""
    own = ontology_ns(index.base)
    classes = sorted(
        (c for c in index.class_sizes if c.startswith(own)),
        key=lambda c: (-index.class_sizes[c], c),
    )
    chosen: list[ox.NamedNode] = []
    for cls in classes:
        for entity in index.instances(cls):
            if entity not in chosen and entity.value != index.iri:
                chosen.append(entity)
                break
        if len(chosen) == EXAMPLES:
            break
    return chosen


def description(
    index: DatasetIndex,
    dumps: DumpSet,
    describer: Describer,
    graphs: GraphCatalog | None = None,
) -> list[ox.Quad]:
    r"""The VoID + DCAT description of the dataset, as quads in the default graph.

    ``id:frkg`` is the data and the links inferred from it (its two ``void:subset``\ s,
    ``{base}void#data`` and ``#inferred``); what the SPARQL endpoint holds,
    ``{base}void#endpoint``, is that and the ontology and the shapes (``#ontology``,
    ``#shapes``). Each part names its graphs (``sd:namedGraph``) and counts its triples.
    """
    base = index.base
    graphs = graphs or GraphCatalog(index.kg)
    ds = _n(index.iri)
    doc = _n(void_iri(base))
    out: list[ox.Quad] = []

    def add(s, p: str, o) -> None:
        out.append(ox.Quad(s, _n(p), o, ox.DefaultGraph()))

    own = [
        q
        for q in index.kg.store.quads_for_pattern(ds, None, None, None)
        if q.graph_name in set(index.data_graphs) and q.predicate.value not in GENERATED
    ]
    seen: set[tuple] = set()
    for q in own:
        if (q.predicate, q.object) not in seen:
            seen.add((q.predicate, q.object))
            add(ds, q.predicate.value, q.object)
    types = {q.object.value for q in own if q.predicate == RDF_TYPE}
    for cls in (VOID + "Dataset", DCAT + "Dataset"):
        if cls not in types:
            add(ds, RDF_TYPE.value, _n(cls))
    title = best_literal(own, (DCT + "title", RDFS + "label"))
    label = title.value if title is not None else "the dataset"

    # Who and what the description links to, named, so that the document stands alone.
    for node in dict.fromkeys(q.object for q in own if index.is_entity(q.object)):
        for q in index.kg.store.quads_for_pattern(node, None, None, None):
            if q.graph_name in set(index.data_graphs) and (
                q.predicate == RDF_TYPE or isinstance(q.object, ox.Literal)
            ):
                add(node, q.predicate.value, q.object)

    add(doc, RDF_TYPE.value, _n(VOID + "DatasetDescription"))
    add(doc, DCT + "title", ox.Literal(f"A VoID description of {label}", language="en"))
    add(doc, FOAF + "primaryTopic", ds)

    add(ds, DCAT + "landingPage", _n(base))
    version = best_literal(own, (OWL + "versionInfo",))
    if version is not None and not any(q.predicate.value == DCAT + "version" for q in own):
        add(ds, DCAT + "version", ox.Literal(version.value))

    # Statistics (VoID section 4.5).
    add(ds, VOID + "triples", _count(index.triple_count))
    add(ds, VOID + "entities", _count(index.entity_count))
    add(ds, VOID + "documents", _count(index.entity_count))
    add(ds, VOID + "classes", _count(len(index.class_sizes)))
    add(ds, VOID + "properties", _count(len(index.properties)))
    add(ds, VOID + "distinctSubjects", _count(index.distinct_subjects))
    add(ds, VOID + "distinctObjects", _count(index.distinct_objects))
    add(ds, VOID + "uriSpace", ox.Literal(index.entity_namespace))
    for ns in index.vocabularies():
        add(ds, VOID + "vocabulary", _n(ns))
    if not any(q.predicate.value == VOID + "exampleResource" for q in own):
        for entity in example_resources(index):
            add(ds, VOID + "exampleResource", entity)

    # Partitions (VoID section 4.6), as blank nodes named after what they partition by.
    for i, (cls, size) in enumerate(index.class_sizes.items()):
        part = ox.BlankNode(f"class{i}")
        add(ds, VOID + "classPartition", part)
        add(part, VOID + "class", _n(cls))
        add(part, VOID + "entities", _count(size))
    for i, (prop, stats) in enumerate(index.properties.items()):
        part = ox.BlankNode(f"property{i}")
        add(ds, VOID + "propertyPartition", part)
        add(part, VOID + "property", _n(prop))
        add(part, VOID + "triples", _count(stats.triples))
        add(part, VOID + "distinctSubjects", _count(stats.subjects))
        add(part, VOID + "distinctObjects", _count(stats.objects))

    # Access: the SPARQL endpoint (VoID 6.3; a DCAT data service) and the dumps (VoID 6.2, DCAT).
    endpoint = _n(sparql_endpoint(base))
    add(ds, VOID + "sparqlEndpoint", endpoint)
    add(endpoint, RDF_TYPE.value, _n(DCAT + "DataService"))
    add(endpoint, DCT + "title", ox.Literal(f"SPARQL endpoint of {label}", language="en"))
    add(endpoint, DCAT + "endpointURL", endpoint)
    add(endpoint, DCAT + "servesDataset", ds)
    add(endpoint, DCT + "conformsTo", _n(SPARQL_PROTOCOL))
    service = _n(f"{doc.value}#sparql")
    add(ds, DCAT + "distribution", service)
    add(service, RDF_TYPE.value, _n(DCAT + "Distribution"))
    add(service, DCT + "title", ox.Literal("SPARQL endpoint", language="en"))
    add(service, DCAT + "accessURL", endpoint)
    add(service, DCAT + "accessService", endpoint)

    whole = _n(part_iri(base, "endpoint"))
    _parts(add, ds, whole, endpoint, graphs, label)

    licences = [q.object for q in own if q.predicate.value == DCT + "license"]
    for dump in dumps:
        spec = dump.spec
        url = _n(dump_url(base, spec))
        holder = whole if spec.whole else ds
        add(holder, VOID + "dataDump", url)
        add(holder, VOID + "feature", _n(spec.format.iri))
        dist = _n(f"{doc.value}#{spec.filename}")
        add(holder, DCAT + "distribution", dist)
        add(dist, RDF_TYPE.value, _n(DCAT + "Distribution"))
        add(dist, DCT + "title", ox.Literal(f"{spec.title} dump", language="en"))
        add(dist, DCAT + "downloadURL", url)
        add(dist, DCAT + "accessURL", url)
        add(dist, DCAT + "mediaType", _n(IANA_MEDIA_TYPES + spec.format.media_type))
        add(dist, DCT + "format", _n(spec.format.iri))
        add(dist, DCAT + "byteSize", _size(dump.size))
        if spec.compressed:
            add(dist, DCAT + "compressFormat", _n(IANA_MEDIA_TYPES + "application/gzip"))
        for licence in licences:
            add(dist, DCT + "license", licence)
    return list(dict.fromkeys(out))


def _parts(add, ds, whole, endpoint, graphs: GraphCatalog, label: str) -> None:
    """The parts of the dataset and of what the endpoint holds, each with its graphs."""
    add(whole, RDF_TYPE.value, _n(VOID + "Dataset"))
    add(whole, RDF_TYPE.value, _n(SD + "Dataset"))
    add(
        whole,
        RDFS + "label",
        ox.Literal(f"Everything the SPARQL endpoint of {label} holds", language="en"),
    )
    add(
        whole,
        RDFS + "comment",
        ox.Literal(
            "The dataset (data and inferred links), the ontology and the shapes, one named "
            "graph per file; the endpoint's default graph is the union of them all "
            "(sd:UnionDefaultGraph).",
            language="en",
        ),
    )
    add(whole, VOID + "triples", _count(graphs.total_triples))
    add(whole, VOID + "sparqlEndpoint", endpoint)
    default_graph = ox.BlankNode("endpointDefaultGraph")
    add(whole, SD + "defaultGraph", default_graph)
    add(default_graph, RDF_TYPE.value, _n(SD + "Graph"))
    add(default_graph, VOID + "triples", _count(graphs.total_triples))
    add(whole, VOID + "subset", ds)
    for part, what in PARTS:
        node = _n(part_iri(graphs.base, part))
        add(ds if part in ("data", "inferred") else whole, VOID + "subset", node)
        add(node, RDF_TYPE.value, _n(VOID + "Dataset"))
        add(node, RDF_TYPE.value, _n(SD + "Dataset"))
        add(node, RDFS + "label", ox.Literal(f"The {part} part: {what}", language="en"))
        add(node, VOID + "triples", _count(graphs.part_triples[part]))
        for graph in graphs.in_part(part):
            g = _n(graph.iri)
            for holder in (node, whole):
                named = ox.BlankNode(f"named-{holder is whole}-{graph.name.replace('/', '-')}")
                add(holder, SD + "namedGraph", named)
                add(named, RDF_TYPE.value, _n(SD + "NamedGraph"))
                add(named, SD + "name", g)
                add(named, SD + "graph", g)
            add(g, RDF_TYPE.value, _n(SD + "Graph"))
            add(g, VOID + "triples", _count(graph.triples))


# -- the HTML view --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassRow:
    """One class partition: the class and how many entities are of it."""

    cls: Term
    entities: int


@dataclass(frozen=True)
class PropertyRow:
    """One property partition: the property, its triples, distinct subjects and objects."""

    prop: Term
    triples: int
    subjects: int
    objects: int


@dataclass(frozen=True)
class VoidView:
    """What the HTML rendering of the description shows."""

    dataset: Term
    title: str
    description: str | None
    facts: tuple[tuple[str, tuple[Term, ...]], ...]
    statistics: tuple[tuple[str, int], ...]
    vocabularies: tuple[tuple[str, str | None], ...]
    examples: tuple[Term, ...]
    classes: tuple[ClassRow, ...]
    properties: tuple[PropertyRow, ...]


def view(quads: list[ox.Quad], index: DatasetIndex, describer: Describer) -> VoidView:
    """The description as a page shows it, read back from its own quads."""
    ds = _n(index.iri)
    own = [q for q in quads if q.subject == ds]

    def values(p: str) -> tuple[Term, ...]:
        return tuple(describer.term(q.object) for q in own if q.predicate.value == p)

    title = best_literal(own, (DCT + "title", RDFS + "label"))
    text = best_literal(own, (DCT + "description",))
    facts = []
    for caption, prop in (
        ("Licence", DCT + "license"),
        ("Publisher", DCT + "publisher"),
        ("Creator", DCT + "creator"),
        ("Issued", DCT + "issued"),
        ("Modified", DCT + "modified"),
        ("Version", OWL + "versionInfo"),
        ("Language", DCT + "language"),
        ("Keywords", DCAT + "keyword"),
        ("URI space", VOID + "uriSpace"),
    ):
        found = values(prop)
        if found:
            facts.append((caption, found))
    stats = (
        ("triples", index.triple_count),
        ("entities", index.entity_count),
        ("classes", len(index.class_sizes)),
        ("properties", len(index.properties)),
        ("distinct subjects", index.distinct_subjects),
        ("distinct objects", index.distinct_objects),
    )
    prefixes = describer.prefixes
    vocabularies = tuple(
        (ns, next((p for p, v in prefixes.items() if v == ns), None)) for ns in index.vocabularies()
    )
    return VoidView(
        dataset=describer.term(ds),
        title=title.value if title is not None else "Dataset",
        description=text.value if text is not None else None,
        facts=tuple(facts),
        statistics=stats,
        vocabularies=vocabularies,
        examples=values(VOID + "exampleResource"),
        classes=tuple(
            ClassRow(describer.term(_n(c)), n)
            for c, n in sorted(index.class_sizes.items(), key=lambda kv: (-kv[1], kv[0]))
        ),
        properties=tuple(
            PropertyRow(describer.term(_n(p)), s.triples, s.subjects, s.objects)
            for p, s in sorted(
                index.properties.items(), key=lambda kv: curie(kv[0], prefixes) or kv[0]
            )
        ),
    )
