"""The RDF dataset a query runs on, kept to the graphs of the published dataset.

A store built by ``frkg load`` holds a graph the dataset does not (its load record, see
:mod:`frkg.store.loadrecord`), and a remote endpoint may hold many more (Virtuoso's own graphs,
other datasets). For those stores the dataset that pyoxigraph's ``Store.query`` would use -- the
union of all graphs, the graphs the query names with ``FROM`` / ``FROM NAMED``, or those given as
``default_graph`` / ``named_graphs`` (the SPARQL Protocol's ``default-graph-uri`` and
``named-graph-uri``) -- is worked out here, with pyoxigraph's rules, and intersected with the
visible graphs. A graph that is not visible is an empty graph, as a graph the store does not hold
would be (SPARQL 1.1 Query section 13.2; Protocol section 2.1.4). So one query sees the same graphs
whether the store is in memory, on disk or remote. The query's own ``FROM`` and ``FROM NAMED``
graphs come from its parse (:func:`frkg.sparql_syntax.parse`), never from a scan of its text.
Nothing here imports Flask.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from frkg.sparql_syntax import ParsedQuery


@dataclass(frozen=True)
class Scope:
    """The graphs a query runs on: merged into its default graph, and its named graphs."""

    default: tuple[ox.NamedNode, ...]
    named: tuple[ox.NamedNode, ...]


def scope(
    query: ParsedQuery,
    visible: Iterable[ox.NamedNode],
    *,
    use_default_graph_as_union: bool = False,
    default_graph=None,
    named_graphs=None,
) -> Scope:
    """The dataset ``store.query(query, ...)`` would use on a pyoxigraph store, kept to
    ``visible``.

    pyoxigraph's rules: the union flag wins over everything; then ``default_graph`` and
    ``named_graphs`` (either one given replaces the query's own ``FROM`` clauses; the other is
    then the store's default graph, or all its graphs); then the query's ``FROM`` and ``FROM
    NAMED`` (one without the other leaves the other empty); and with none of these, the store's
    default graph (empty in these stores) and every graph as named graphs.
    """
    visible = tuple(visible)
    allowed = set(visible)

    def kept(graphs) -> tuple[ox.NamedNode, ...]:
        if graphs is None:
            return ()
        if not isinstance(graphs, list | tuple):
            graphs = [graphs]
        return tuple(dict.fromkeys(g for g in graphs if g in allowed))

    if use_default_graph_as_union:
        return Scope(visible, visible)
    if default_graph is not None or named_graphs is not None:
        named = visible if named_graphs is None else kept(named_graphs)
        return Scope(kept(default_graph), named)
    if query.has_dataset_clause:
        return Scope(
            kept([_node(g) for g in query.default_graphs]),
            kept([_node(g) for g in query.named_graphs]),
        )
    return Scope((), visible)


def _node(iri: str) -> ox.NamedNode | None:
    try:
        return ox.NamedNode(iri)
    except ValueError:  # not an IRI: an empty graph
        return None
