"""A policy's status on any day, derived from its dated steps by one rule.

A policy's steps are its ``frkg:PolicyEvent`` nodes: each has an event type, the status it left
the policy in (``frkg:resultingStatus``) and a date of some precision: a day (``xsd:date``), a
month (``xsd:gYearMonth``), a year (``xsd:gYear``), or, for a step a source reports without its
date, only the earliest day it can have happened (``frkg:notBefore``). Pages, the policy list, the
"status on a day" and "in force on a day" example queries and ``frkg stats`` all answer with this
rule; ``docs/data-model.md`` states it for readers.

**When a step has happened.** A step dated to a day has happened from that day on. A step dated
only to a month or a year *may* have happened from the first day of that month or year and *has*
happened from the first day of the next one. A step known only as not before a day may have
happened from that day and is never known to have happened by any given day.

**The rule**, for a policy on day *D*:

1. No step has certainly happened by *D*:
   - if a step may have happened by then (it is dated to the month or year of *D*, or not before
     a day on or before *D*), the status is **unknown**;
   - else, if the earliest step is only a source reporting the status (event type
     ``status reported``: it does not say when that status began), it is **unknown**;
   - else the policy had **not yet** begun: no status, and certainly not in force.
2. Otherwise the deciding step is, of the steps that have certainly happened, the one furthest
   along the life cycle (proposed, introduced, passed, enacted, in force, then superseded,
   expired, repealed, not enacted), and of several at that stage the latest. A policy's life only
   moves forward, so this is its latest step even when steps' dates overlap (a signature known to
   the month and a vote known to the day). Its resulting status is the answer, except that it is
   **unknown**:
   - when a step that may or may not have happened by *D* would leave another status; or
   - when that status is a passing one (introduced, passed a vote, enacted: a bill moves on, an
     enacted law takes effect), *D* is after the deciding step's own day, and no step is dated
     after *D*: the sources then do not say whether it had moved on, so no later status is guessed
     and it is never silently "not in force".
   A lasting status (proposed, in force, expired, repealed, superseded, not enacted) holds until a
   later step changes it.

The stored ``frkg:status`` and ``frkg:statusDate`` of a policy are the status after its latest
step and that step's date (:func:`latest_status`); ``shapes/policies.ttl`` checks they agree.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from frkg.namespaces import ontology_ns

XSD = "http://www.w3.org/2001/XMLSchema#"

#: Statuses a later step is expected to change: the status after them is known only up to the
#: next dated step (local names in the status scheme).
PASSING = ("status-introduced", "status-passed", "status-enacted")
#: The life cycle, for steps whose order is not known: the furthest along wins.
LIFE_CYCLE = (
    "status-proposed",
    "status-introduced",
    "status-passed",
    "status-enacted",
    "status-in-force",
    "status-in-use",
    "status-superseded",
    "status-discontinued",
    "status-expired",
    "status-repealed",
    "status-not-enacted",
)
REPORTED = "event-status-reported"


@dataclass(frozen=True)
class Step:
    """One dated step of a policy, with the days its date allows."""

    iri: str
    event_type: str  # local name in the event type scheme, such as "event-signed"
    status: str  # local name in the status scheme, such as "status-in-force"
    date: str  # the lexical date (or the frkg:notBefore day)
    precision: str  # "day", "month", "year" or "not-before"
    start: dt.date  # the first day it may have happened
    last: dt.date | None  # the last day it may have happened (None: not known)

    def happened_by(self, day: dt.date) -> bool:
        """Whether the step counts as having happened by ``day``: from its day, or from the
        first day after its month or year (the rule counts whole periods, as SPARQL can)."""
        if self.last is None:
            return False
        return self.last <= day if self.precision == "day" else self.last < day

    def may_have_happened_by(self, day: dt.date) -> bool:
        """Whether the step may have happened on or before ``day`` (but has not certainly)."""
        return self.start <= day and not self.happened_by(day)

    def describe(self) -> str:
        """The step in words: its type and date, as a reason quotes it."""
        what = self.event_type.removeprefix("event-").replace("-", " ")
        when = {
            "day": f"on {self.date}",
            "month": f"dated only to the month {self.date}",
            "year": f"dated only to the year {self.date}",
            "not-before": f"reported without its date, not before {self.date}",
        }[self.precision]
        return f"the step '{what}' ({when})"


@dataclass(frozen=True)
class StatusOnDay:
    """Where a policy stood on a day, and why.

    ``status`` is the IRI of a concept of the status scheme, or None when the answer is unknown
    or the policy had not yet begun; ``known`` tells those two apart. ``deciding_event`` is the
    IRI of the step the answer rests on (None when there is none).
    """

    status: str | None
    reason: str
    deciding_event: str | None
    known: bool = True

    @property
    def in_force(self) -> bool | None:
        """True or False when the steps decide it, None when they do not."""
        if not self.known:
            return None
        return self.status is not None and self.status.endswith("#status-in-force")


def _interval(lexical: str, datatype: str) -> tuple[str, dt.date, dt.date | None]:
    """(precision, first possible day, last possible day) of a step's date."""
    if datatype == XSD + "gYearMonth":
        year, month = int(lexical[:4]), int(lexical[5:7])
        last = calendar.monthrange(year, month)[1]
        return "month", dt.date(year, month, 1), dt.date(year, month, last)
    if datatype == XSD + "gYear":
        year = int(lexical[:4])
        return "year", dt.date(year, 1, 1), dt.date(year, 12, 31)
    return "day", dt.date.fromisoformat(lexical), dt.date.fromisoformat(lexical)


