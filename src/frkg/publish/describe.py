"""IRI -> its description: the RDF document about a thing, and the view model of its HTML page.

A description of ``{base}id/{slug}`` holds, from the ontology, data and inferred graphs:
its outgoing triples, the closure of the blank nodes they reach, its incoming links, the labels
of every neighbour, and document metadata in the default graph: the document
``{base}data/{slug}`` has the thing as ``foaf:primaryTopic``, belongs to the dataset
(``void:inDataset id:frkg``), carries the dataset's licence and lists its twins in other formats.

:class:`Describer` is built once per load (labels, inverse properties, licences); its methods
then only read the store. Nothing here imports Flask.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import pyoxigraph as ox

from frkg import CANONICAL_BASE
from frkg.formats import RDF_FORMATS
from frkg.labels import (
    LABEL_PROPERTIES,
    Label,
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
    XSD,
    dataset_iri,
    document_iri,
    entity_iri,
    entity_ns,
    ontology_ns,
    page_iri,
    prefixes,
)
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
class Term:
    """An RDF term as a page shows it."""

    kind: str  # "iri", "bnode", "list" (an RDF collection) or "literal"
    value: str  # the IRI, blank node id or lexical form
    label: str  # what to show
    slug: str | None = None  # {base}id/{slug}: links to its page
    fragment: str | None = None  # {base}ontology#{fragment}: links into the ontology page
    curie: str | None = None
    language: str | None = None
    datatype: str | None = None  # prefixed name (or IRI) of a literal's datatype
    machine: str | None = None  # ISO date or time for <time datetime>, when the value is one
    url: str | None = None  # an http(s) address to open: the IRI itself or a source's schema:url
    children: tuple[Group, ...] = ()  # what a blank node says
    items: tuple[Term, ...] = ()  # the members of an RDF collection (kind "list")

    @property
    def is_literal(self) -> bool:
        """True for literals."""
        return self.kind == "literal"


@dataclass(frozen=True)
class Group:
    """The values of one property of a thing (outgoing) or the things pointing at it (incoming)."""

    property: Term
    values: tuple[Term, ...]
    total: int
    direction: str = "out"  # "out" or "in"

    @property
    def more(self) -> bool:
        """True when the page shows fewer values than there are."""
        return self.total > len(self.values)


@dataclass(frozen=True)
class StatementView:
    """What a quote or paraphrase says, who said it, for whom, when, with which stance, where."""

    kind: str  # "quote" or "paraphrase"
    text: tuple[Term, ...]
    speakers: tuple[Term, ...]
    organizations: tuple[Term, ...]
    dates: tuple[Term, ...]
    stances: tuple[Term, ...]
    sources: tuple[Term, ...]


@dataclass(frozen=True)
class EntityView:
    """The view model of an entity page."""

    slug: str
    iri: str
    canonical_iri: str
    label: Label
    types: tuple[Term, ...]
    description: Term | None
    statement: StatementView | None
    properties: tuple[Group, ...]
    incoming: tuple[Group, ...]


@dataclass(frozen=True)
class LinkPage:
    """One page of every value of one property of a thing ("show all")."""

    entity: Term
    property: Term
    direction: str
    values: tuple[Term, ...]
    total: int
    page: int
    pages: int


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
            incoming = tuple(self._quads(None, None, subject))
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
        for direction, pattern in (("in", "?v ?p ?x"), ("out", "?x ?p ?v")):
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
                        quads = list(self._quads(None, p, node))
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
        pattern = f"<{node.value}> ?p ?v" if direction == "out" else f"?v ?p <{node.value}>"
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

    def term(self, node, *, depth: int = 0, closure: dict | None = None) -> Term:
        """``node`` (IRI, blank node or literal) as a page shows it."""
        if isinstance(node, ox.Literal):
            return literal_term(node, self.prefixes)
        if isinstance(node, ox.BlankNode):
            if closure is not None and depth < BLANK_NODE_DEPTH:
                items = _collection(node, closure)
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
        url = iri if _is_web_address(iri) and slug is None and fragment is None else None
        return Term("iri", iri, label, slug, fragment, curie(iri, self.prefixes), url=url)

    def view(self, description: Description, limit: int = PAGE_LIMIT) -> EntityView:
        """The view model of the page about ``description``'s thing."""
        subject = description.subject
        closure: dict[ox.BlankNode, list[ox.Quad]] = {}
        for q in distinct(description.closure):
            closure.setdefault(q.subject, []).append(q)
        outgoing = distinct(description.outgoing)
        label = self.labels.best(subject) or Label(fallback_label(subject, self.prefixes))
        types = tuple(
            sorted(
                (self.term(q.object) for q in outgoing if q.predicate == RDF_TYPE),
                key=lambda t: t.label.casefold(),
            )
        )
        description_literal = best_literal(outgoing, DESCRIPTION_PROPERTIES)
        hidden: set[ox.Triple] = {
            ox.Triple(q.subject, q.predicate, q.object)
            for q in outgoing
            if q.predicate == RDF_TYPE
            or (q.object == description_literal and q.predicate.value in DESCRIPTION_PROPERTIES)
            or (
                isinstance(q.object, ox.Literal)
                and q.predicate.value in LABEL_PROPERTIES_SHOWN_AS_HEADING
                and q.object.value == label.text
                and q.object.language == label.language
            )
        }
        statement = self._statement(outgoing)
        if statement is not None:
            shown = {self._frkg(p) for p in STATEMENT_CARD_PROPERTIES} | {
                DCT + "date",
                DCT + "source",
            }
            hidden |= {
                ox.Triple(q.subject, q.predicate, q.object)
                for q in outgoing
                if q.predicate.value in shown
            }
        shown_out = [
            q for q in outgoing if ox.Triple(q.subject, q.predicate, q.object) not in hidden
        ]
        totals = description.totals
        properties = self.group_values(shown_out, "out", limit, 0, closure, totals)
        # An incoming link whose inverse is already an outgoing value (materialised from
        # owl:inverseOf) is the same fact seen from the other side: show it once.
        mirrored = {
            (self.inverse.get(q.predicate.value), q.object)
            for q in outgoing
            if q.predicate.value in self.inverse
        }
        incoming = [
            q
            for q in distinct(description.incoming)
            if (q.predicate.value, q.subject) not in mirrored
        ]
        incoming_groups = self.group_values(incoming, "in", limit, 0, closure, totals)
        return EntityView(
            slug=description.slug,
            iri=subject.value,
            canonical_iri=entity_iri(CANONICAL_BASE, description.slug),
            label=label,
            types=types,
            description=literal_term(description_literal, self.prefixes)
            if description_literal is not None
            else None,
            statement=statement,
            properties=properties,
            incoming=incoming_groups,
        )

    def _frkg(self, local: str) -> str:
        return self._ontology_ns + local

    def _statement(self, outgoing: list[ox.Quad]) -> StatementView | None:
        def values(prop: str) -> list:
            return [q.object for q in outgoing if q.predicate.value == prop]

        verbatim = values(self._frkg("verbatimText"))
        paraphrase = values(self._frkg("paraphraseText"))
        types = {q.object.value for q in outgoing if q.predicate == RDF_TYPE}
        if verbatim or self._frkg("Quote") in types:
            kind, text = "quote", verbatim
        elif paraphrase or self._frkg("Paraphrase") in types:
            kind, text = "paraphrase", paraphrase
        else:
            return None

        def terms(nodes: list) -> tuple[Term, ...]:
            return tuple(sorted((self.term(n) for n in nodes), key=_value_order))

        sources = tuple(self._with_url(t) for t in terms(values(DCT + "source")))
        return StatementView(
            kind=kind,
            text=tuple(literal_term(t, self.prefixes) for t in text if isinstance(t, ox.Literal)),
            speakers=terms(values(self._frkg("speaker"))),
            organizations=terms(values(self._frkg("speaksFor"))),
            dates=terms(values(DCT + "date")),
            stances=terms(values(self._frkg("stance"))),
            sources=sources,
        )

    def _with_url(self, term: Term) -> Term:
        """A source term with its ``schema:url`` (the original document) when it has one."""
        if term.kind != "iri":
            return term
        for q in self._quads(ox.NamedNode(term.value), ox.NamedNode(SCHEMA + "url"), None):
            if _is_web_address(q.object.value):
                return replace(term, url=q.object.value)
        return term

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

    def links(
        self, slug: str, prop: str, direction: str, page: int = 1, size: int = LINKS_PAGE_SIZE
    ) -> LinkPage | None:
        """Page ``page`` of every value of ``prop`` (``direction`` "out" or "in") of a thing.

        None when the thing is unknown or has no such link; pages past the end are empty.
        """
        try:
            subject = ox.NamedNode(entity_iri(self.kg.base, slug))
            predicate = ox.NamedNode(prop)
        except ValueError:
            return None
        summary = self.hubs.get(subject.value)
        ordered = summary.large.get((direction, prop)) if summary is not None else None
        if ordered is not None and direction == "out":
            nodes = list(ordered)
        else:
            # Incoming links are all listed here, those an inverse link mirrors too.
            if direction == "out":
                found = [q.object for q in self._quads(subject, predicate, None)]
            else:
                found = [q.subject for q in self._quads(None, predicate, subject)]
            nodes = sorted(dict.fromkeys(found), key=self.node_order)
        if not nodes:
            return None
        pages = max(1, -(-len(nodes) // size))
        start = (page - 1) * size
        return LinkPage(
            entity=self.term(subject),
            property=self.term(predicate),
            direction=direction,
            values=tuple(self.term(n) for n in nodes[start : start + size]),
            total=len(nodes),
            page=page,
            pages=pages,
        )


STATEMENT_CARD_PROPERTIES = ("verbatimText", "paraphraseText", "speaker", "speaksFor", "stance")

RDF_FIRST = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#first")
RDF_REST = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#rest")
RDF_NIL = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#nil")


def _collection(head: ox.BlankNode, closure: dict) -> list | None:
    """The members of the well-formed RDF collection starting at ``head``, else None."""
    items: list = []
    node, seen = head, set()
    while node != RDF_NIL:
        if not isinstance(node, ox.BlankNode) or node in seen:
            return None
        seen.add(node)
        quads = closure.get(node, ())
        first = [q.object for q in quads if q.predicate == RDF_FIRST]
        rest = [q.object for q in quads if q.predicate == RDF_REST]
        if len(first) != 1 or len(rest) != 1 or len(quads) != 2:
            return None
        items.append(first[0])
        node = rest[0]
    return items


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


def _value_order(term: Term) -> tuple:
    kind = {"iri": 0, "bnode": 1, "list": 1, "literal": 2}[term.kind]
    return (kind, language_rank(term.language), term.label.casefold(), term.value)


def _is_web_address(value: str) -> bool:
    # Only http(s) values become links: a "javascript:" or "data:" IRI in the data stays text.
    return value.startswith(("http://", "https://"))


# -- literals ----------------------------------------------------------------------------------

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DATE = re.compile(r"^(-?\d{4,})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$")
_YEAR_MONTH = re.compile(r"^(-?\d{4,})-(\d{2})(Z|[+-]\d{2}:\d{2})?$")
_YEAR = re.compile(r"^(-?\d{4,})(Z|[+-]\d{2}:\d{2})?$")
_DATE_TIME = re.compile(
    r"^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$"
)


def format_date(lexical: str, datatype: str) -> tuple[str, str] | None:
    """(display, machine-readable) for a valid xsd date-like literal, else None."""
    if datatype == XSD + "date" and (m := _DATE.match(lexical)):
        year, month, day = m.group(1), int(m.group(2)), int(m.group(3))
        if 1 <= month <= 12 and 1 <= day <= 31:
            return f"{day} {MONTHS[month - 1]} {int(year)}", f"{year}-{m.group(2)}-{m.group(3)}"
    elif datatype == XSD + "gYearMonth" and (m := _YEAR_MONTH.match(lexical)):
        year, month = m.group(1), int(m.group(2))
        if 1 <= month <= 12:
            return f"{MONTHS[month - 1]} {int(year)}", f"{year}-{m.group(2)}"
    elif datatype == XSD + "gYear" and (m := _YEAR.match(lexical)):
        return str(int(m.group(1))), m.group(1)
    elif datatype == XSD + "dateTime" and (m := _DATE_TIME.match(lexical)):
        month, day = int(m.group(2)), int(m.group(3))
        if 1 <= month <= 12 and 1 <= day <= 31:
            zone = m.group(8) or ""
            zone = " UTC" if zone == "Z" else (f" {zone}" if zone else "")
            shown = f"{day} {MONTHS[month - 1]} {int(m.group(1))}, {m.group(4)}:{m.group(5)}{zone}"
            return shown, lexical
    return None


def literal_term(literal: ox.Literal, prefixes: dict[str, str]) -> Term:
    """A literal as a page shows it: dates formatted, language and datatype kept."""
    datatype = literal.datatype.value
    label = literal.value
    machine = None
    formatted = format_date(literal.value, datatype)
    if formatted:
        label, machine = formatted
    shown_type = None
    if not literal.language and datatype not in (XSD + "string",):
        shown_type = curie(datatype, prefixes) or datatype
    url = literal.value if datatype == XSD + "anyURI" and _is_web_address(literal.value) else None
    return Term(
        "literal",
        literal.value,
        label,
        language=literal.language,
        datatype=shown_type,
        machine=machine,
        url=url,
    )
