"""One truth about what the dataset holds: /sparql, /health, VoID (W3C VoID sections 4.5 and
6.2), the SPARQL 1.1 Service Description (section 3.2) and the endpoint dump agree, through
real HTTP."""

from __future__ import annotations

import gzip
import json
import re

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import URIRef

from frkg.sparql.examples import example_queries

from http_helpers import fetch, parse_rdf, sparql_select
from interop_clients import rows

VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
PARTS = ("data", "inferred", "ontology", "shapes")


def count(server: str, query: str) -> int:
    (row,) = sparql_select(server, query)
    return int(row["n"]["value"])


@pytest.fixture(scope="module")
def void(live_server) -> rdflib.Graph:
    return parse_rdf(fetch(live_server + "void.ttl").body, "text/turtle")


def test_health_void_service_description_and_count_star_agree(live_server, void):
    total = count(live_server, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    health = json.loads(fetch(live_server + "health").body)
    assert health["triples"] == total
    endpoint = URIRef(live_server + "void#endpoint")
    assert int(void.value(endpoint, VOID.triples)) == total
    sd = parse_rdf(fetch(live_server + "sparql", {"Accept": "text/turtle"}).body, "text/turtle")
    dataset = sd.value(URIRef(live_server + "sparql"), SD.defaultDataset)
    assert dataset == endpoint  # the service's default dataset is the node VoID describes
    assert int(sd.value(sd.value(dataset, SD.defaultGraph), VOID.triples)) == total
    assert (URIRef(live_server + "sparql"), SD.feature, SD.UnionDefaultGraph) in sd


def test_every_part_is_a_subset_with_its_graphs_and_counts(live_server, void):
    health = json.loads(fetch(live_server + "health").body)
    dataset = URIRef(live_server + "id/frkg")
    endpoint = URIRef(live_server + "void#endpoint")
    every_graph = {
        r["g"]["value"] for r in sparql_select(live_server, "SELECT DISTINCT ?g { GRAPH ?g {} }")
    }
    named_by_parts = set()
    for part in PARTS:
        node = URIRef(live_server + f"void#{part}")
        holder = dataset if part in ("data", "inferred") else endpoint
        assert (holder, VOID.subset, node) in void, part
        graphs = {str(void.value(n, SD.name)) for n in void.objects(node, SD.namedGraph)}
        assert graphs, part
        named_by_parts |= graphs
        values = " ".join(f"<{g}>" for g in graphs)
        expected = count(
            live_server,
            "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o "
            f"{{ GRAPH ?g {{ ?s ?p ?o }} VALUES ?g {{ {values} }} }} }}",
        )
        assert int(void.value(node, VOID.triples)) == expected == health["parts"][part], part
    assert named_by_parts == every_graph
    # The dataset (id:frkg) is the data and its inferred links, as the home page counts it.
    data_and_inferred = health["parts"]["data"] + health["parts"]["inferred"]
    assert int(void.value(dataset, VOID.triples)) == data_and_inferred
    assert (endpoint, VOID.subset, dataset) in void


# -- the endpoint dump: loaded anywhere, it answers as /sparql does ------------------------------


@pytest.fixture(scope="module")
def dumped_store(live_server, void) -> ox.Store:
    url = live_server + "dumps/frkg-endpoint.nq.gz"
    assert (URIRef(live_server + "void#endpoint"), VOID.dataDump, URIRef(url)) in void
    reply = fetch(url)
    assert reply.status == 200 and reply.media_type == "application/gzip"
    store = ox.Store()
    store.load(gzip.decompress(reply.body), format=ox.RdfFormat.N_QUADS)
    return store


def test_endpoint_dump_holds_every_graph_the_endpoint_holds(live_server, dumped_store):
    served = {
        r["g"]["value"] for r in sparql_select(live_server, "SELECT DISTINCT ?g { GRAPH ?g {} }")
    }
    assert {g.value for g in dumped_store.named_graphs()} == served
    total = count(live_server, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    assert len(set(q.triple for q in dumped_store)) == total


#: GROUP_CONCAT(...; separator="s") AS ?var: SPARQL 1.1 section 18.5.1.7 leaves the order of the
#: concatenated values undefined, so two stores may join them in different orders.
CONCAT = re.compile(r'GROUP_CONCAT\(.*?separator\s*=\s*"([^"]*)"\s*\)\s+AS\s+\?(\w+)', re.I)


def unordered_concat(bindings: list[dict], query: str) -> list[dict]:
    """``bindings`` with each GROUP_CONCAT value's parts sorted."""
    joined = {name: sep for sep, name in CONCAT.findall(query)}
    out = []
    for b in bindings:
        b = dict(b)
        for name, sep in joined.items():
            if name in b:
                b[name] = {**b[name], "value": sep.join(sorted(b[name]["value"].split(sep)))}
        out.append(b)
    return out


@pytest.mark.parametrize("example", example_queries(), ids=lambda e: e.name)
def test_endpoint_dump_answers_every_example_query_as_sparql_does(
    live_server, dumped_store, example
):
    query = example.for_base(live_server)
    via_endpoint = sparql_select(live_server, query)
    # The endpoint's default graph is the union of its named graphs (sd:UnionDefaultGraph).
    results = dumped_store.query(query, use_default_graph_as_union=True)
    names = [v.value for v in results.variables]
    local = json.loads(results.serialize(format=ox.QueryResultsFormat.JSON))
    assert len(via_endpoint) > 0, example.name
    assert rows(unordered_concat(local["results"]["bindings"], query), *names) == rows(
        unordered_concat(via_endpoint, query), *names
    )