def _rank(step: Step) -> int:
    return LIFE_CYCLE.index(step.status) if step.status in LIFE_CYCLE else -1


def _latest(steps: list[Step]) -> Step:
    """Of steps that have all happened, the one furthest along the life cycle (a policy's life
    only moves forward, so this is also its latest); among steps of one stage, the latest."""
    return max(steps, key=lambda s: (_rank(s), s.start, s.iri))


def derive(steps: list[Step], day: dt.date, ns: str) -> StatusOnDay:
    """The status on ``day`` that ``steps`` give, by the rule of this module's docstring."""
    if not steps:
        return StatusOnDay(None, "no dated step is recorded for this policy", None, known=False)
    done = [s for s in steps if s.happened_by(day)]
    maybe = [s for s in steps if s.may_have_happened_by(day)]
    if not done:
        if maybe:
            first = min(maybe, key=lambda s: s.start)
            why = f"{first.describe()} may or may not have happened by {day}"
            return StatusOnDay(None, why, first.iri, known=False)
        first = min(steps, key=lambda s: (s.start, s.event_type != REPORTED))
        if first.event_type == REPORTED:
            why = f"the sources report its status only from {first.date}, not when it began"
            return StatusOnDay(None, why, first.iri, known=False)
        why = f"before its first dated step, {first.describe()}"
        return StatusOnDay(None, why, first.iri, known=True)
    latest = _latest(done)
    status = ns + latest.status
    label = latest.status.removeprefix("status-").replace("-", " ")
    for other in maybe:
        if other.status != latest.status:
            why = (
                f"{latest.describe()} left it {label}, but {other.describe()} may fall "
                f"before or after {day}"
            )
            return StatusOnDay(None, why, other.iri, known=False)
    later = [s for s in steps if s.start > day]
    if latest.status in PASSING and not later and latest.last is not None and day > latest.last:
        why = (
            f"{latest.describe()} left it {label}; no later step is dated, so whether it had "
            f"moved on by {day} is not known"
        )
        return StatusOnDay(None, why, latest.iri, known=False)
    return StatusOnDay(status, f"{latest.describe()} left it {label}", latest.iri, known=True)


