"""The SHACL shapes as a reference: what valid data must look like, one section per shape.

Generated from whatever shapes are loaded (the ``shapes`` graphs), never written by hand. A
section documents a shape's targets (W3C SHACL, section 2.1.3), its messages and severity, the
constraints on the focus node itself, and one entry per property shape (section 2.3): its path
(section 2.3.1, with inverse, sequence, alternative and repetition paths written in the SPARQL
property-path style), cardinality, allowed values (class, datatype, node kind, ``sh:in``,
``sh:hasValue``, ranges, lengths, patterns, languages) and messages. Logical constraints
(``sh:and``, ``sh:or``, ``sh:xone``, ``sh:not``), ``sh:node`` and qualified value shapes are shown
as nested shapes; SHACL-SPARQL constraints show their query. Any other parameter is listed
under its own name, so nothing a shape says is hidden.

Built once per load; nothing here imports Flask.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pyoxigraph as ox

from frkg.labels import curie, fold
from frkg.namespaces import OWL, RDF, RDFS, SH
from frkg.publish.describe import Describer
from frkg.publish.terms import Term
from frkg.store import KnowledgeGraph

RDF_TYPE = RDF + "type"
RDF_FIRST, RDF_REST, RDF_NIL = RDF + "first", RDF + "rest", RDF + "nil"

TARGETS = {
    SH + "targetClass": "every instance of",
    SH + "targetNode": "the node",
    SH + "targetSubjectsOf": "every subject of",
    SH + "targetObjectsOf": "every object of",
}
#: Parameters shown as allowed values, with their caption, in this order.
VALUE_PARAMETERS = (
    (SH + "class", "instance of"),
    (SH + "datatype", "datatype"),
    (SH + "nodeKind", "node kind"),
    (SH + "in", "one of"),
    (SH + "hasValue", "has value"),
    (SH + "minInclusive", "at least"),
    (SH + "minExclusive", "greater than"),
    (SH + "maxInclusive", "at most"),
    (SH + "maxExclusive", "less than"),
    (SH + "minLength", "minimum length"),
    (SH + "maxLength", "maximum length"),
    (SH + "pattern", "matches the pattern"),
    (SH + "flags", "pattern flags"),
    (SH + "languageIn", "language one of"),
    (SH + "uniqueLang", "one value per language"),
    (SH + "equals", "equals the values of"),
    (SH + "disjoint", "shares no value with"),
    (SH + "lessThan", "less than the values of"),
    (SH + "lessThanOrEquals", "at most the values of"),
    (SH + "closed", "closed (no other properties)"),
    (SH + "ignoredProperties", "except"),
    (SH + "qualifiedMinCount", "at least this many conform"),
    (SH + "qualifiedMaxCount", "at most this many conform"),
    (SH + "qualifiedValueShapesDisjoint", "qualified shapes disjoint"),
)
#: Parameters whose values are shapes, shown nested.
SHAPE_PARAMETERS = (
    (SH + "node", "conforms to"),
    (SH + "qualifiedValueShape", "qualified values conform to"),
    (SH + "and", "conforms to all of"),
    (SH + "or", "conforms to at least one of"),
    (SH + "xone", "conforms to exactly one of"),
    (SH + "not", "does not conform to"),
)
#: Predicates shown elsewhere in a section, or that say nothing about validity.
SHOWN_ELSEWHERE = frozenset(
    {
        RDF_TYPE,
        RDFS + "label",
        RDFS + "comment",
        SH + "name",
        SH + "description",
        SH + "message",
        SH + "severity",
        SH + "deactivated",
        SH + "path",
        SH + "property",
        SH + "minCount",
        SH + "maxCount",
        SH + "sparql",
        SH + "order",
        SH + "group",
        SH + "defaultValue",
        *TARGETS,
    }
)
#: How deep nested shapes are expanded (a shape may refer to itself).
MAX_DEPTH = 4


@dataclass(frozen=True)
class Constraint:
    """One constraint: a caption and its values, nested shapes, or a query."""

    caption: str
    values: tuple[Term, ...] = ()
    shapes: tuple[ShapeDoc, ...] = ()
    text: str | None = None


@dataclass(frozen=True)
class PropertyDoc:
    """A property shape: its path, name, cardinality, constraints and messages."""

    path: str
    path_term: Term | None  # the predicate, when the path is a single one
    name: str | None
    description: str | None
    cardinality: str | None
    constraints: tuple[Constraint, ...]
    messages: tuple[str, ...]
    severity: Term | None
    deactivated: bool


@dataclass(frozen=True)
class ShapeDoc:
    """A shape: how it is named, what it targets, what it requires."""

    anchor: str
    iri: str | None
    title: str
    curie: str | None
    description: str | None
    targets: tuple[tuple[str, Term], ...]
    messages: tuple[str, ...]
    severity: Term | None
    deactivated: bool
    constraints: tuple[Constraint, ...]
    properties: tuple[PropertyDoc, ...]
    file: str | None


@dataclass(frozen=True)
class ShapesView:
    """Every top-level shape loaded, sorted by title."""

    shapes: tuple[ShapeDoc, ...]
    files: tuple[str, ...]

    @property
    def property_count(self) -> int:
        """How many property shapes the sections document."""
        return sum(len(s.properties) for s in self.shapes)


def shapes_quads(kg: KnowledgeGraph) -> list[ox.Quad]:
    """Every quad of the shapes files, for the RDF representations of ``/shapes``."""
    out: list[ox.Quad] = []
    for graph in kg.graphs("shapes"):
        out.extend(kg.store.quads_for_pattern(None, None, None, graph))
    return out


def build(kg: KnowledgeGraph, describer: Describer) -> ShapesView:
    """The reference of the loaded shapes."""
    return _Builder(kg, describer).build()


class _Builder:
    def __init__(self, kg: KnowledgeGraph, describer: Describer) -> None:
        self.kg = kg
        self.d = describer
        self.quads = shapes_quads(kg)
        self.by_subject: dict = {}
        for q in self.quads:
            self.by_subject.setdefault(q.subject, []).append(q)
        self.files = {f.graph: f.path.name for f in kg.files if f.kind == "shapes"}

    def values(self, node, prop: str) -> list:
        found = [q.object for q in self.by_subject.get(node, ()) if q.predicate.value == prop]
        return sorted(dict.fromkeys(found), key=_order)

    def one(self, node, prop: str):
        found = self.values(node, prop)
        return found[0] if found else None

    def text(self, node, *props: str) -> str | None:
        for prop in props:
            literals = [v for v in self.values(node, prop) if isinstance(v, ox.Literal)]
            if literals:
                english = [v for v in literals if (v.language or "").lower().startswith("en")]
                return (english or literals)[0].value
        return None

    def texts(self, node, prop: str) -> tuple[str, ...]:
        return tuple(v.value for v in self.values(node, prop) if isinstance(v, ox.Literal))

    def items(self, head) -> list | None:
        """The members of the RDF list starting at ``head``, or None when it is not one."""
        out, node, seen = [], head, set()
        while not (isinstance(node, ox.NamedNode) and node.value == RDF_NIL):
            if node in seen or isinstance(node, ox.Literal):
                return None
            seen.add(node)
            first, rest = self.one(node, RDF_FIRST), self.one(node, RDF_REST)
            if first is None or rest is None:
                return None
            out.append(first)
            node = rest
        return out

    def term(self, node) -> Term:
        if isinstance(node, ox.BlankNode):
            return Term("bnode", node.value, "(an unnamed shape)")
        return self.d.term(node)

    # -- the top-level shapes -------------------------------------------------------------------

    def build(self) -> ShapesView:
        typed = {
            q.subject
            for q in self.quads
            if q.predicate.value == RDF_TYPE and q.object.value in (SH + "NodeShape",)
        }
        targeted = {q.subject for q in self.quads if q.predicate.value in TARGETS}
        # A class that is also a shape targets its own instances (SHACL 2.1.3.1).
        implicit = {
            q.subject
            for q in self.quads
            if q.predicate.value == RDF_TYPE
            and q.object.value in (RDFS + "Class", OWL + "Class")
            and q.subject in self.by_subject
            and any(p.predicate.value == SH + "property" for p in self.by_subject[q.subject])
        }
        # Shapes used only inside others (property shapes, sh:node targets without a type of
        # their own) are documented where they are used.
        top = {n for n in typed | targeted | implicit if not isinstance(n, ox.Literal)}
        docs = [self.shape(n, 0, implicit) for n in top]
        docs.sort(key=lambda s: (fold(s.title), s.iri or ""))
        used: dict[str, int] = {}
        unique = []
        for doc in docs:
            n = used.get(doc.anchor, 0)
            used[doc.anchor] = n + 1
            unique.append(doc if n == 0 else _with_anchor(doc, f"{doc.anchor}-{n + 1}"))
        return ShapesView(tuple(unique), tuple(sorted(set(self.files.values()))))

    def shape(self, node, depth: int, implicit: set = frozenset()) -> ShapeDoc:
        iri = node.value if isinstance(node, ox.NamedNode) else None
        short = curie(iri, self.d.prefixes) if iri else None
        title = self.text(node, RDFS + "label", SH + "name") or short or iri or "Unnamed shape"
        targets = [
            (caption, self.term(v))
            for prop, caption in TARGETS.items()
            for v in self.values(node, prop)
        ]
        if node in implicit:
            targets.insert(0, ("every instance of", self.term(node)))
        if self.one(node, SH + "path") is not None:  # a property shape with targets of its own
            properties: tuple[PropertyDoc, ...] = (self.property(node, depth),)
            constraints: tuple[Constraint, ...] = ()
        else:
            properties = tuple(self.property(p, depth) for p in self.values(node, SH + "property"))
            constraints = self.constraints(node, depth)
        graph = next((q.graph_name.value for q in self.by_subject.get(node, ())), None)
        return ShapeDoc(
            anchor=_anchor(iri, title),
            iri=iri,
            title=title,
            curie=short,
            description=self.text(node, RDFS + "comment", SH + "description"),
            targets=tuple(targets),
            messages=self.texts(node, SH + "message"),
            severity=self._severity(node),
            deactivated=self._deactivated(node),
            constraints=constraints,
            properties=tuple(sorted(properties, key=_property_order)),
            file=self.files.get(graph) if graph else None,
        )

    def property(self, node, depth: int) -> PropertyDoc:
        path_node = self.one(node, SH + "path")
        path = self.path(path_node) if path_node is not None else "(no path)"
        minimum = _integer(self.one(node, SH + "minCount"))
        maximum = _integer(self.one(node, SH + "maxCount"))
        return PropertyDoc(
            path=path,
            path_term=self.d.term(path_node) if isinstance(path_node, ox.NamedNode) else None,
            name=self.text(node, SH + "name", RDFS + "label"),
            description=self.text(node, SH + "description", RDFS + "comment"),
            cardinality=cardinality(minimum, maximum),
            constraints=self.constraints(node, depth),
            messages=self.texts(node, SH + "message"),
            severity=self._severity(node),
            deactivated=self._deactivated(node),
        )

    def constraints(self, node, depth: int) -> tuple[Constraint, ...]:
        out: list[Constraint] = []
        for prop, caption in VALUE_PARAMETERS:
            for value in self.values(node, prop):
                members = self.items(value) if not isinstance(value, ox.Literal) else None
                if members is not None:
                    out.append(Constraint(caption, tuple(self.term(m) for m in members)))
                else:
                    out.append(Constraint(caption, (self.term(value),)))
        for prop, caption in SHAPE_PARAMETERS:
            for value in self.values(node, prop):
                members = self.items(value)
                shapes = members if members is not None else [value]
                if depth >= MAX_DEPTH:
                    out.append(Constraint(caption, tuple(self.term(s) for s in shapes)))
                else:
                    out.append(
                        Constraint(caption, shapes=tuple(self.shape(s, depth + 1) for s in shapes))
                    )
        for value in self.values(node, SH + "sparql"):
            query = self.text(value, SH + "select") or self.text(value, SH + "ask")
            message = self.text(value, SH + "message")
            caption = "SPARQL constraint" + (f": {message}" if message else "")
            out.append(Constraint(caption, text=query))
        known = {p for p, _ in VALUE_PARAMETERS} | {p for p, _ in SHAPE_PARAMETERS}
        for q in self.by_subject.get(node, ()):
            p = q.predicate.value
            if p in known or p in SHOWN_ELSEWHERE or p in (RDF_FIRST, RDF_REST):
                continue
            out.append(Constraint(self.d.term(q.predicate).label, (self.term(q.object),)))
        return tuple(out)

    def path(self, node) -> str:
        """A SHACL path in the SPARQL property-path style (SHACL section 2.3.1)."""
        if isinstance(node, ox.NamedNode):
            return curie(node.value, self.d.prefixes) or f"<{node.value}>"
        members = self.items(node)
        if members is not None:
            return " / ".join(self._grouped(m) for m in members)
        for prop, suffix in (
            (SH + "zeroOrMorePath", "*"),
            (SH + "oneOrMorePath", "+"),
            (SH + "zeroOrOnePath", "?"),
        ):
            inner = self.one(node, prop)
            if inner is not None:
                return self._grouped(inner) + suffix
        inverse = self.one(node, SH + "inversePath")
        if inverse is not None:
            return "^" + self._grouped(inverse)
        alternatives = self.one(node, SH + "alternativePath")
        if alternatives is not None:
            options = self.items(alternatives) or [alternatives]
            return " | ".join(self._grouped(m) for m in options)
        return "(unreadable path)"

    def _grouped(self, node) -> str:
        text = self.path(node)
        return f"({text})" if (" / " in text or " | " in text) else text

    def _severity(self, node) -> Term | None:
        severity = self.one(node, SH + "severity")
        return self.term(severity) if severity is not None else None

    def _deactivated(self, node) -> bool:
        value = self.one(node, SH + "deactivated")
        return isinstance(value, ox.Literal) and value.value in ("true", "1")


def cardinality(minimum: int | None, maximum: int | None) -> str | None:
    """ "exactly 1", "at least 1", "at most 1", "2 to 5", or None when unconstrained."""
    low = minimum or 0
    if maximum is None:
        return f"at least {low}" if low else None
    if low == maximum:
        return f"exactly {low}"
    if low == 0:
        return f"at most {maximum}"
    return f"{low} to {maximum}"


def _integer(value) -> int | None:
    if isinstance(value, ox.Literal):
        try:
            return int(value.value)
        except ValueError:
            return None
    return None


def _property_order(prop: PropertyDoc) -> tuple:
    """Rows by path, then by what tells two shapes of one path apart, never by blank-node order,
    so two exports of the same data are byte-identical."""
    return (prop.path.casefold(), prop.name or "", prop.cardinality or "", prop.messages)


def _order(node) -> tuple:
    return (isinstance(node, ox.Literal), node.value)


def _anchor(iri: str | None, title: str) -> str:
    """An anchor from the shape IRI's last segment or fragment, else from its title."""
    if iri:
        tail = iri.rsplit("#", 1)[-1] if "#" in iri else iri.rstrip("/").rsplit("/", 1)[-1]
    else:
        tail = title
    slug = "".join(c if c.isalnum() or c in "-_" else "-" for c in tail).strip("-") or "shape"
    return "shape-" + slug


def _with_anchor(doc: ShapeDoc, anchor: str) -> ShapeDoc:
    return replace(doc, anchor=anchor)
