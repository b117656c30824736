"""The RDF dataset a query runs on, kept to the graphs of the published dataset.

A store built by ``frkg load`` holds a graph the dataset does not (its load record, see
:mod:`frkg.loadrecord`), and a remote endpoint may hold many more (Virtuoso's own graphs, other
datasets). For those stores the dataset that pyoxigraph's ``Store.query`` would use -- the union
of all graphs, the graphs the query names with ``FROM`` / ``FROM NAMED``, or those given as
``default_graph`` / ``named_graphs`` (the SPARQL Protocol's ``default-graph-uri`` and
``named-graph-uri``) -- is worked out here, with pyoxigraph's rules, and intersected with the
visible graphs. A graph that is not visible is an empty graph, as a graph the store does not
hold would be (SPARQL 1.1 Query section 13.2; Protocol section 2.1.4). So one query sees the same
graphs whether the store is in memory, on disk or remote. Nothing here imports Flask.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin

import pyoxigraph as ox

from frkg.sparql import tokens

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LOCAL_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class DatasetClause:
    """The ``FROM`` and ``FROM NAMED`` graphs a query names, and where they are in its text."""

    default: tuple[str, ...] = ()
    named: tuple[str, ...] = ()
    spans: tuple[tuple[int, int], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.spans)

    def strip(self, text: str) -> str:
        """``text`` without its dataset clauses (each replaced by a space)."""
        out, last = [], 0
        for start, end in self.spans:
            out.append(text[last:start])
            out.append(" ")
            last = end
        out.append(text[last:])
        return "".join(out)


def dataset_clause(
    text: str, base_iri: str | None = None, prefixes: Mapping[str, str] | None = None
) -> DatasetClause:
    """The dataset clauses of the query ``text``, their IRIs resolved.

    Prefixed names are expanded with the query's ``PREFIX`` declarations (after ``prefixes``, as
    pyoxigraph's ``prefixes`` argument), relative IRIs against ``BASE`` or ``base_iri``. A clause
    whose IRI cannot be resolved is left out: the query does not parse, and the parser says why.
    """
    known = dict(prefixes or {})
    base = base_iri
    found = list(tokens(text))
    default: list[str] = []
    named: list[str] = []
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(found):
        m = found[i]
        word = m.group().upper() if m.lastgroup == "word" else None
        after = found[i + 1] if i + 1 < len(found) else None
        if word == "PREFIX" and after is not None and after.lastgroup == "pname":
            value = found[i + 2] if i + 2 < len(found) else None
            if value is not None and value.lastgroup == "iri" and after.group().endswith(":"):
                resolved = _resolve(_iriref(value.group()), base)
                if resolved is not None:
                    known[after.group()[:-1]] = resolved
                i += 3
                continue
        if word == "BASE" and after is not None and after.lastgroup == "iri":
            base = _resolve(_iriref(after.group()), base) or base
            i += 2
            continue
        if word == "FROM":
            j = i + 1
            is_named = j < len(found) and found[j].group().upper() == "NAMED"
            if is_named:
                j += 1
            if j < len(found):
                source = found[j]
                iri = None
                if source.lastgroup == "iri":
                    iri = _resolve(_iriref(source.group()), base)
                elif source.lastgroup == "pname":
                    prefix, _, local = source.group().partition(":")
                    if prefix in known:
                        iri = known[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)
                if iri is not None:
                    (named if is_named else default).append(iri)
                    spans.append((m.start(), source.end()))
            i = j + 1
            continue
        i += 1
    return DatasetClause(tuple(default), tuple(named), tuple(spans))


def _iriref(token: str) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), token[1:-1])


def _resolve(iri: str, base: str | None) -> str | None:
    if _SCHEME.match(iri):
        return iri
    return urljoin(base, iri) if base else None


@dataclass(frozen=True)
class Scope:
    """The graphs a query runs on: merged into its default graph, and its named graphs."""

    default: tuple[ox.NamedNode, ...]
    named: tuple[ox.NamedNode, ...]
    clause: DatasetClause


def scope(
    text: str,
    visible: Iterable[ox.NamedNode],
    *,
    use_default_graph_as_union: bool = False,
    default_graph=None,
    named_graphs=None,
    base_iri: str | None = None,
    prefixes: Mapping[str, str] | None = None,
) -> Scope:
    """The dataset ``store.query(text, ...)`` would use on a pyoxigraph store, kept to ``visible``.

    pyoxigraph's rules: the union flag wins over everything; then ``default_graph`` and
    ``named_graphs`` (either one given replaces the query's own ``FROM`` clauses; the other is
    then the store's default graph, or all its graphs); then the query's ``FROM`` and ``FROM
    NAMED`` (one without the other leaves the other empty); and with none of these, the store's
    default graph (empty in these stores) and every graph as named graphs.
    """
    visible = tuple(visible)
    allowed = set(visible)
    clause = dataset_clause(text, base_iri, prefixes)

    def kept(graphs) -> tuple[ox.NamedNode, ...]:
        if graphs is None:
            return ()
        if not isinstance(graphs, list | tuple):
            graphs = [graphs]
        return tuple(dict.fromkeys(g for g in graphs if g in allowed))

    if use_default_graph_as_union:
        return Scope(visible, visible, clause)
    if default_graph is not None or named_graphs is not None:
        named = visible if named_graphs is None else kept(named_graphs)
        return Scope(kept(default_graph), named, clause)
    if clause:
        return Scope(
            kept([_node(g) for g in clause.default]), kept([_node(g) for g in clause.named]), clause
        )
    return Scope((), visible, clause)


def _node(iri: str) -> ox.NamedNode | None:
    try:
        return ox.NamedNode(iri)
    except ValueError:  # not an IRI: the parser will say so
        return None
