"""RDF terms as pages show them: :class:`Term` (an IRI, blank node, list or literal, with what to
show and where it links) and :class:`Group` (the values of one property). Every view model of
:mod:`frkg.publish` is made of these; :meth:`frkg.publish.describe.Describer.term` makes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from frkg.labels import curie, language_rank
from frkg.namespaces import RDF, XSD
from frkg.publish.dates import format_date


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


RDF_FIRST = ox.NamedNode(RDF + "first")
RDF_REST = ox.NamedNode(RDF + "rest")
RDF_NIL = ox.NamedNode(RDF + "nil")


def collection(head: ox.BlankNode, closure: dict) -> list | None:
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


def value_order(term: Term) -> tuple:
    kind = {"iri": 0, "bnode": 1, "list": 1, "literal": 2}[term.kind]
    return (kind, language_rank(term.language), term.label.casefold(), term.value)


def is_web_address(value: str) -> bool:
    # Only http(s) values become links: a "javascript:" or "data:" IRI in the data stays text.
    return value.startswith(("http://", "https://"))


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
    url = literal.value if datatype == XSD + "anyURI" and is_web_address(literal.value) else None
    return Term(
        "literal",
        literal.value,
        label,
        language=literal.language,
        datatype=shown_type,
        machine=machine,
        url=url,
    )
