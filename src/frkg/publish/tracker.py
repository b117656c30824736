"""The research tables: every policy as a row (the policy tracker), and every person and
organization of the debate as a row.

Each table is built once per load (:meth:`PolicyTracker.build`, :meth:`ActorTable.build`): a row
per entity with the values its columns show, already labelled. A request then only narrows,
counts and sorts them (:meth:`PolicyTracker.view`): a free-text filter (``q``: every word must
start a word of the row's text: its names, aliases, identifiers, places and notes), facets
(AND across facets, OR within one, each value counted with the other facets' filters kept, as
:mod:`frkg.publish.browse` does) and a sort on any column. The policy tracker also takes a day:
each row's status on that day comes from :mod:`frkg.publish.policy_status`, the one rule that
derives a status from dated events; no other code here decides what a date means.

Nothing here imports Flask.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import pyoxigraph as ox

from frkg.labels import fold
from frkg.namespaces import DCT, FOAF, ORG, OWL, RDF_TYPE, RDFS, SCHEMA, SKOS
from frkg.publish import policy_status
from frkg.publish.browse import Facet, FacetValue
from frkg.publish.dataset import DatasetIndex
from frkg.publish.describe import Describer
from frkg.publish.overview import Period, parse_period
from frkg.publish.terms import Term

#: How a row's dates are named in the columns, by the event type's local name: the dates that
#: matter to a reader of a policy, in the order a policy lives them.
DATE_COLUMNS = (
    ("introduced", ("event-introduced", "event-reintroduced")),
    ("passed", ("event-committee-vote", "event-first-vote", "event-final-vote", "event-enacted")),
    ("signed", ("event-signed", "event-announced", "event-decided")),
    ("effective", ("event-took-effect", "event-extended")),
    ("ended", ("event-expired", "event-repealed", "event-superseded")),
)
#: The keys of the status facet for a day on which the events do not decide, and for a day
#: before a policy's first step.
UNKNOWN, NOT_YET = "unknown", "not-yet"
#: Longest free-text filter, in characters.
MAX_FILTER = 200
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class BadView(ValueError):
    """A parameter of a table view that cannot be honoured (the message says which and why)."""


# -- the status of a policy on a day --------------------------------------------------------------


@dataclass(frozen=True)
class DayStatus:
    """Where a policy stood on a day: a status concept, or none, and why.

    ``status`` None with ``known`` means the policy had not yet begun; without ``known``, that
    the dated events do not decide the day.
    """

    status: Term | None
    reason: str
    in_force: bool | None = None  # None when unknown
    known: bool = True
    deciding_event: Term | None = None

    @property
    def key(self) -> str:
        """The facet key: the status's prefixed name, :data:`NOT_YET` or :data:`UNKNOWN`."""
        if self.status is not None:
            return self.status.curie or self.status.value
        return NOT_YET if self.known else UNKNOWN

    @property
    def label(self) -> str:
        """The status in words."""
        if self.status is not None:
            return self.status.label
        return "not yet" if self.known else "unknown"


#: The one time rule, as the tracker calls it: (policy, day) -> its status that day.
StatusRule = Callable[[ox.NamedNode, date], DayStatus]


def status_rule(index: DatasetIndex, describer: Describer) -> StatusRule:
    """The status of a policy on a day, from :mod:`frkg.publish.policy_status` (the dataset's
    one time rule)."""
    return DerivedStatus(index, describer)


class DerivedStatus:
    """The time rule's answers as :class:`DayStatus` values. Each policy's dated steps are read
    once, here (the build reads a local copy of a remote store); each day only derives. A class,
    not a closure, so that ``frkg load --store`` can save it with the rest of the tracker."""

    def __init__(self, index: DatasetIndex, describer: Describer) -> None:
        self.ns = describer.frkg("")
        self.steps = policy_status.steps_by_policy(index.kg)
        self.describer = describer

    def __call__(self, policy: ox.NamedNode, day: date) -> DayStatus:
        answer = policy_status.derive(self.steps.get(policy.value, []), day, self.ns)
        term = self.describer.term
        event = answer.deciding_event
        return DayStatus(
            term(ox.NamedNode(answer.status)) if answer.status else None,
            answer.reason,
            answer.in_force,
            answer.known,
            term(ox.NamedNode(event)) if event else None,
        )


