"""The dataset as published: which triples it holds, its entities and their classes, its counts.

The dataset is ``id:frkg`` (the ``void:Dataset`` of data/dataset.ttl). It holds the triples of
the data files plus the inverse links the loader materialised for them (``owl:inverseOf`` in the
ontology), so that a dump, the VoID counts and the pages agree on what "the data" is. The
ontology and the shapes are published on their own (``/ontology``, ``/shapes``) and are not part
of it. Its entities are the IRIs under ``{base}id/`` that its triples mention.

Classes are the asserted ``rdf:type`` values; a class's instances include those of its
subclasses as the loaded ontology declares them (``rdfs:subClassOf`` between named classes, read
transitively), so that ``frkg:Policy`` lists proposals and legislation alike.

Built once per load; nothing here imports Flask.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from frkg.namespaces import RDF_TYPE, RDFS, dataset_iri, entity_ns, ontology_ns
from frkg.store import KnowledgeGraph

RDFS_SUBCLASS_OF = ox.NamedNode(RDFS + "subClassOf")
#: Every resource is one: its "instances" are every entity, typed or not.
RDFS_RESOURCE = RDFS + "Resource"


@dataclass(frozen=True)
class PropertyStats:
    """How a property is used in the dataset: triples, distinct subjects, distinct objects."""

    triples: int
    subjects: int
    objects: int


class DatasetIndex:
    """The dataset's triples, entities, classes and counts, computed once per load."""

    def __init__(self, kg: KnowledgeGraph, inverse: Mapping[str, str]) -> None:
        self.kg = kg
        self.base = kg.base
        self.iri = dataset_iri(kg.base)
        self.entity_namespace = entity_ns(kg.base)
        self.data_graphs = tuple(kg.graphs("data"))
        data_graph_set = set(self.data_graphs)
        self.inferred: tuple[ox.Quad, ...] = ()
        if kg.inferred_graph:
            inferred = ox.NamedNode(kg.inferred_graph)
            self.inferred = tuple(
                q
                for q in kg.store.quads_for_pattern(None, None, None, inferred)
                if _inverts_data(kg.store, q, inverse, data_graph_set)
            )
        self.graphs = self.data_graphs + ((self.inferred[0].graph_name,) if self.inferred else ())

        triples: set[tuple] = set()
        subjects: set = set()
        objects: set = set()
        by_property: dict[str, list[set]] = {}
        counts: dict[str, int] = {}
        members: dict[str, set[str]] = {}
        entities: dict[str, ox.NamedNode] = {}
        types: dict[str, set[str]] = {}
        for q in self.quads():
            key = (q.subject, q.predicate, q.object)
            if key in triples:
                continue
            triples.add(key)
            subjects.add(q.subject)
            objects.add(q.object)
            p = q.predicate.value
            counts[p] = counts.get(p, 0) + 1
            sets = by_property.setdefault(p, [set(), set()])
            sets[0].add(q.subject)
            sets[1].add(q.object)
            if q.predicate == RDF_TYPE and isinstance(q.object, ox.NamedNode):
                members.setdefault(q.object.value, set()).add(_key(q.subject))
                if self.is_entity(q.subject):
                    types.setdefault(q.subject.value, set()).add(q.object.value)
            for node in (q.subject, q.object):
                if self.is_entity(node):
                    entities.setdefault(node.value, node)
        self.triple_count = len(triples)
        self.distinct_subjects = len(subjects)
        self.distinct_objects = len(objects)
        del triples, subjects, objects
        self.properties: dict[str, PropertyStats] = {
            p: PropertyStats(counts[p], len(s), len(o)) for p, (s, o) in sorted(by_property.items())
        }
        #: class IRI -> how many distinct subjects are asserted to be of it (VoID class partition)
        self.class_sizes: dict[str, int] = {c: len(m) for c, m in sorted(members.items())}
        self.entities: tuple[ox.NamedNode, ...] = tuple(entities[k] for k in sorted(entities))
        self.entity_types: dict[str, tuple[str, ...]] = {
            e: tuple(sorted(t)) for e, t in types.items()
        }
        self._subclasses, self._superclasses = _class_hierarchy(kg)
        self._instances: dict[str, tuple[ox.NamedNode, ...]] = {}

    # -- what is in it -------------------------------------------------------------------------

    def quads(self) -> Iterator[ox.Quad]:
        """Every quad of the dataset: the data files' graphs, then the inverse links kept."""
        for graph in self.data_graphs:
            yield from self.kg.store.quads_for_pattern(None, None, None, graph)
        yield from self.inferred

    def is_entity(self, node) -> bool:
        """True for an IRI under ``{base}id/`` with a slug (no ``/``, ``#`` or ``?`` after it)."""
        if not isinstance(node, ox.NamedNode):
            return False
        iri = node.value
        ns = self.entity_namespace
        return (
            iri.startswith(ns)
            and len(iri) > len(ns)
            and not any(c in iri[len(ns) :] for c in "/#?")
        )

    def slug(self, node: ox.NamedNode) -> str:
        """The slug of an entity IRI."""
        return node.value[len(self.entity_namespace) :]

    @property
    def entity_count(self) -> int:
        """How many entities the dataset mentions."""
        return len(self.entities)

    def vocabularies(self) -> list[str]:
        """The namespaces of every property and class the dataset uses, sorted."""
        terms = set(self.properties) | set(self.class_sizes)
        return sorted({namespace_of(t) for t in terms} - {""})

    # -- classes ---------------------------------------------------------------------------------

    def subclasses(self, cls: str) -> tuple[str, ...]:
        """The direct subclasses of ``cls`` the ontology declares."""
        return tuple(sorted(self._subclasses.get(cls, ())))

    def superclasses(self, cls: str) -> tuple[str, ...]:
        """The direct superclasses of ``cls`` the ontology declares."""
        return tuple(sorted(self._superclasses.get(cls, ())))

    def descendants(self, cls: str) -> set[str]:
        """``cls`` and every class below it, transitively (cycles are harmless)."""
        seen = {cls}
        todo = [cls]
        while todo:
            for sub in self._subclasses.get(todo.pop(), ()):
                if sub not in seen:
                    seen.add(sub)
                    todo.append(sub)
        return seen

    def ancestors(self, cls: str) -> set[str]:
        """Every class above ``cls``, transitively (``cls`` itself not included)."""
        seen: set[str] = set()
        todo = [cls]
        while todo:
            for sup in self._superclasses.get(todo.pop(), ()):
                if sup not in seen and sup != cls:
                    seen.add(sup)
                    todo.append(sup)
        return seen

    def instances(self, cls: str) -> tuple[ox.NamedNode, ...]:
        """The entities of ``cls`` or a subclass, by IRI (every entity for ``rdfs:Resource``)."""
        cached = self._instances.get(cls)
        if cached is None:
            if cls == RDFS_RESOURCE:
                cached = self.entities
            else:
                classes = self.descendants(cls)
                cached = tuple(
                    e for e in self.entities if classes & set(self.entity_types.get(e.value, ()))
                )
            self._instances[cls] = cached
        return cached

    def count(self, cls: str) -> int:
        """How many entities are of ``cls`` or a subclass."""
        return len(self.instances(cls))

    def untyped(self) -> tuple[ox.NamedNode, ...]:
        """The entities without any asserted type."""
        return tuple(e for e in self.entities if e.value not in self.entity_types)

    def listed_classes(self) -> list[str]:
        """The classes worth a list page: those with entities, and the ontology's own classes
        above them (``frkg:Policy``, ``frkg:Statement``), sorted by IRI."""
        direct = {c for types in self.entity_types.values() for c in types}
        own = ontology_ns(self.base)
        above = {a for c in direct for a in self.ancestors(c) if a.startswith(own)}
        return sorted(direct | above)


