"""The ontology as a reference: its metadata and every term, grouped by kind, for the HTML page.

Every IRI under ``{base}ontology#`` that the loaded graphs mention gets an entry whose anchor is
its fragment, so that a term IRI opened in a browser lands on its definition. Terms that are
used but never defined are listed too, under their own heading, rather than left dangling.
Built once per load from the ontology graphs; nothing here imports Flask.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from frkg.labels import LABEL_PROPERTIES
from frkg.namespaces import DCT, ONTOLOGY_PATH, OWL, RDF, RDF_TYPE, RDFS, SKOS, ontology_ns
from frkg.publish.describe import Describer, best_literal, distinct
from frkg.publish.terms import Group, Term

#: Section title and the rdf:type IRIs that put a term in it, in page order.
SECTIONS = (
    ("Classes", (OWL + "Class", RDFS + "Class")),
    ("Object properties", (OWL + "ObjectProperty",)),
    ("Datatype properties", (OWL + "DatatypeProperty",)),
    ("Other properties", (OWL + "AnnotationProperty", RDF + "Property")),
    ("Concept schemes", (SKOS + "ConceptScheme",)),
)
#: Incoming links worth listing on a term, with their caption.
INCOMING_CAPTIONS = {
    RDFS + "subClassOf": "subclasses",
    RDFS + "subPropertyOf": "subproperties",
    RDFS + "domain": "properties with this domain",
    RDFS + "range": "properties with this range",
}
DEFINITION_PROPERTIES = (SKOS + "definition", RDFS + "comment", DCT + "description")


@dataclass(frozen=True)
class TermEntry:
    """One term of the ontology: anchor, label, kind, definition and what else is said."""

    iri: str
    fragment: str
    label: str
    curie: str | None
    types: tuple[Term, ...]
    definition: Term | None
    facts: tuple[Group, ...]
    defined: bool


@dataclass(frozen=True)
class Section:
    """A titled list of terms (a kind of term, or the concepts of one scheme)."""

    title: str
    anchor: str
    entries: tuple[TermEntry, ...]
    description: Term | None = None


@dataclass(frozen=True)
class OntologyView:
    """The view model of the ontology reference page."""

    iri: str
    namespace: str
    title: str
    description: Term | None
    metadata: tuple[Group, ...]
    sections: tuple[Section, ...]

    @property
    def term_count(self) -> int:
        """How many terms the page documents."""
        return sum(len(s.entries) for s in self.sections)


def ontology_quads(describer: Describer) -> list[ox.Quad]:
    """Every quad of the ontology files, for the RDF representations of ``/ontology``."""
    # Graph by graph, not a scan of the whole store: the store may be large, or remote.
    kg = describer.kg
    return [
        q for g in kg.graphs("ontology") for q in kg.store.quads_for_pattern(None, None, None, g)
    ]


def build(describer: Describer) -> OntologyView:
    """The reference of the loaded ontology."""
    terms = _Terms.gather(describer)
    ontology = ox.NamedNode(describer.kg.base + ONTOLOGY_PATH)
    own = terms.by_subject.get(ontology, [])
    title_literal = best_literal(own, (DCT + "title", RDFS + "label"))
    description = best_literal(own, (DCT + "description", RDFS + "comment"))
    skipped = {RDF_TYPE.value, DCT + "title", DCT + "description"}
    metadata = describer.group_values(
        [q for q in own if q.predicate.value not in skipped], "out", None, 0, {}
    )
    return OntologyView(
        iri=ontology.value,
        namespace=terms.ns,
        title=title_literal.value if title_literal is not None else "Ontology",
        description=describer.term(description) if description is not None else None,
        metadata=metadata,
        sections=terms.sections(),
    )


@dataclass
class _Terms:
    """What the reference is built from: the ontology's statements by subject, every term of the
    namespace that the ontology or the data mentions, and the links pointing at each term."""

    describer: Describer
    ns: str
    by_subject: dict[ox.NamedNode, list[ox.Quad]]
    mentioned: dict[str, ox.NamedNode]
    incoming: dict[ox.NamedNode, list[ox.Quad]]

    @classmethod
    def gather(cls, describer: Describer) -> _Terms:
        """Read the ontology's quads and the namespace's terms from the store, once."""
        ns = ontology_ns(describer.kg.base)
        quads = distinct(ontology_quads(describer))
        by_subject: dict = {}
        incoming: dict = {}
        for q in quads:
            by_subject.setdefault(q.subject, []).append(q)
            if q.predicate.value in INCOMING_CAPTIONS and isinstance(q.object, ox.NamedNode):
                incoming.setdefault(q.object, []).append(q)
        mentioned: dict[str, ox.NamedNode] = {}
        for q in describer.kg.store.quads_for_pattern(None, None, None, None):
            if q.graph_name not in describer.graphs:
                continue
            for node in (q.subject, q.predicate, q.object):
                if (
                    isinstance(node, ox.NamedNode)
                    and node.value.startswith(ns)
                    and node.value != ns
                ):
                    mentioned.setdefault(node.value, node)
        return cls(describer, ns, by_subject, mentioned, incoming)

    def types_of(self, node: ox.NamedNode) -> set[str]:
        """The rdf:type IRIs the ontology gives ``node``."""
        return {q.object.value for q in self.by_subject.get(node, []) if q.predicate == RDF_TYPE}

    def sections(self) -> tuple[Section, ...]:
        """Every mentioned term in one section: by kind, then concept scheme, then the rest."""
        placed: set[str] = set()
        sections: list[Section] = []

        def add(title: str, anchor: str, members: list[ox.NamedNode]) -> None:
            placed.update(n.value for n in members)
            if members:
                sections.append(Section(title, anchor, _sorted(self.entry(n) for n in members)))

        for title, type_iris in SECTIONS:
            add(
                title,
                _anchor(title),
                [n for n in self.mentioned.values() if self.types_of(n) & set(type_iris)],
            )
        schemes = [n for n in self.mentioned.values() if SKOS + "ConceptScheme" in self.types_of(n)]
        for scheme in sorted(schemes, key=lambda n: self.describer.term(n).label.casefold()):
            label = self.describer.term(scheme).label
            anchor = _anchor("concepts-" + scheme.value[len(self.ns) :])
            add(f"Concepts: {label}", anchor, self.in_scheme(scheme))
        rest = [n for iri, n in self.mentioned.items() if iri not in placed]
        add("Other terms", _anchor("other terms"), [n for n in rest if n in self.by_subject])
        add(
            "Used but not defined",
            _anchor("undefined"),
            [n for n in rest if n not in self.by_subject],
        )
        return tuple(sections)

    def in_scheme(self, scheme: ox.NamedNode) -> list[ox.NamedNode]:
        """The mentioned concepts the ontology puts in ``scheme`` (``skos:inScheme``)."""
        in_scheme = ox.NamedNode(SKOS + "inScheme")
        return [
            n
            for n in self.mentioned.values()
            if any(
                q.predicate == in_scheme and q.object == scheme for q in self.by_subject.get(n, [])
            )
        ]

    def entry(self, node: ox.NamedNode) -> TermEntry:
        """One term's entry: label, types, definition, its other statements, what points at it."""
        describer = self.describer
        own = self.by_subject.get(node, [])
        bnodes = [q.object for q in own if isinstance(q.object, ox.BlankNode)]
        closure: dict = {}
        for q in distinct(describer.blank_node_closure(bnodes)):
            closure.setdefault(q.subject, []).append(q)
        definition = best_literal(own, DEFINITION_PROPERTIES)
        skipped = {RDF_TYPE.value, *LABEL_PROPERTIES, *DEFINITION_PROPERTIES}
        facts = list(
            describer.group_values(
                [q for q in own if q.predicate.value not in skipped], "out", None, 0, closure
            )
        )
        for prop, caption in INCOMING_CAPTIONS.items():
            subjects = [q for q in self.incoming.get(node, []) if q.predicate.value == prop]
            if subjects:
                group = describer.group_values(subjects, "in", None, 0, closure)[0]
                caption_term = Term("iri", prop, caption, curie=group.property.curie)
                facts.append(Group(caption_term, group.values, group.total, "in"))
        term = describer.term(node)
        return TermEntry(
            iri=node.value,
            fragment=node.value[len(self.ns) :],
            label=term.label,
            curie=term.curie,
            # In IRI order, not the store's: the page is the same from files or an endpoint.
            types=tuple(
                describer.term(t)
                for t in sorted((q.object for q in own if q.predicate == RDF_TYPE), key=str)
            ),
            definition=describer.term(definition) if definition is not None else None,
            facts=tuple(facts),
            defined=bool(own),
        )


def _sorted(entries) -> tuple[TermEntry, ...]:
    return tuple(sorted(entries, key=lambda e: (e.label.casefold(), e.iri)))


def _anchor(name: str) -> str:
    # Term anchors are their IRI fragments; section anchors carry a prefix no term uses.
    return "section-" + name.lower().replace(" ", "-")