def parse_day(text: str | None, today: date) -> date:
    """``text`` as an ISO day (``YYYY-MM-DD``), ``today`` when empty; :class:`BadView` if not."""
    if not text:
        return today
    if not _DAY.match(text):
        raise BadView(f"day must be a date written YYYY-MM-DD, not {text[:40]!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadView(f"{text!r} is not a day of the calendar") from None


# -- the table machinery --------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of a table: its URL name, its heading, and whether it sorts."""

    name: str
    label: str


@dataclass(frozen=True)
class Sort:
    """The column a table is sorted on, and which way."""

    column: str
    descending: bool

    @property
    def parameter(self) -> str:
        """How the URL says it: ``name`` or ``-name``."""
        return ("-" if self.descending else "") + self.column


@dataclass
class Row:
    """One entity of a table: its term, the facet keys it has, its sort keys and text."""

    term: Term
    facets: dict[str, dict[str, str]]  # facet -> key -> label
    text: str  # folded words the free-text filter reads
    sort: dict[str, tuple]  # column -> sort key


@dataclass(frozen=True)
class TableView:
    """The rows one request asks for, with the facets and how it was asked."""

    rows: tuple  # of the table's row type (PolicyRow or ActorRow)
    total: int  # rows shown
    count: int  # rows in all, unfiltered
    facets: tuple[Facet, ...]
    filters: dict[str, tuple[str, ...]]
    query: str
    sort: Sort
    day: date | None = None
    statuses: dict[str, DayStatus] = field(default_factory=dict)  # policy IRI -> status


class Table:
    """Rows, columns and facets; narrowed, counted and sorted per request."""

    columns: tuple[Column, ...] = ()
    facet_labels: dict[str, str] = {}
    default_sort = "name"

    def __init__(self, rows: list) -> None:
        self.rows = rows
        self.by_iri = {r.term.value: r for r in rows}

    def names(self) -> list[str]:
        """Every query parameter name the table reads as a facet."""
        return list(self.facet_labels)

    def sort_of(self, text: str | None) -> Sort:
        """``?sort=`` as a :class:`Sort`; :class:`BadView` for a column there is not."""
        raw = text or self.default_sort
        descending = raw.startswith("-")
        name = raw[1:] if descending else raw
        if name not in {c.name for c in self.columns}:
            names = ", ".join(c.name for c in self.columns)
            raise BadView(f"sort must name a column ({names}), with - before it to reverse")
        return Sort(name, descending)

    def narrow(
        self,
        rows: Sequence[Row],
        filters: Mapping[str, Sequence[str]],
        query: str,
        sort: Sort,
    ) -> tuple[list[Row], tuple[Facet, ...], dict[str, tuple[str, ...]]]:
        """The rows that pass ``query`` and ``filters``, sorted; the facets with counts."""
        unknown = [n for n in filters if n not in self.facet_labels]
        if unknown:
            names = ", ".join(self.facet_labels)
            raise BadView(f"{unknown[0]!r} is not a filter of this table; its filters are: {names}")
        if len(query) > MAX_FILTER:
            raise BadView(f"the filter is {len(query)} characters long; at most {MAX_FILTER}")
        chosen = {n: tuple(dict.fromkeys(k)) for n, k in filters.items() if k}
        words = fold(query).split()
        texts = [r for r in rows if all(_has_word(r.text, w) for w in words)]

        def passes(row: Row, skip: str | None) -> bool:
            return all(
                any(k in row.facets.get(name, {}) for k in keys)
                for name, keys in chosen.items()
                if name != skip
            )

        shown = [r for r in texts if passes(r, None)]
        facets = []
        for name, caption in self.facet_labels.items():
            base = [r for r in texts if passes(r, name)]
            counts: dict[str, int] = {}
            labels: dict[str, str] = {}
            for r in base:
                for k, label in r.facets.get(name, {}).items():
                    counts[k] = counts.get(k, 0) + 1
                    labels[k] = label
            for r in rows:  # a chosen value keeps its label when nothing has it now
                for k in chosen.get(name, ()):
                    if k in r.facets.get(name, {}):
                        labels.setdefault(k, r.facets[name][k])
            selected = set(chosen.get(name, ()))
            values = [
                FacetValue(k, labels.get(k, k), None, counts.get(k, 0), k in selected)
                for k in set(counts) | selected
            ]
            values.sort(key=lambda v: (-v.count, fold(v.label), v.key))
            if values:
                facets.append(Facet(name, caption, None, tuple(values)))
        missing = (1,) if not sort.descending else (-1,)

        def key(r: Row) -> tuple:
            value = r.sort.get(sort.column)
            # Rows without a value go last whichever way the column is sorted.
            return (missing if value is None else (0,), value or (), r.sort["name"])

        present = [r for r in shown if r.sort.get(sort.column) is not None]
        absent = [r for r in shown if r.sort.get(sort.column) is None]
        present.sort(key=key, reverse=sort.descending)
        absent.sort(key=lambda r: r.sort["name"])
        return present + absent, tuple(facets), chosen


def _has_word(text: str, word: str) -> bool:
    """True when a word of the folded ``text`` starts with ``word``."""
    return text.startswith(word) or f" {word}" in text


# -- the policy tracker ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyDate:
    """A date that matters in a policy's life: what it is, when, how precisely, and why we know."""

    column: str  # one of DATE_COLUMNS' names
    kind: Term  # the event type
    period: Period
    event: Term
    sources: tuple[Term, ...]


@dataclass
class PolicyRow(Row):
    """A policy as a tracker row."""

    types: tuple[Term, ...] = ()
    jurisdictions: tuple[Term, ...] = ()
    levels: tuple[Term, ...] = ()
    kinds: tuple[Term, ...] = ()
    scopes: tuple[Term, ...] = ()
    identifiers: tuple[str, ...] = ()
    dates: tuple[KeyDate, ...] = ()

    def dates_in(self, column: str) -> tuple[KeyDate, ...]:
        """The row's dates of one date column, earliest first."""
        return tuple(d for d in self.dates if d.column == column)


class PolicyTracker(Table):
    """Every policy of the dataset, with the status on any day."""

    columns = (
        Column("name", "Policy"),
        Column("status", "Status on the day"),
        Column("jurisdiction", "Jurisdiction"),
        Column("level", "Level"),
        Column("kind", "Kind"),
        Column("scope", "Scope"),
        *(Column(name, name) for name, _ in DATE_COLUMNS),
    )
    facet_labels = {
        "status": "status on the day",
        "level": "level",
        "kind": "kind",
        "scope": "scope",
        "type": "type",
        "jurisdiction": "jurisdiction",
    }

    def __init__(self, rows: list[PolicyRow], rule: StatusRule, describer: Describer) -> None:
        super().__init__(rows)
        self.rule = rule
        self.describer = describer
        self._days: dict[date, dict[str, DayStatus]] = {}

    @classmethod
    def build(cls, index: DatasetIndex, describer: Describer) -> PolicyTracker:
        """A row for every ``frkg:Policy`` of ``index``."""
        d = describer
        frkg = d.frkg
        read = _Reader(index, d)
        event_column = {frkg(local): name for name, locals_ in DATE_COLUMNS for local in locals_}
        events: dict[str, list[ox.NamedNode]] = {}
        for q in d._quads(None, ox.NamedNode(frkg("policy")), None):
            if isinstance(q.object, ox.NamedNode) and isinstance(q.subject, ox.NamedNode):
                events.setdefault(q.object.value, []).append(q.subject)
        jurisdiction_classes = index.descendants(frkg("Jurisdiction"))
        rows = []
        for node in index.instances(frkg("Policy")):
            term = d.term(node)
            places = read.objects(node, frkg("jurisdiction"))
            adopters = read.objects(node, frkg("adoptedBy"))
            where = places or adopters
            levels = []
            for place in where:
                levels += read.kinds(place, jurisdiction_classes if place in places else None)
            dates = []
            for event in dict.fromkeys(events.get(node.value, ())):
                for kind in read.objects(event, frkg("eventType")):
                    column = event_column.get(kind.value)
                    for lit in read.literals(event, DCT + "date"):
                        period = parse_period(lit)
                        if column and period:
                            sources = tuple(d.term(s) for s in read.objects(event, DCT + "source"))
                            dates.append(
                                KeyDate(column, d.term(kind), period, d.term(event), sources)
                            )
            dates.sort(key=lambda k: (k.period.start, k.period.end, k.column))
            row = PolicyRow(
                term=term,
                facets={},
                text="",
                sort={},
                types=read.types(node),
                jurisdictions=tuple(d.term(p) for p in where),
                levels=tuple(dict.fromkeys(levels)),
                kinds=tuple(d.term(k) for k in read.objects(node, frkg("policyKind"))),
                scopes=tuple(d.term(s) for s in read.objects(node, frkg("scope"))),
                identifiers=tuple(
                    sorted(
                        {lit.value for lit in read.literals(node, SCHEMA + "legislationIdentifier")}
                        | read.identifiers(node)
                    )
                ),
                dates=tuple(dates),
            )
            row.facets = {
                "level": _keyed(row.levels),
                "kind": _keyed(row.kinds),
                "scope": _keyed(row.scopes),
                "type": _keyed(row.types),
                "jurisdiction": _keyed(
                    [d.term(p) for place in where for p in (place, *read.above(place))]
                ),
            }
            words = [term.label, *row.identifiers, *read.aliases(node)]
            for place in where:
                words += [d.term(place).label, *read.aliases(place)]
                words += [d.term(p).label for p in read.above(place)]
            words += [t.label for t in (*row.kinds, *row.scopes, *row.levels)]
            words += read.texts(node)
            row.text = fold(" ".join(words))
            first = {}
            for k in row.dates:
                first.setdefault(k.column, (k.period.start.isoformat(), k.period.precision))
            row.sort = {
                "name": (fold(term.label), term.value),
                "jurisdiction": _first_label(row.jurisdictions),
                "level": _first_label(row.levels),
                "kind": _first_label(row.kinds),
                "scope": _first_label(row.scopes),
                **first,
            }
            rows.append(row)
        rows.sort(key=lambda r: r.sort["name"])
        return cls(rows, status_rule(index, describer), describer)

    def statuses(self, day: date) -> dict[str, DayStatus]:
        """Every policy's status on ``day`` (computed once per day asked, the last few kept)."""
        found = self._days.get(day)
        if found is None:
            found = {r.term.value: self.rule(ox.NamedNode(r.term.value), day) for r in self.rows}
            if len(self._days) > 64:
                self._days.clear()
            self._days[day] = found
        return found

    def view(
        self,
        day: date,
        filters: Mapping[str, Sequence[str]],
        query: str = "",
        sort: str | None = None,
    ) -> TableView:
        """The rows on ``day`` that pass ``query`` and ``filters``, sorted by ``sort``."""
        chosen_sort = self.sort_of(sort)
        statuses = self.statuses(day)
        # Each request gets its own copies of the rows with the day's status: the rows built
        # once per load are shared by the server's threads and never change.
        rows = []
        for r in self.rows:
            status = statuses[r.term.value]
            rows.append(
                replace(
                    r,
                    facets={**r.facets, "status": {status.key: status.label}},
                    sort={**r.sort, "status": (0 if status.in_force else 1, fold(status.label))},
                )
            )
        shown, facets, chosen = self.narrow(rows, filters, query, chosen_sort)
        return TableView(
            rows=tuple(shown),
            total=len(shown),
            count=len(self.rows),
            facets=facets,
            filters=chosen,
            query=query,
            sort=chosen_sort,
            day=day,
            statuses={r.term.value: statuses[r.term.value] for r in shown},
        )

    # -- twins ----------------------------------------------------------------------------------

    def csv(self, view: TableView) -> str:
        """The rows shown as CSV (RFC 4180: CRLF line ends, quoted where needed), one a line."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        dates = [name for name, _ in DATE_COLUMNS]
        writer.writerow(
            [
                "policy",
                "label",
                "jurisdiction",
                "level",
                "kind",
                "scope",
                "identifiers",
                f"status on {view.day.isoformat()}",
                "status reason",
                *(f"{n} date" for n in dates),
                *(f"{n} precision" for n in dates),
            ]
        )
        for r in view.rows:
            status = view.statuses[r.term.value]
            writer.writerow(
                [
                    r.term.value,
                    r.term.label,
                    _joined(r.jurisdictions),
                    _joined(r.levels),
                    _joined(r.kinds),
                    _joined(r.scopes),
                    "; ".join(r.identifiers),
                    status.label,
                    status.reason,
                    *("; ".join(k.period.machine for k in r.dates_in(n)) for n in dates),
                    *("; ".join(k.period.precision for k in r.dates_in(n)) for n in dates),
                ]
            )
        return out.getvalue()

    def json(self, view: TableView, term_json: Callable[[Term], dict]) -> list[dict]:
        """The rows shown as JSON objects (``term_json`` writes each term)."""
        out = []
        for r in view.rows:
            status = view.statuses[r.term.value]
            out.append(
                {
                    **term_json(r.term),
                    "types": [term_json(t) for t in r.types],
                    "jurisdictions": [term_json(t) for t in r.jurisdictions],
                    "levels": [term_json(t) for t in r.levels],
                    "kinds": [term_json(t) for t in r.kinds],
                    "scopes": [term_json(t) for t in r.scopes],
                    "identifiers": list(r.identifiers),
                    "status": {
                        "day": view.day.isoformat(),
                        "status": term_json(status.status) if status.status else None,
                        "label": status.label,
                        "inForce": status.in_force,
                        "reason": status.reason,
                        **(
                            {"decidingEvent": term_json(status.deciding_event)}
                            if status.deciding_event
                            else {}
                        ),
                    },
                    "dates": [
                        {
                            "what": k.column,
                            "eventType": term_json(k.kind),
                            "date": k.period.machine,
                            "precision": k.period.precision,
                            "event": term_json(k.event),
                            "sources": [term_json(s) for s in k.sources],
                        }
                        for k in r.dates
                    ],
                }
            )
        return out

    def quads(self, view: TableView, index: DatasetIndex) -> list[ox.Quad]:
        """The rows shown as RDF: each policy's own triples of the columns, and its events'."""
        d = self.describer
        props = [
            RDF_TYPE.value,
            RDFS + "label",
            d.frkg("jurisdiction"),
            d.frkg("adoptedBy"),
            d.frkg("policyKind"),
            d.frkg("scope"),
            d.frkg("status"),
            d.frkg("statusDate"),
            SCHEMA + "legislationIdentifier",
            OWL + "sameAs",
        ]
        event_props = [
            RDF_TYPE.value,
            RDFS + "label",
            d.frkg("policy"),
            d.frkg("eventType"),
            DCT + "date",
            DCT + "source",
            d.frkg("resultingStatus"),
        ]
        seen: set[ox.Triple] = set()
        out: list[ox.Quad] = []

        def add(s: ox.NamedNode, wanted: Iterable[str]) -> None:
            for p in wanted:
                for q in d._quads(s, ox.NamedNode(p), None):
                    t = ox.Triple(q.subject, q.predicate, q.object)
                    if t not in seen:
                        seen.add(t)
                        out.append(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()))

        for r in view.rows:
            add(ox.NamedNode(r.term.value), props)
            for k in r.dates:
                add(ox.NamedNode(k.event.value), event_props)
            for t in (*r.jurisdictions, *r.kinds, *r.scopes):
                add(ox.NamedNode(t.value), [RDFS + "label", SKOS + "prefLabel"])
        return out


# -- people and organizations ---------------------------------------------------------------------


@dataclass
class ActorRow(Row):
    """A person or organization as a row."""

    kinds: tuple[Term, ...] = ()
    roles: tuple[tuple[Term, Term | None, str | None], ...] = ()  # (organization, role, title)
    stances: tuple[Term, ...] = ()
    #: Stances taken only through a coalition it belongs to or a letter it signed: (stance, via)
    shared: tuple[tuple[Term, Term], ...] = ()
    statements: int = 0
    policies: tuple[Term, ...] = ()
    letters: tuple[Term, ...] = ()


class ActorTable(Table):
    """Every person and organization of the dataset, with roles, stances and statements."""

    columns = (
        Column("name", "Name"),
        Column("kind", "Kind"),
        Column("role", "Roles"),
        Column("stance", "Stances"),
        Column("statements", "Statements"),
        Column("policies", "Policies"),
    )
    facet_labels = {
        "kind": "kind",
        "stance": "stance (stated, or shared through a coalition or letter)",
        "role": "role",
    }

    def __init__(self, rows: list[ActorRow], describer: Describer) -> None:
        super().__init__(rows)
        self.describer = describer

    @classmethod
    def build(cls, index: DatasetIndex, describer: Describer) -> ActorTable:
        """A row for every person and organization of ``index``."""
        d = describer
        frkg = d.frkg
        read = _Reader(index, d)
        people = set(index.instances(SCHEMA + "Person")) | set(index.instances(FOAF + "Person"))
        organizations = set(index.instances(ORG + "Organization"))
        statements: dict[str, list[ox.NamedNode]] = {}
        for prop in ("speaker", "speaksFor"):
            for q in d._quads(None, ox.NamedNode(frkg(prop)), None):
                if isinstance(q.subject, ox.NamedNode):
                    statements.setdefault(q.object.value, []).append(q.subject)
        shared = _shared_statements(index, d)
        memberships: dict[str, list[ox.NamedNode]] = {}
        for q in d._quads(None, ox.NamedNode(ORG + "member"), None):
            if isinstance(q.subject, ox.NamedNode):
                memberships.setdefault(q.object.value, []).append(q.subject)
        rows = []
        for node in sorted(people | organizations, key=lambda n: n.value):
            term = d.term(node)
            said = list(dict.fromkeys(statements.get(node.value, ())))
            stances = list(
                dict.fromkeys(s for st in said for s in read.objects(st, frkg("stance")))
            )
            no_position = frkg("stance-no-position")
            stated = [s for s in stances if s.value != no_position]
            roles = []
            for m in memberships.get(node.value, ()):
                for o in read.objects(m, ORG + "organization"):
                    role = next(iter(read.objects(m, ORG + "role")), None)
                    title = next(iter(read.literals(m, frkg("title"))), None)
                    roles.append(
                        (d.term(o), d.term(role) if role else None, title.value if title else None)
                    )
            policies = []
            for prop in ("proposed", "sponsored", "adopted", "advocates"):
                policies += read.objects(node, frkg(prop))
            for prop in ("proposedBy", "sponsor", "adoptedBy"):
                policies += [q.subject for q in d._quads(None, ox.NamedNode(frkg(prop)), node)]
            letters = read.objects(node, frkg("signed")) + [
                q.subject for q in d._quads(None, ox.NamedNode(frkg("signatory")), node)
            ]
            kinds = read.types(node, specific=True)
            via: dict[str, tuple[Term, Term]] = {}
            for statement, through in shared.get(node.value, ()):
                for st in read.objects(statement, frkg("stance")):
                    if st.value != no_position and st not in stated:
                        via.setdefault(st.value, (d.term(st), d.term(through)))
            row = ActorRow(
                term=term,
                facets={
                    "kind": _keyed(kinds),
                    "stance": _keyed([d.term(s) for s in stated] + [t for t, _ in via.values()]),
                    "role": _keyed([r for _, r, _ in roles if r is not None]),
                },
                text="",
                sort={},
                kinds=kinds,
                roles=tuple(roles),
                stances=tuple(sorted((d.term(s) for s in stated), key=lambda t: fold(t.label))),
                shared=tuple(sorted(via.values(), key=lambda tv: fold(tv[0].label))),
                statements=len(said),
                policies=tuple(d.term(p) for p in dict.fromkeys(policies)),
                letters=tuple(d.term(x) for x in dict.fromkeys(letters)),
            )
            words = [term.label, *read.aliases(node), *read.identifiers(node)]
            words += [t.label for t in kinds] + [o.label for o, _, _ in roles]
            words += [t for _, _, t in roles if t] + [r.label for _, r, _ in roles if r]
            row.text = fold(" ".join(words))
            row.sort = {
                "name": (fold(term.label), term.value),
                "kind": _first_label(kinds),
                "role": _first_label([o for o, _, _ in roles]),
                "stance": _first_label(row.stances),
                "statements": (row.statements,) if row.statements else None,
                "policies": (len(row.policies),) if row.policies else None,
            }
            rows.append(row)
        rows.sort(key=lambda r: r.sort["name"])
        return cls(rows, describer)

    def view(
        self, filters: Mapping[str, Sequence[str]], query: str = "", sort: str | None = None
    ) -> TableView:
        """The rows that pass ``query`` and ``filters``, sorted by ``sort``."""
        chosen_sort = self.sort_of(sort)
        shown, facets, chosen = self.narrow(self.rows, filters, query, chosen_sort)
        return TableView(
            tuple(shown), len(shown), len(self.rows), facets, chosen, query, chosen_sort
        )

    def csv(self, view: TableView) -> str:
        """The rows shown as CSV (RFC 4180)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(
            [
                "agent",
                "name",
                "kind",
                "roles",
                "stances",
                "shared stances",
                "statements",
                "policies",
            ]
        )
        for r in view.rows:
            writer.writerow(
                [
                    r.term.value,
                    r.term.label,
                    _joined(r.kinds),
                    "; ".join(_role_text(role) for role in r.roles),
                    _joined(r.stances),
                    "; ".join(f"{t.label} (through {via.label})" for t, via in r.shared),
                    r.statements,
                    _joined(r.policies),
                ]
            )
        return out.getvalue()

    def json(self, view: TableView, term_json: Callable[[Term], dict]) -> list[dict]:
        """The rows shown as JSON objects."""
        return [
            {
                **term_json(r.term),
                "kinds": [term_json(t) for t in r.kinds],
                "roles": [
                    {
                        "organization": term_json(o),
                        **({"role": term_json(role)} if role else {}),
                        **({"title": title} if title else {}),
                    }
                    for o, role, title in r.roles
                ],
                "stances": [term_json(t) for t in r.stances],
                "sharedStances": [
                    {**term_json(t), "through": term_json(via)} for t, via in r.shared
                ],
                "statements": r.statements,
                "policies": [term_json(t) for t in r.policies],
            }
            for r in view.rows
        ]

    def quads(self, view: TableView, index: DatasetIndex) -> list[ox.Quad]:
        """The rows shown as RDF: each agent's type and label, and its memberships."""
        d = self.describer
        out: list[ox.Quad] = []
        for r in view.rows:
            node = ox.NamedNode(r.term.value)
            for p in (RDF_TYPE.value, RDFS + "label", ORG + "memberOf"):
                for q in d._quads(node, ox.NamedNode(p), None):
                    out.append(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()))
        return out