def namespace_of(iri: str) -> str:
    """The vocabulary namespace of a term: its IRI up to the last ``#`` or ``/``."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1] if cut > iri.find("://") + 2 else ""


def _key(node) -> str:
    return node.value if isinstance(node, ox.NamedNode) else f"_:{node.value}"


def _inverts_data(store: ox.Store, q: ox.Quad, inverse: Mapping[str, str], data: set) -> bool:
    """True when the inferred ``q`` is the inverse of a triple of the data files."""
    forward = inverse.get(q.predicate.value)
    if forward is None or isinstance(q.object, ox.Literal):
        return False
    return any(
        d.graph_name in data
        for d in store.quads_for_pattern(q.object, ox.NamedNode(forward), q.subject, None)
    )


def _class_hierarchy(kg: KnowledgeGraph) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(class -> direct subclasses, class -> direct superclasses) from the ontology graphs."""
    graphs = set(kg.graphs("ontology"))
    down: dict[str, set[str]] = {}
    up: dict[str, set[str]] = {}
    for q in kg.store.quads_for_pattern(None, RDFS_SUBCLASS_OF, None, None):
        if q.graph_name not in graphs:
            continue
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
            if q.subject != q.object:
                down.setdefault(q.object.value, set()).add(q.subject.value)
                up.setdefault(q.subject.value, set()).add(q.object.value)
    return down, up
