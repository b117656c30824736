"""IRI -> its description: the RDF document about a thing (its page's view model is
:mod:`frkg.publish.entity_view`; the terms pages show, :mod:`frkg.publish.terms`).

A description of ``{base}id/{slug}`` holds, from the ontology, data and inferred graphs:
its outgoing triples, the closure of the blank nodes they reach, its incoming links from named
things (a blank node's link belongs to the thing holding the blank node), the labels
of every neighbour, and document metadata in the default graph: the document
``{base}data/{slug}`` has the thing as ``foaf:primaryTopic``, belongs to the dataset
(``void:inDataset id:frkg``), carries the dataset's licence and lists its twins in other formats.

:class:`Describer` is built once per load (labels, inverse properties, licences); its methods
then only read the store. Nothing here imports Flask.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from frkg.formats import RDF_FORMATS
from frkg.labels import (
    LABEL_PROPERTIES,
    LabelIndex,
    curie,
    fallback_label,
    language_rank,
)
from frkg.namespaces import (
    DCT,
    FOAF,
    OWL_INVERSE_OF,
    RDF_TYPE,
    RDFS,
    SCHEMA,
    SKOS,
    VOID,
    dataset_iri,
    document_iri,
    entity_iri,
    entity_ns,
    ontology_ns,
    page_iri,
    prefixes,
)
from frkg.publish.terms import Group, Term, collection, is_web_address, literal_term
from frkg.store import KnowledgeGraph

# The terms of every document's metadata, made once.
_FOAF_DOCUMENT = ox.NamedNode(FOAF + "Document")
_RDFS_LABEL = ox.NamedNode(RDFS + "label")
_PRIMARY_TOPIC = ox.NamedNode(FOAF + "primaryTopic")
_IN_DATASET = ox.NamedNode(VOID + "inDataset")
_LICENSE = ox.NamedNode(DCT + "license")
_HAS_FORMAT = ox.NamedNode(DCT + "hasFormat")
_FORMAT = ox.NamedNode(DCT + "format")

#: Properties whose value is the one-line description shown under a page's heading.
DESCRIPTION_PROPERTIES = (
    RDFS + "comment",
    SKOS + "definition",
    DCT + "description",
    SCHEMA + "description",
)
LABEL_PROPERTIES_SHOWN_AS_HEADING = (RDFS + "label",)

#: Values shown per property on an entity page before "show all".
PAGE_LIMIT = 25
#: Values per page on a "show all" page.
LINKS_PAGE_SIZE = 500
#: How deep nested blank nodes are shown on a page (the RDF document holds the whole closure).
BLANK_NODE_DEPTH = 4


@dataclass(frozen=True)
class Description:
    """The RDF document about one thing: its quads, with the metadata in the default graph."""

    subject: ox.NamedNode
    slug: str
    document: ox.NamedNode
    quads: tuple[ox.Quad, ...]
    outgoing: tuple[ox.Quad, ...]
    incoming: tuple[ox.Quad, ...]
    closure: tuple[ox.Quad, ...]
    #: For a page's description of a thing with many links: ("out" or "in", property IRI) ->
    #: how many values the property has, where ``outgoing``/``incoming`` hold only the first.
    totals: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def triples(self) -> set[ox.Triple]:
        """The distinct triples of the document (what every format carries)."""
        return {ox.Triple(q.subject, q.predicate, q.object) for q in self.quads}


@dataclass(frozen=True)
class LinkSummary:
    """The links of a thing with more than :data:`PAGE_LIMIT` values of some property.

    Keyed by (direction "out" or "in", property IRI): ``large`` holds, for the properties
    with too many values to show, every value in page order; ``small`` holds the quads of
    every other property. Incoming links that an outgoing inverse link already says are left
    out of both (a page shows them once, as outgoing).
    """

    large: dict[tuple[str, str], tuple]
    small: dict[tuple[str, str], tuple[ox.Quad, ...]]


@dataclass
class Describer:
    """Describes the entities of one loaded knowledge graph; build once per load."""

    kg: KnowledgeGraph
    graphs: frozenset[ox.NamedNode] = field(init=False)
    labels: LabelIndex = field(init=False)
    prefixes: dict[str, str] = field(init=False)
    inverse: dict[str, str] = field(init=False)
    licences: tuple[ox.NamedNode, ...] = field(init=False)

    def __post_init__(self) -> None:
        kg = self.kg
        inferred = [ox.NamedNode(kg.inferred_graph)] if kg.inferred_graph else []
        # Shapes describe what data should look like, not the things: they stay out.
        self.graphs = frozenset(kg.graphs("ontology", "data") + inferred)
        self.labels = LabelIndex(kg.store, self.graphs)
        self.prefixes = prefixes(kg.base)
        self.inverse = {}
        for q in self._quads(None, OWL_INVERSE_OF, None):
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
                self.inverse[q.subject.value] = q.object.value
                self.inverse[q.object.value] = q.subject.value
        dataset = ox.NamedNode(dataset_iri(kg.base))
        self.licences = tuple(
            dict.fromkeys(
                q.object
                for q in self._quads(dataset, ox.NamedNode(DCT + "license"), None)
                if isinstance(q.object, ox.NamedNode)
            )
        )
        self._ontology_ns = ontology_ns(kg.base)
        self._entity_ns = entity_ns(kg.base)
        self._dataset = dataset
        # Outgoing properties a page reads whole, whatever their number of values: its heading,
        # types, description and statement card come from them.
        self._read_whole = frozenset(
            {
                RDF_TYPE.value,
                *DESCRIPTION_PROPERTIES,
                *LABEL_PROPERTIES,
                DCT + "date",
                DCT + "source",
                *(self._ontology_ns + p for p in STATEMENT_CARD_PROPERTIES),
            }
        )
        self._format_nodes = tuple((fmt, ox.NamedNode(fmt.iri)) for fmt in RDF_FORMATS)

    # -- the store, restricted to the described graphs -------------------------------------

    def _quads(self, s, p, o) -> Iterable[ox.Quad]:
        for q in self.kg.store.quads_for_pattern(s, p, o, None):
            if q.graph_name in self.graphs:
                yield q

    def _incoming(self, p, o) -> Iterable[ox.Quad]:
        """The links to ``o`` (by ``p``, or any) from named things. A blank node's link (a
        citation's ``prov:wasQuotedFrom``) is part of the description of the thing holding the
        blank node, as in a concise bounded description, not of the thing it points at."""
        return (q for q in self._quads(None, p, o) if not isinstance(q.subject, ox.BlankNode))

    def slug_of(self, iri: str) -> str | None:
        """The slug of an entity IRI under the serving base, or None."""
        if iri.startswith(self._entity_ns):
            slug = iri[len(self._entity_ns) :]
            if slug and "/" not in slug and "#" not in slug and "?" not in slug:
                return slug
        return None

    def exists(self, slug: str) -> bool:
        """True when ``{base}id/{slug}`` is the subject or object of any described triple."""
        try:
            node = ox.NamedNode(entity_iri(self.kg.base, slug))
        except ValueError:  # not a valid IRI: certainly not in the store
            return False
        return next(iter(self._quads(node, None, None)), None) is not None or (
            next(iter(self._quads(None, None, node)), None) is not None
        )

    # -- the RDF document -------------------------------------------------------------------

    def describe(self, slug: str, capped: bool = False) -> Description | None:
        """The document about ``{base}id/{slug}``, or None when nothing is known about it.

        ``capped``: the description a page shows. For a thing with more than
        :data:`PAGE_LIMIT` values of a property, only the first of them in page order are
        read (from :attr:`hubs`, built once per load), and ``totals`` counts them all; the
        thing's incoming links that an outgoing inverse link already says are left out.
        """
        try:
            subject = ox.NamedNode(entity_iri(self.kg.base, slug))
        except ValueError:  # not a valid IRI: certainly not in the store
            return None
        summary = self.hubs.get(subject.value) if capped else None
        totals: dict[tuple[str, str], int] = {}
        if summary is None:
            outgoing = tuple(self._quads(subject, None, None))
            incoming = tuple(self._incoming(None, subject))
        else:
            outgoing, incoming = self._capped_links(subject, summary, totals)
        if not outgoing and not incoming:
            return None
        starts = [q.object for q in outgoing if isinstance(q.object, ox.BlankNode)]
        starts += [q.subject for q in incoming if isinstance(q.subject, ox.BlankNode)]
        closure = tuple(self.blank_node_closure(starts))
        neighbours: dict[str, ox.NamedNode | ox.BlankNode] = {}
        for q in (*outgoing, *closure):
            if isinstance(q.object, ox.NamedNode) and q.object != subject:
                neighbours.setdefault(q.object.value, q.object)
        for q in incoming:
            if isinstance(q.subject, ox.NamedNode) and q.subject != subject:
                neighbours.setdefault(q.subject.value, q.subject)
        labels = [lq for n in neighbours.values() for lq in self.labels.quads(n)]
        document = ox.NamedNode(document_iri(self.kg.base, slug))
        metadata = self._metadata(subject, slug, document)
        quads = tuple(dict.fromkeys((*outgoing, *closure, *incoming, *labels, *metadata)))
        return Description(subject, slug, document, quads, outgoing, incoming, closure, totals)

    def _capped_links(
        self, subject: ox.NamedNode, summary: LinkSummary, totals: dict
    ) -> tuple[tuple[ox.Quad, ...], tuple[ox.Quad, ...]]:
        """A hub's outgoing and incoming quads as its page shows them; fills ``totals``."""
        default = ox.DefaultGraph()
        outgoing: list[ox.Quad] = []
        incoming: list[ox.Quad] = []
        for (direction, _), quads in summary.small.items():
            (outgoing if direction == "out" else incoming).extend(quads)
        for (direction, prop), values in summary.large.items():
            if not values:
                continue
            p = ox.NamedNode(prop)
            totals[(direction, prop)] = len(values)
            if direction == "out":
                outgoing += [ox.Quad(subject, p, v, default) for v in values[:PAGE_LIMIT]]
            else:
                incoming += [ox.Quad(v, p, subject, default) for v in values[:PAGE_LIMIT]]
        return tuple(outgoing), tuple(incoming)

    @functools.cached_property
    def hubs(self) -> dict[str, LinkSummary]:
        """Every entity with more than :data:`PAGE_LIMIT` values of a property, summarised.

        Built once per load (on first use; ``create_app`` builds it before the server forks).
        The store counts the values natively; only the large groups' values are read into
        Python, ordered once here instead of on every request for the page.
        """
        if not self.graphs:
            return {}
        graphs = " ".join(f"<{g.value}>" for g in sorted(self.graphs, key=lambda g: g.value))
        large: dict[str, set[tuple[str, str]]] = {}
        for direction, pattern in (("in", "?v ?p ?x FILTER(!isBlank(?v))"), ("out", "?x ?p ?v")):
            query = (
                f"SELECT ?x ?p WHERE {{ GRAPH ?g {{ {pattern} }} VALUES ?g {{ {graphs} }} "
                f'FILTER(isIRI(?x) && STRSTARTS(STR(?x), "{self._entity_ns}")) }} '
                f"GROUP BY ?x ?p HAVING (COUNT(DISTINCT ?v) > {PAGE_LIMIT})"
            )
            for row in self.kg.store.query(query):
                prop = row["p"].value
                if direction == "out" and prop in self._read_whole:
                    continue
                if self.slug_of(row["x"].value):
                    large.setdefault(row["x"].value, set()).add((direction, prop))
        found = {}
        for iri, groups in large.items():
            node = ox.NamedNode(iri)
            big: dict[tuple[str, str], tuple] = {}
            small: dict[tuple[str, str], tuple[ox.Quad, ...]] = {}
            for direction in ("out", "in"):
                for p in self._properties(node, direction):
                    if direction == "out":
                        quads = list(self._quads(node, p, None))
                        nodes = dict.fromkeys(q.object for q in quads)
                    else:
                        quads = list(self._incoming(p, node))
                        inverse = self.inverse.get(p.value)
                        if inverse is not None:
                            said = {
                                q.object for q in self._quads(node, ox.NamedNode(inverse), None)
                            }
                            quads = [q for q in quads if q.subject not in said]
                        nodes = dict.fromkeys(q.subject for q in quads)
                    if (direction, p.value) in groups:
                        big[(direction, p.value)] = tuple(sorted(nodes, key=self.node_order))
                    else:
                        small[(direction, p.value)] = tuple(quads)
            found[iri] = LinkSummary(big, small)
        return found

    def _properties(self, node: ox.NamedNode, direction: str) -> tuple[ox.NamedNode, ...]:
        """Every property of ``node`` in ``direction`` ("out" or "in"), found by the store."""
        graphs = " ".join(f"<{g.value}>" for g in self.graphs)
        pattern = (
            f"<{node.value}> ?p ?v"
            if direction == "out"
            else f"?v ?p <{node.value}> FILTER(!isBlank(?v))"
        )
        query = f"SELECT DISTINCT ?p WHERE {{ GRAPH ?g {{ {pattern} }} VALUES ?g {{ {graphs} }} }}"
        return tuple(row["p"] for row in self.kg.store.query(query))

    def blank_node_closure(self, starts: list) -> Iterable[ox.Quad]:
        """Every quad reachable from the blank nodes ``starts`` through blank-node objects."""
        seen: set[ox.BlankNode] = set()
        todo = list(starts)
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            for q in self._quads(node, None, None):
                yield q
                if isinstance(q.object, ox.BlankNode):
                    todo.append(q.object)

    def _metadata(self, subject: ox.NamedNode, slug: str, document: ox.NamedNode) -> list[ox.Quad]:
        base = self.kg.base
        default = ox.DefaultGraph()
        label = self.labels.text(subject, self.prefixes)
        out = [
            ox.Quad(document, RDF_TYPE, _FOAF_DOCUMENT, default),
            ox.Quad(
                document, _RDFS_LABEL, ox.Literal(f"Description of {label}", language="en"), default
            ),
            ox.Quad(document, _PRIMARY_TOPIC, subject, default),
            ox.Quad(document, _IN_DATASET, self._dataset, default),
        ]
        out += [ox.Quad(document, _LICENSE, licence, default) for licence in self.licences]
        page = ox.NamedNode(page_iri(base, slug))
        out += [
            ox.Quad(document, _HAS_FORMAT, page, default),
            ox.Quad(page, _PRIMARY_TOPIC, subject, default),
        ]
        for fmt, fmt_node in self._format_nodes:
            twin = ox.NamedNode(document_iri(base, slug, fmt.suffix))
            out.append(ox.Quad(document, _HAS_FORMAT, twin, default))
            out.append(ox.Quad(twin, _FORMAT, fmt_node, default))
        return out

    # -- the HTML view model ------------------------------------------------------------------

    def frkg(self, local: str) -> str:
        """The IRI of the frkg vocabulary term ``local`` under the serving base."""
        return self._ontology_ns + local

    def term(self, node, *, depth: int = 0, closure: dict | None = None) -> Term:
        """``node`` (IRI, blank node or literal) as a page shows it."""
        if isinstance(node, ox.Literal):
            return literal_term(node, self.prefixes)
        if isinstance(node, ox.BlankNode):
            if closure is not None and depth < BLANK_NODE_DEPTH:
                items = collection(node, closure)
                if items is not None:
                    terms = tuple(self.term(i, depth=depth + 1, closure=closure) for i in items)
                    return Term("list", node.value, ", ".join(t.label for t in terms), items=terms)
            children: tuple[Group, ...] = ()
            if closure is not None and depth < BLANK_NODE_DEPTH:
                children = self.group_values(closure.get(node, ()), "out", None, depth + 1, closure)
            label = self.labels.text(node, self.prefixes)
            return Term("bnode", node.value, label, children=children)
        iri = node.value
        label = self.labels.text(node, self.prefixes)
        slug = self.slug_of(iri)
        fragment = None
        if iri.startswith(self._ontology_ns) and len(iri) > len(self._ontology_ns):
            fragment = iri[len(self._ontology_ns) :]
        url = iri if is_web_address(iri) and slug is None and fragment is None else None
        return Term("iri", iri, label, slug, fragment, curie(iri, self.prefixes), url=url)

    def group_values(
        self,
        quads: Iterable[ox.Quad],
        direction: str,
        limit: int | None,
        depth: int,
        closure: dict,
        totals: dict | None = None,
    ) -> tuple[Group, ...]:
        """Quads grouped by property, values as terms (at most ``limit`` each), sources last.

        ``totals`` counts the values of properties of which ``quads`` hold only the first.
        """
        groups = []
        for prop, nodes in self._ordered(quads, direction, None).items():
            shown = nodes if limit is None else nodes[:limit]
            terms = tuple(self.term(n, depth=depth, closure=closure) for n in shown)
            total = (totals or {}).get((direction, prop.value), len(nodes))
            groups.append(Group(self.term(prop), terms, total, direction))
        groups.sort(key=lambda g: (g.property.value == DCT + "source", g.property.label.casefold()))
        return tuple(groups)

    def _ordered(self, quads: Iterable[ox.Quad], direction: str, limit: int | None) -> dict:
        """Property -> its distinct values (or subjects, for "in"), in page order."""
        by_property: dict[ox.NamedNode, list] = {}
        for q in quads:
            node = q.object if direction == "out" else q.subject
            by_property.setdefault(q.predicate, []).append(node)
        return {
            prop: sorted(dict.fromkeys(nodes), key=self.node_order)[:limit]
            for prop, nodes in by_property.items()
        }

    def node_order(self, node) -> tuple:
        """Sort key for values on a page: things by label, then blank nodes, then literals.

        Computed from the label index without building view terms, so that a hub's thousands of
        links are ordered cheaply and only the ones shown become terms.
        """
        if isinstance(node, ox.Literal):
            return (2, language_rank(node.language), node.value.casefold(), node.value)
        label = self.labels.best(node)
        text = label.text if label else fallback_label(node, self.prefixes)
        kind = 0 if isinstance(node, ox.NamedNode) else 1
        return (kind, language_rank(label.language if label else None), text.casefold(), node.value)

    def page_quads(self, description: Description, limit: int = PAGE_LIMIT) -> list[ox.Quad]:
        """The document as its page shows it, for the page's embedded JSON-LD.

        Equal to ``description.quads`` unless a property has more than ``limit`` values: then
        only the links the page shows are kept (with their labels), so a hub's page stays small;
        the full document is one link away.
        """
        dropped: set[tuple] = set()
        kept_nodes: set = set()
        for direction, quads in (("out", description.outgoing), ("in", description.incoming)):
            everything = self._ordered(quads, direction, None)
            for prop, nodes in everything.items():
                kept_nodes.update(nodes[:limit])
                for node in nodes[limit:]:
                    dropped.add((direction, prop, node))
        if not dropped:
            return list(description.quads)
        gone = {node for _, _, node in dropped} - kept_nodes
        subject = description.subject
        out = []
        for q in description.quads:
            if q.subject == subject and ("out", q.predicate, q.object) in dropped:
                continue
            if q.object == subject and ("in", q.predicate, q.subject) in dropped:
                continue
            if q.subject in gone and q.subject != subject:
                continue  # a dropped neighbour's labels
            out.append(q)
        return out


STATEMENT_CARD_PROPERTIES = ("verbatimText", "paraphraseText", "speaker", "speaksFor", "stance")


def distinct(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """Quads with one per triple (the same triple may come from several files)."""
    seen: dict[tuple, ox.Quad] = {}
    for q in quads:
        seen.setdefault((q.subject, q.predicate, q.object), q)
    return list(seen.values())


def best_literal(quads: list[ox.Quad], properties: tuple[str, ...]) -> ox.Literal | None:
    """The preferred literal among ``properties``' values: English first, then property order."""
    candidates = [
        q for q in quads if q.predicate.value in properties and isinstance(q.object, ox.Literal)
    ]
    if not candidates:
        return None
    best = min(
        candidates,
        key=lambda q: (
            language_rank(q.object.language),
            properties.index(q.predicate.value),
            q.object.value,
        ),
    )
    return best.object