def latest_status(steps: list[Step], ns: str) -> tuple[str | None, Step | None]:
    """The status after all of a policy's steps, and the step it comes from (what a stored
    ``frkg:status`` must say; its ``frkg:statusDate`` is that step's date, if it has one)."""
    if not steps:
        return None, None
    latest = _latest(steps)
    return ns + latest.status, latest


_STEPS = """
SELECT ?policy ?step ?type ?status ?date ?notBefore WHERE {{
  {values}
  ?step <{ns}policy> ?policy ;
        <{ns}eventType> ?type ;
        <{ns}resultingStatus> ?status .
  OPTIONAL {{ ?step <http://purl.org/dc/terms/date> ?date }}
  OPTIONAL {{ ?step <{ns}notBefore> ?notBefore }}
}}"""

_POLICIES = """
SELECT DISTINCT ?policy WHERE {{
  ?policy a ?class . ?class <http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{ns}Policy> .
}} ORDER BY ?policy"""


def _store(source: Any) -> Any:
    """The pyoxigraph-like store of a KnowledgeGraph, or the store itself."""
    return getattr(source, "store", source)


def _namespace(source: Any, policy_iri: str | None = None) -> str:
    """The ontology namespace of the data: from the knowledge graph's base, else the IRI's."""
    base = getattr(source, "base", None)
    if base is None and policy_iri and "/id/" in policy_iri:
        base = policy_iri[: policy_iri.rindex("/id/") + 1]
    return ontology_ns(base or "https://w3id.org/frkg/")


def steps_by_policy(source: Any, policy_iris: list[str] | None = None) -> dict[str, list[Step]]:
    """Every dated step of the given policies (all policies when None), by policy IRI."""
    ns = _namespace(source, policy_iris[0] if policy_iris else None)
    values = ""
    if policy_iris is not None:
        values = "VALUES ?policy { " + " ".join(f"<{p}>" for p in policy_iris) + " }"
    found: dict[str, list[Step]] = {p: [] for p in policy_iris or []}
    rows = _store(source).query(
        _STEPS.format(values=values, ns=ns), use_default_graph_as_union=True
    )
    for row in rows:
        date, not_before = row["date"], row["notBefore"]
        if isinstance(date, ox.Literal):
            precision, start, last = _interval(date.value, date.datatype.value)
            lexical = date.value
        elif isinstance(not_before, ox.Literal):
            precision, start, last = "not-before", dt.date.fromisoformat(not_before.value), None
            lexical = not_before.value
        else:
            continue  # an undated step: the shapes report it
        step = Step(
            iri=row["step"].value,
            event_type=row["type"].value.removeprefix(ns),
            status=row["status"].value.removeprefix(ns),
            date=lexical,
            precision=precision,
            start=start,
            last=last,
        )
        found.setdefault(row["policy"].value, []).append(step)
    return found


def policies(source: Any) -> list[str]:
    """The IRIs of every policy in the data (legislation, corporate policies, proposals)."""
    ns = _namespace(source)
    rows = _store(source).query(_POLICIES.format(ns=ns), use_default_graph_as_union=True)
    return [row["policy"].value for row in rows]


def status_on(source: Any, policy_iri: str, day: dt.date | str) -> StatusOnDay:
    """Where the policy ``policy_iri`` stood on ``day``, from its dated steps.

    ``source`` is a :class:`frkg.store.KnowledgeGraph` or a pyoxigraph-like store; ``day`` a
    date or an ISO ``YYYY-MM-DD`` string.
    """
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    steps = steps_by_policy(source, [policy_iri])[policy_iri]
    return derive(steps, day, _namespace(source, policy_iri))


def statuses_on(source: Any, day: dt.date | str) -> dict[str, StatusOnDay]:
    """:func:`status_on` for every policy of the data, read in one query."""
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    ns = _namespace(source)
    steps = steps_by_policy(source)
    return {p: derive(steps.get(p, []), day, ns) for p in policies(source)}
