"""The view model of an entity page, and of its "show all" pages, from a thing's description.

:func:`view` turns a :class:`~frkg.publish.describe.Description` into an :class:`EntityView`:
its heading, types, one-line description, the statement card of a quote or paraphrase, and
its outgoing and incoming links grouped by property. :func:`links` pages through every value of
one property. Nothing here imports Flask.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pyoxigraph as ox

from frkg import CANONICAL_BASE
from frkg.labels import Label, fallback_label
from frkg.namespaces import DCT, RDF_TYPE, SCHEMA, entity_iri
from frkg.publish.describe import (
    DESCRIPTION_PROPERTIES,
    LABEL_PROPERTIES_SHOWN_AS_HEADING,
    LINKS_PAGE_SIZE,
    PAGE_LIMIT,
    STATEMENT_CARD_PROPERTIES,
    Describer,
    Description,
    best_literal,
    distinct,
)
from frkg.publish.terms import Group, Term, is_web_address, literal_term, value_order


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


def view(d: Describer, description: Description, limit: int = PAGE_LIMIT) -> EntityView:
    """The view model of the page about ``description``'s thing."""
    subject = description.subject
    closure: dict[ox.BlankNode, list[ox.Quad]] = {}
    for q in distinct(description.closure):
        closure.setdefault(q.subject, []).append(q)
    outgoing = distinct(description.outgoing)
    label = d.labels.best(subject) or Label(fallback_label(subject, d.prefixes))
    types = tuple(
        sorted(
            (d.term(q.object) for q in outgoing if q.predicate == RDF_TYPE),
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
    statement = _statement(d, outgoing)
    if statement is not None:
        shown = {d.frkg(p) for p in STATEMENT_CARD_PROPERTIES} | {
            DCT + "date",
            DCT + "source",
        }
        hidden |= {
            ox.Triple(q.subject, q.predicate, q.object)
            for q in outgoing
            if q.predicate.value in shown
        }
    shown_out = [q for q in outgoing if ox.Triple(q.subject, q.predicate, q.object) not in hidden]
    totals = description.totals
    properties = d.group_values(shown_out, "out", limit, 0, closure, totals)
    # An incoming link whose inverse is already an outgoing value (materialised from
    # owl:inverseOf) is the same fact seen from the other side: show it once.
    mirrored = {
        (d.inverse.get(q.predicate.value), q.object)
        for q in outgoing
        if q.predicate.value in d.inverse
    }
    incoming = [
        q for q in distinct(description.incoming) if (q.predicate.value, q.subject) not in mirrored
    ]
    incoming_groups = d.group_values(incoming, "in", limit, 0, closure, totals)
    return EntityView(
        slug=description.slug,
        iri=subject.value,
        canonical_iri=entity_iri(CANONICAL_BASE, description.slug),
        label=label,
        types=types,
        description=literal_term(description_literal, d.prefixes)
        if description_literal is not None
        else None,
        statement=statement,
        properties=properties,
        incoming=incoming_groups,
    )


def _statement(d: Describer, outgoing: list[ox.Quad]) -> StatementView | None:
    def values(prop: str) -> list:
        return [q.object for q in outgoing if q.predicate.value == prop]

    verbatim = values(d.frkg("verbatimText"))
    paraphrase = values(d.frkg("paraphraseText"))
    types = {q.object.value for q in outgoing if q.predicate == RDF_TYPE}
    if verbatim or d.frkg("Quote") in types:
        kind, text = "quote", verbatim
    elif paraphrase or d.frkg("Paraphrase") in types:
        kind, text = "paraphrase", paraphrase
    else:
        return None

    def terms(nodes: list) -> tuple[Term, ...]:
        return tuple(sorted((d.term(n) for n in nodes), key=value_order))

    sources = tuple(_with_url(d, t) for t in terms(values(DCT + "source")))
    return StatementView(
        kind=kind,
        text=tuple(literal_term(t, d.prefixes) for t in text if isinstance(t, ox.Literal)),
        speakers=terms(values(d.frkg("speaker"))),
        organizations=terms(values(d.frkg("speaksFor"))),
        dates=terms(values(DCT + "date")),
        stances=terms(values(d.frkg("stance"))),
        sources=sources,
    )


def _with_url(d: Describer, term: Term) -> Term:
    """A source term with its ``schema:url`` (the original document) when it has one."""
    if term.kind != "iri":
        return term
    for q in d._quads(ox.NamedNode(term.value), ox.NamedNode(SCHEMA + "url"), None):
        if is_web_address(q.object.value):
            return replace(term, url=q.object.value)
    return term


def links(
    d: Describer, slug: str, prop: str, direction: str, page: int = 1, size: int = LINKS_PAGE_SIZE
) -> LinkPage | None:
    """Page ``page`` of every value of ``prop`` (``direction`` "out" or "in") of a thing.

    None when the thing is unknown or has no such link; pages past the end are empty.
    """
    try:
        subject = ox.NamedNode(entity_iri(d.kg.base, slug))
        predicate = ox.NamedNode(prop)
    except ValueError:
        return None
    summary = d.hubs.get(subject.value)
    ordered = summary.large.get((direction, prop)) if summary is not None else None
    if ordered is not None and direction == "out":
        nodes = list(ordered)
    else:
        # Incoming links are all listed here, those an inverse link mirrors too.
        if direction == "out":
            found = [q.object for q in d._quads(subject, predicate, None)]
        else:
            found = [q.subject for q in d._quads(None, predicate, subject)]
        nodes = sorted(dict.fromkeys(found), key=d.node_order)
    if not nodes:
        return None
    pages = max(1, -(-len(nodes) // size))
    start = (page - 1) * size
    return LinkPage(
        entity=d.term(subject),
        property=d.term(predicate),
        direction=direction,
        values=tuple(d.term(n) for n in nodes[start : start + size]),
        total=len(nodes),
        page=page,
        pages=pages,
    )