def _shared_statements(index: DatasetIndex, d: Describer) -> dict[str, list]:
    """Agent IRI -> (statement, coalition or letter) for each statement made by or for a
    coalition it belongs to (``org:hasMember``, ``org:memberOf``), or made in a letter it signed
    (``frkg:channel`` + ``frkg:signatory``): positions it shares without having said them."""
    frkg = d.frkg
    coalitions = index.descendants(frkg("Coalition"))
    out: dict[str, list] = {}
    for prop in ("speaker", "speaksFor"):
        for q in d._quads(None, ox.NamedNode(frkg(prop)), None):
            speaker = q.object
            if not isinstance(speaker, ox.NamedNode):
                continue
            if not coalitions & set(index.entity_types.get(speaker.value, ())):
                continue
            members = [m.object for m in d._quads(speaker, ox.NamedNode(ORG + "hasMember"), None)]
            members += [m.subject for m in d._quads(None, ox.NamedNode(ORG + "memberOf"), speaker)]
            for member in dict.fromkeys(members):
                out.setdefault(member.value, []).append((q.subject, speaker))
    for q in d._quads(None, ox.NamedNode(frkg("channel")), None):
        letter = q.object
        for s in d._quads(letter, ox.NamedNode(frkg("signatory")), None):
            out.setdefault(s.object.value, []).append((q.subject, letter))
    return out


