"""The SPARQL 1.1 Service Description of the endpoint (section 3), its dataset in VoID."""

from __future__ import annotations

import pyoxigraph as ox

from frkg import formats, namespaces
from frkg.namespaces import DCT, RDF_TYPE, RDFS, SD, VOID, XSD_INTEGER
from frkg.store import KnowledgeGraph


def service_description(kg: KnowledgeGraph, endpoint: str) -> list[ox.Triple]:
    """An ``sd:Service`` for ``endpoint``: languages, result formats, features, default dataset.

    The default dataset is described with VoID: triple counts for the default graph (the union
    of all named graphs, hence ``sd:UnionDefaultGraph``) and for each named graph (one per
    loaded file, plus the graph of materialised inverses). It is ``{base}void#endpoint``, the
    node the VoID description (``/void``) counts with the same numbers and splits into parts.
    """
    store = kg.store
    service = ox.NamedNode(endpoint)
    dataset = ox.NamedNode(f"{kg.base}void#endpoint")
    default_graph = ox.BlankNode("defaultGraph")

    def sd(term: str) -> ox.NamedNode:
        return ox.NamedNode(SD + term)

    def count(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=XSD_INTEGER)

    def en(text: str) -> ox.Literal:
        return ox.Literal(text, language="en")

    triples = [
        ox.Triple(service, RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), service),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(
            service,
            sd("defaultEntailmentRegime"),
            ox.NamedNode("http://www.w3.org/ns/entailment/Simple"),
        ),
        ox.Triple(service, ox.NamedNode(RDFS + "label"), en("frkg SPARQL endpoint")),
        ox.Triple(
            service,
            ox.NamedNode(RDFS + "comment"),
            en(
                "A read-only SPARQL 1.1 query service. Updates and SERVICE clauses are refused; "
                "queries run under a time limit and answers are capped (see the "
                "FRKG-Results-Truncated response header)."
            ),
        ),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, RDF_TYPE, ox.NamedNode(VOID + "Dataset")),
        ox.Triple(dataset, ox.NamedNode(VOID + "sparqlEndpoint"), service),
        ox.Triple(dataset, sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, RDF_TYPE, sd("Graph")),
        ox.Triple(
            default_graph,
            ox.NamedNode(RDFS + "comment"),
            en("The union of all named graphs of this dataset."),
        ),
    ]
    triples += [
        ox.Triple(service, sd("resultFormat"), ox.NamedNode(f.iri))
        for f in (*formats.RESULT_FORMATS, *formats.GRAPH_FORMATS)
        if f.iri
    ]
    union = next(
        iter(
            store.query(
                "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { GRAPH ?g { ?s ?p ?o } } }"
            )
        )
    )["n"]
    triples.append(
        ox.Triple(default_graph, ox.NamedNode(VOID + "triples"), count(int(union.value)))
    )
    triples.append(ox.Triple(dataset, ox.NamedNode(VOID + "triples"), count(int(union.value))))
    triples.append(
        ox.Triple(dataset, ox.NamedNode(RDFS + "seeAlso"), ox.NamedNode(kg.base + "void"))
    )
    content = {g.value for g in kg.content_graphs()}
    per_graph = store.query(
        "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    )
    # Only the graphs the dataset holds (a remote endpoint's load record and union graph apart).
    per_graph = [row for row in per_graph if row["g"].value in content]
    for i, row in enumerate(per_graph):
        named, graph = ox.BlankNode(f"namedGraph{i}"), ox.BlankNode(f"graph{i}")
        triples += [
            ox.Triple(dataset, sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, sd("NamedGraph")),
            ox.Triple(named, sd("name"), row["g"]),
            ox.Triple(named, sd("graph"), graph),
            ox.Triple(graph, RDF_TYPE, sd("Graph")),
            ox.Triple(graph, ox.NamedNode(VOID + "triples"), count(int(row["n"].value))),
        ]
    # The dataset's own description (data/dataset.ttl), when it is loaded: say they are one.
    own = namespaces.entity_ns(kg.base) + "frkg"
    if store.query(f"ASK {{ GRAPH ?g {{ <{own}> a <{VOID}Dataset> }} }}"):
        triples.append(ox.Triple(dataset, ox.NamedNode(RDFS + "seeAlso"), ox.NamedNode(own)))
        for title in store.query(
            f"SELECT DISTINCT ?t {{ GRAPH ?g {{ <{own}> <{DCT}title> ?t }} }}"
        ):
            triples.append(ox.Triple(dataset, ox.NamedNode(DCT + "title"), title["t"]))
    return triples
