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
from frkg.namespaces import DCT, PROV, RDF_TYPE, SCHEMA, entity_iri
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

PROV_WAS_QUOTED_FROM = PROV + "wasQuotedFrom"


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
    citations: tuple[Citation, ...] = ()  # shown as excerpts, not in the property table


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
    cited = citations(d, subject)
    if cited:
        hidden |= {
            ox.Triple(q.subject, q.predicate, q.object)
            for q in outgoing
            if q.predicate.value == d.frkg("citation")
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
        citations=cited,
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
            found = [q.subject for q in d._incoming(predicate, subject)]
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


# -- what a page leads with, per class ------------------------------------------------------------


@dataclass(frozen=True)
class Citation:
    """Which words of which source back which facts of a claim (CONTRIBUTING.md rule 13): the
    source's own words (``excerpt``), or, where the reference file kept none, its record of the
    fact (``note``), and the properties they support."""

    source: Term | None
    words: Term  # the excerpt or the reference note, as a literal
    is_excerpt: bool  # False: the reference file's record, weaker than the source's words
    supports: tuple[Term, ...]
    checked_in: str | None


@dataclass(frozen=True)
class Claim:
    """A fact a page leads with, and what backs it: its sources (with their web addresses), the
    excerpts that support its facts, and the cautions the data notes about it."""

    sources: tuple[Term, ...] = ()
    cautions: tuple[str, ...] = ()
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class StatementLine:
    """One statement as a person's or organization's page lists it, words in full."""

    term: Term
    kind: str  # "quote" or "paraphrase"
    text: tuple[Term, ...]
    speakers: tuple[Term, ...]
    organizations: tuple[Term, ...]
    date: Term | None
    venues: tuple[Term, ...]  # frkg:channel: where it was first made
    stances: tuple[Term, ...]
    about: tuple[Term, ...]
    claim: Claim
    reported: Term | None = None  # when its source was published, for an undated statement


@dataclass(frozen=True)
class EventLine:
    """One dated step of a policy, as its timeline shows it."""

    term: Term
    kind: Term | None
    date: Term | None
    precision: str | None  # "day", "month", "year"; None when undated
    tally: str | None
    participants: tuple[Term, ...]
    resulting: Term | None
    claim: Claim


@dataclass(frozen=True)
class RoleLine:
    """A membership: who, in which organization, in which role, as the source words it."""

    member: Term
    organization: Term
    role: Term | None
    title: str | None
    date: Term | None
    claim: Claim


@dataclass(frozen=True)
class Lead:
    """What a page shows first, above the property table: per class, what matters."""

    kind: str  # "policy", "agent" or "concept"
    # policy
    row: object | None = None  # the tracker's PolicyRow
    day: object | None = None  # the day "today" is (a datetime.date)
    status: object | None = None  # the tracker's DayStatus on that day
    statuses: tuple = ()  # (KeyDate, DayStatus on its day) for each day-precise key date
    note: Term | None = None  # the scope note
    events: tuple[EventLine, ...] = ()
    people: tuple[tuple[str, tuple[Term, ...]], ...] = ()  # (relation, agents)
    relations: tuple[tuple[str, tuple[Term, ...]], ...] = ()  # (relation, policies)
    # agent (person or organization)
    roles: tuple[RoleLine, ...] = ()
    members: tuple[RoleLine, ...] = ()
    letters: tuple[Term, ...] = ()
    policies: tuple[tuple[str, tuple[Term, ...]], ...] = ()
    technology: tuple[Term, ...] = ()
    stances: tuple[Term, ...] = ()
    # what backs the thing itself (its own sources and cautions)
    claim: Claim = Claim()
    # statements: an agent's own, or those about a policy
    statements: tuple[StatementLine, ...] = ()
    #: an agent's positions shared through a coalition or a letter: (coalition or letter, lines)
    shared: tuple[tuple[Term, tuple[StatementLine, ...]], ...] = ()
    # concept: what carries it
    carriers: tuple[tuple[Term, tuple[Term, ...]], ...] = ()  # (property, things)


def lead(d: Describer, subject: ox.NamedNode, tracker=None, actors=None, day=None) -> Lead | None:
    """What the page about ``subject`` leads with, by its class: a policy (from the policy
    tracker's row and its status on ``day``), a person or organization, or None."""
    if tracker is not None:
        row = tracker.by_iri.get(subject.value)
        if row is not None:
            return _policy_lead(d, subject, tracker, row, day)
    if actors is not None and subject.value in actors.by_iri:
        return _agent_lead(d, subject)
    return None


def _objects(d: Describer, s, prop: str) -> list:
    return list(dict.fromkeys(q.object for q in d._quads(s, ox.NamedNode(prop), None)))


def _subjects(d: Describer, prop: str, o) -> list:
    found = [q.subject for q in d._quads(None, ox.NamedNode(prop), o)]
    return list(dict.fromkeys(s for s in found if isinstance(s, ox.NamedNode)))


def _terms(d: Describer, nodes) -> tuple[Term, ...]:
    return tuple(sorted((d.term(n) for n in nodes), key=value_order))


def _claim(d: Describer, node) -> Claim:
    sources = tuple(_with_url(d, t) for t in _terms(d, _objects(d, node, DCT + "source")))
    cautions = tuple(
        o.value for o in _objects(d, node, d.frkg("caution")) if isinstance(o, ox.Literal)
    )
    return Claim(sources, cautions, citations(d, node))


def citations(d: Describer, node) -> tuple[Citation, ...]:
    """The citations of ``node``, in the order pages show them."""
    found = (_citation(d, c) for c in _objects(d, node, d.frkg("citation")))
    return tuple(sorted(filter(None, found), key=_citation_order))


def _citation(d: Describer, node) -> Citation | None:
    """One citation, read with one lookup (a remote store answers each lookup over HTTP)."""
    values: dict[str, list] = {}
    for q in d._quads(node, None, None):
        values.setdefault(q.predicate.value, []).append(q.object)
    excerpt = [o for o in values.get(d.frkg("excerpt"), ()) if isinstance(o, ox.Literal)]
    note = [o for o in values.get(d.frkg("referenceNote"), ()) if isinstance(o, ox.Literal)]
    if not excerpt and not note:
        return None
    source = next(iter(values.get(PROV_WAS_QUOTED_FROM, ())), None)
    checked = [o.value for o in values.get(d.frkg("checkedIn"), ()) if isinstance(o, ox.Literal)]
    return Citation(
        source=_with_url(d, d.term(source)) if source is not None else None,
        words=literal_term((excerpt or note)[0], d.prefixes),
        is_excerpt=bool(excerpt),
        supports=_terms(d, values.get(d.frkg("supports"), ())),
        checked_in=checked[0] if checked else None,
    )


def _citation_order(c: Citation) -> tuple:
    return (not c.is_excerpt, c.source.label if c.source else "", c.words.label)


def _first_literal(d: Describer, node, prop: str) -> ox.Literal | None:
    found = [o for o in _objects(d, node, prop) if isinstance(o, ox.Literal)]
    return found[0] if found else None


def _date_key(term: Term | None) -> str:
    return term.machine or term.value if term is not None else "9999"


def statement_line(d: Describer, node: ox.NamedNode) -> StatementLine | None:
    """A statement with its words in full, or None when ``node`` is not one."""
    verbatim = [o for o in _objects(d, node, d.frkg("verbatimText")) if isinstance(o, ox.Literal)]
    paraphrase = [
        o for o in _objects(d, node, d.frkg("paraphraseText")) if isinstance(o, ox.Literal)
    ]
    if not verbatim and not paraphrase:
        return None
    when = _first_literal(d, node, DCT + "date")
    return StatementLine(
        term=d.term(node),
        kind="quote" if verbatim else "paraphrase",
        text=tuple(literal_term(t, d.prefixes) for t in (verbatim or paraphrase)),
        speakers=_terms(d, _objects(d, node, d.frkg("speaker"))),
        organizations=_terms(d, _objects(d, node, d.frkg("speaksFor"))),
        date=literal_term(when, d.prefixes) if when is not None else None,
        venues=_terms(d, _objects(d, node, d.frkg("channel"))),
        stances=_terms(d, _objects(d, node, d.frkg("stance"))),
        about=_terms(d, _objects(d, node, d.frkg("about"))),
        claim=_claim(d, node),
        reported=_reported(d, node) if when is None else None,
    )


def _reported(d: Describer, node: ox.NamedNode) -> Term | None:
    """The earliest publication date of a statement's sources."""
    found = []
    for source in _objects(d, node, DCT + "source"):
        for prop in (SCHEMA + "datePublished", DCT + "date", DCT + "issued"):
            lit = _first_literal(d, source, prop)
            if lit is not None:
                found.append(literal_term(lit, d.prefixes))
                break
    return min(found, key=_date_key) if found else None


def _statements(d: Describer, nodes) -> tuple[StatementLine, ...]:
    lines = [line for n in dict.fromkeys(nodes) if (line := statement_line(d, n)) is not None]
    lines.sort(key=lambda s: (_date_key(s.date), s.term.label))
    return tuple(lines)


def _policy_lead(d: Describer, subject: ox.NamedNode, tracker, row, day) -> Lead:
    from frkg.publish.overview import parse_period

    events = []
    for node in _subjects(d, d.frkg("policy"), subject):
        when = _first_literal(d, node, DCT + "date")
        period = parse_period(when) if when is not None else None
        kind = next(iter(_objects(d, node, d.frkg("eventType"))), None)
        tally = _first_literal(d, node, d.frkg("voteTally"))
        resulting = next(iter(_objects(d, node, d.frkg("resultingStatus"))), None)
        events.append(
            EventLine(
                term=d.term(node),
                kind=d.term(kind) if kind is not None else None,
                date=literal_term(when, d.prefixes) if when is not None else None,
                precision=period.precision if period else None,
                tally=tally.value if tally is not None else None,
                participants=_terms(d, _objects(d, node, d.frkg("participant"))),
                resulting=d.term(resulting) if resulting is not None else None,
                claim=_claim(d, node),
            )
        )
    events.sort(key=lambda e: (_date_key(e.date), e.term.label))
    statuses = []
    for k in row.dates:
        if k.period.precision == "day":
            statuses.append((k, tracker.rule(subject, k.period.start)))
    people = []
    for caption, forward, backward in (
        ("proposed by", "proposedBy", "proposed"),
        ("sponsored by", "sponsor", "sponsored"),
        ("adopted by", "adoptedBy", "adopted"),
        ("advocated by", "advocatedBy", "advocates"),
    ):
        agents = _objects(d, subject, d.frkg(forward)) + _subjects(d, d.frkg(backward), subject)
        if agents:
            people.append((caption, _terms(d, dict.fromkeys(agents))))
    relations = []
    for caption, prop in (
        ("supersedes", "supersedes"),
        ("superseded by", "supersededBy"),
        ("extends", "extends"),
        ("extended by", "extendedBy"),
        ("amends", "amends"),
        ("amended by", "amendedBy"),
    ):
        linked = [o for o in _objects(d, subject, d.frkg(prop)) if isinstance(o, ox.NamedNode)]
        if linked:
            relations.append((caption, _terms(d, linked)))
    note = _first_literal(d, subject, SKOS_SCOPE_NOTE)
    return Lead(
        kind="policy",
        row=row,
        day=day,
        status=tracker.rule(subject, day) if day is not None else None,
        statuses=tuple(statuses),
        note=literal_term(note, d.prefixes) if note is not None else None,
        events=tuple(events),
        people=tuple(people),
        relations=tuple(relations),
        statements=_statements(d, _subjects(d, d.frkg("about"), subject)),
        claim=_claim(d, subject),
    )


def _role(d: Describer, membership: ox.NamedNode) -> RoleLine | None:
    member = next(iter(_objects(d, membership, ORG_NS + "member")), None)
    organization = next(iter(_objects(d, membership, ORG_NS + "organization")), None)
    if member is None or organization is None:
        return None
    role = next(iter(_objects(d, membership, ORG_NS + "role")), None)
    title = _first_literal(d, membership, d.frkg("title"))
    when = _first_literal(d, membership, DCT + "date")
    return RoleLine(
        member=d.term(member),
        organization=d.term(organization),
        role=d.term(role) if role is not None else None,
        title=title.value if title is not None else None,
        date=literal_term(when, d.prefixes) if when is not None else None,
        claim=_claim(d, membership),
    )


def _agent_lead(d: Describer, subject: ox.NamedNode) -> Lead:
    roles = [r for m in _subjects(d, ORG_NS + "member", subject) if (r := _role(d, m))]
    members = [r for m in _subjects(d, ORG_NS + "organization", subject) if (r := _role(d, m))]
    # People the data says are members (org:memberOf) without a membership node of their own.
    with_node = {r.member.value for r in members}
    for person in _subjects(d, ORG_NS + "memberOf", subject):
        if person.value not in with_node:
            members.append(RoleLine(d.term(person), d.term(subject), None, None, None, Claim()))
    said = _subjects(d, d.frkg("speaker"), subject) + _subjects(d, d.frkg("speaksFor"), subject)
    statements = _statements(d, said)
    letters = _objects(d, subject, d.frkg("signed")) + _subjects(d, d.frkg("signatory"), subject)
    policies = []
    for caption, forward, backward in (
        ("proposed", "proposed", "proposedBy"),
        ("sponsored", "sponsored", "sponsor"),
        ("adopted", "adopted", "adoptedBy"),
        ("advocates", "advocates", "advocatedBy"),
    ):
        found = _objects(d, subject, d.frkg(forward)) + _subjects(d, d.frkg(backward), subject)
        found = [p for p in found if isinstance(p, ox.NamedNode)]
        if found:
            policies.append((caption, _terms(d, dict.fromkeys(found))))
    uses = _subjects(d, d.frkg("user"), subject) + [
        o for o in _objects(d, subject, d.frkg("uses")) if isinstance(o, ox.NamedNode)
    ]
    # What it shares without having said it: the statements of each coalition it belongs to,
    # and those made in each letter it signed, with the policies those letters advocate.
    through: dict[str, list] = {}
    coalitions = _subjects(d, ORG_NS + "hasMember", subject) + [
        o for o in _objects(d, subject, ORG_NS + "memberOf") if isinstance(o, ox.NamedNode)
    ]
    for group in dict.fromkeys(coalitions):
        made = _subjects(d, d.frkg("speaker"), group) + _subjects(d, d.frkg("speaksFor"), group)
        if made:
            through[group.value] = [group, made]
    for letter in dict.fromkeys(x for x in letters if isinstance(x, ox.NamedNode)):
        made = _subjects(d, d.frkg("channel"), letter)
        if made:
            through.setdefault(letter.value, [letter, []])[1] += made
        advocated = [
            p for p in _objects(d, letter, d.frkg("advocates")) if isinstance(p, ox.NamedNode)
        ]
        if advocated:
            policies.append(("advocated in a letter it signed", _terms(d, advocated)))
    seen = {s.term.value for s in statements}  # each statement is shown once on the page
    shared = []
    for node, made in through.values():
        lines = tuple(s for s in _statements(d, made) if s.term.value not in seen)
        seen |= {s.term.value for s in lines}
        if lines:
            shared.append((d.term(node), lines))
    stances = {t.value: t for s in statements for t in s.stances}
    no_position = d.frkg("stance-no-position")
    return Lead(
        kind="agent",
        roles=tuple(sorted(roles, key=lambda r: r.organization.label.casefold())),
        members=tuple(sorted(members, key=lambda r: r.member.label.casefold())),
        letters=_terms(d, dict.fromkeys(x for x in letters if isinstance(x, ox.NamedNode))),
        policies=tuple(policies),
        technology=_terms(d, dict.fromkeys(uses)),
        stances=tuple(sorted((t for v, t in stances.items() if v != no_position), key=value_order)),
        statements=statements,
        shared=tuple(shared),
    )


def concept_lead(d: Describer, concept: ox.NamedNode, limit: int = PAGE_LIMIT) -> Lead:
    """What carries a concept (a stance, kind, status, scope): each property that points at it,
    with the things that do."""
    by_property: dict[str, list] = {}
    for q in d._quads(None, None, concept):
        if (
            isinstance(q.subject, ox.NamedNode)
            and q.predicate != RDF_TYPE
            and d.slug_of(q.subject.value) is not None
        ):
            by_property.setdefault(q.predicate.value, []).append(q.subject)
    carriers = []
    for prop in sorted(by_property, key=lambda p: d.term(ox.NamedNode(p)).label.casefold()):
        things = list(dict.fromkeys(by_property[prop]))
        carriers.append((d.term(ox.NamedNode(prop)), _terms(d, things)))
    return Lead(kind="concept", carriers=tuple(carriers))


ORG_NS = "http://www.w3.org/ns/org#"
SKOS_SCOPE_NOTE = "http://www.w3.org/2004/02/skos/core#scopeNote"