def _role_text(role: tuple[Term, Term | None, str | None]) -> str:
    organization, kind, title = role
    return title or (f"{kind.label}, {organization.label}" if kind else organization.label)


# -- reading the store ----------------------------------------------------------------------------


class _Reader:
    """The few reads the tables make, restricted to the described graphs."""

    def __init__(self, index: DatasetIndex, describer: Describer) -> None:
        self.index = index
        self.d = describer
        self._up: dict[str, tuple[ox.NamedNode, ...]] = {}

    # Values in term order, not the store's: a row reads the same from every backend.
    def objects(self, s: ox.NamedNode, p: str) -> list[ox.NamedNode]:
        found = {q.object for q in self.d._quads(s, ox.NamedNode(p), None)}
        return sorted((o for o in found if isinstance(o, ox.NamedNode)), key=lambda o: o.value)

    def literals(self, s: ox.NamedNode, p: str) -> list[ox.Literal]:
        found = [q.object for q in self.d._quads(s, ox.NamedNode(p), None)]
        return sorted((o for o in found if isinstance(o, ox.Literal)), key=str)

    def texts(self, s: ox.NamedNode) -> list[str]:
        """Notes a reader may search by: descriptions, scope notes, cautions."""
        out = []
        for p in (RDFS + "comment", SKOS + "scopeNote", self.d.frkg("caution")):
            out += [lit.value for lit in self.literals(s, p)]
        return out

    def aliases(self, s: ox.NamedNode) -> list[str]:
        return [lit.value for lit in self.literals(s, SKOS + "altLabel")]

    def identifiers(self, s: ox.NamedNode) -> set[str]:
        """Wikidata item numbers (``Q3884``) of the node's ``owl:sameAs`` links."""
        out = set()
        for o in self.objects(s, OWL + "sameAs"):
            m = re.match(r"^https?://www\.wikidata\.org/(?:entity|wiki)/(Q\d+)$", o.value)
            if m:
                out.add(m.group(1))
        return out

    def types(self, s: ox.NamedNode, specific: bool = True) -> tuple[Term, ...]:
        types = self.index.entity_types.get(s.value, ())
        if specific:
            types = [t for t in types if not any(t in self.index.ancestors(u) for u in types)]
        return tuple(
            sorted((self.d.term(ox.NamedNode(t)) for t in types), key=lambda t: fold(t.label))
        )

    def kinds(self, s: ox.NamedNode, allowed: set[str] | None) -> list[Term]:
        """The most specific types of a place (within ``allowed``) or an adopting organization."""
        types = [
            t for t in self.index.entity_types.get(s.value, ()) if allowed is None or t in allowed
        ]
        specific = [t for t in types if not any(t in self.index.ancestors(u) for u in types)]
        return sorted((self.d.term(ox.NamedNode(t)) for t in specific), key=lambda t: fold(t.label))

    def above(self, s: ox.NamedNode) -> tuple[ox.NamedNode, ...]:
        """Every place ``s`` is in (``schema:containedInPlace``, transitively)."""
        if s.value in self._up:
            return self._up[s.value]
        seen: list[ox.NamedNode] = []
        todo = [s]
        while todo:
            for o in self.objects(todo.pop(), SCHEMA + "containedInPlace"):
                if o not in seen and o != s:
                    seen.append(o)
                    todo.append(o)
        self._up[s.value] = tuple(seen)
        return self._up[s.value]


def _keyed(terms: Iterable[Term]) -> dict[str, str]:
    return {(t.curie or t.slug or t.value): t.label for t in terms}


def _first_label(terms: Sequence[Term]) -> tuple | None:
    return (fold(terms[0].label), terms[0].value) if terms else None


def _joined(terms: Iterable[Term]) -> str:
    return "; ".join(t.label for t in terms)
