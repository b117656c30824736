"""The home page's overview: headline counts, who took which stance, what happened when, citing.

Everything is derived from the loaded data and the ontology's terms, never from a list of actors
or policies:

- **Stance matrix** (actors x stances). An actor takes the stance of a statement it makes
  (``frkg:speaker``) or is spoken for in (``frkg:speaksFor``), of a statement made by or for a
  coalition it belongs to (``org:memberOf`` / ``org:hasMember``), and of a statement made in a
  letter it signed (``frkg:channel`` + ``frkg:signatory``). Organizations that use the technology
  (``frkg:TechnologyUse`` / ``frkg:user``) get a mark in a last column. Rows and columns are
  ordered by a few rounds of the barycentre heuristic, so actors with like stances sit together.
- **Timeline**: dated ``frkg:PolicyEvent`` nodes (``dct:date``), campaigns' ``schema:startDate``
  and open letters' ``schema:datePublished`` / ``dct:date``, one lane per policy they concern
  (``frkg:policy``, ``frkg:advocates``). A date known to the day is a dot; one known to the month
  or year is a bar over that month or year, so no precision is invented.

The layout (coordinates in SVG user units) is computed here; ``templates/_overview.html`` draws
it. Nothing here imports Flask.
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pyoxigraph as ox

from frkg import CANONICAL_BASE
from frkg.labels import fold
from frkg.namespaces import DATASET_SLUG, STANDARD_PREFIXES, entity_iri, ontology_ns
from frkg.publish.dataset import DatasetIndex
from frkg.publish.dates import MONTHS, format_date
from frkg.publish.describe import Describer, best_literal
from frkg.publish.terms import Term

DCT = STANDARD_PREFIXES["dct"]
SCHEMA = STANDARD_PREFIXES["schema"]
ORG = STANDARD_PREFIXES["org"]
OWL = STANDARD_PREFIXES["owl"]
RDFS = STANDARD_PREFIXES["rdfs"]
XSD = STANDARD_PREFIXES["xsd"]

#: Headline counts: caption and the ontology class (local name) counted with its subclasses.
HEADLINES = (
    ("statements", "Statement"),
    ("quotes", "Quote"),
    ("policies", "Policy"),
    ("sources", "Source"),
)

# Matrix geometry (SVG user units).
CELL = 28
#: Most actors (rows) the matrix draws: those with the most statements.
MAX_ACTORS = 60
#: Most lanes (policies) the timeline draws: those with the most dated things.
MAX_LANES = 80
ROW_LABEL_WIDTH = 280
MATRIX_MARGIN = 12
LABEL_CHARS = 38
#: Average advance of a character of the labels, in user units (13px system-ui), for layout.
CHAR_WIDTH = 7.2
#: The stance that says no position was stated: never a column of the matrix.
NO_POSITION = "stance-no-position"
#: How many colours the stylesheet has for stances (``.c0`` ... ``.c11``).
COLOURS = 12
#: Column headings are turned this many degrees up from the horizontal.
HEADING_ANGLE = 50
# Timeline geometry.
TIMELINE_WIDTH = 1000
LANE_HEIGHT = 30
LANE_LABEL_WIDTH = 340
#: Characters of a lane's label per line (12px labels in the label column), and line height.
LANE_LINE_CHARS = 46
LANE_LINE_HEIGHT = 14
#: A stretch of time with nothing in it longer than this many days, and longer than this share
#: of the whole, breaks the axis (an outlier such as a 2008 law does not squeeze the rest).
BREAK_DAYS = 730
BREAK_SHARE = 0.25
BREAK_WIDTH = 28
#: The narrowest a stretch of the axis is drawn (user units).
MIN_STRETCH = 70
AXIS_HEIGHT = 40
TIMELINE_MARGIN = 16
BARYCENTRE_ROUNDS = 8


@dataclass(frozen=True)
class Headline:
    """One headline count and the list page it opens."""

    caption: str
    count: int
    cls: str | None  # class IRI of the list page, None for triples


@dataclass(frozen=True)
class Cell:
    """A mark in the matrix: where, what it links to, what it says."""

    kind: str  # "stance" (a stance taken) or "use" (the technology used)
    column: int
    x: float
    y: float
    link: Term
    title: str
    direct: bool
    count: int
    via: str = ""  # for a stance not taken directly: "coalition" or "letter"


@dataclass(frozen=True)
class Row:
    """One actor: its label, its position, its marks."""

    actor: Term
    short: str
    y: float
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Column:
    """One stance (or the use of the technology, when ``term`` is None)."""

    term: Term | None
    label: str
    x: float
    actors: int
    colour: int = 0  # the stance's own colour (its place in the stance scheme), never shared


@dataclass(frozen=True)
class Matrix:
    """The actor x stance matrix, laid out."""

    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    width: float
    height: float
    label_width: float
    header_height: float
    cell: float
    angle: float = HEADING_ANGLE
    total_actors: int = 0  # every actor with a stance or a use; rows holds at most MAX_ACTORS
    #: Actors quoted only without a stated position (stance "no position"): apart, not a column.
    unstated: tuple[Term, ...] = ()

    @property
    def truncated(self) -> bool:
        """True when only the most active actors are drawn."""
        return self.total_actors > len(self.rows)


@dataclass(frozen=True)
class Period:
    """A date as the data knows it: its first and last day and how precise it is."""

    start: date
    end: date
    precision: str  # "day", "month" or "year"
    label: str
    machine: str


@dataclass(frozen=True)
class Mark:
    """A dated thing on the timeline."""

    term: Term
    kind: str  # "event", "campaign" or "letter"
    period: Period
    x: float
    x2: float
    y: float
    title: str
    shape: str = "event"  # the mark drawn: one of MARK_KINDS' keys


#: The marks of the timeline, in the legend's order: (key, caption). A policy event is drawn by
#: the kind of step it is (its frkg:eventType's local name, :data:`EVENT_MARKS`).
MARK_KINDS = (
    ("introduced", "introduced or proposed"),
    ("vote", "vote"),
    ("signed", "signed or enacted"),
    ("announced", "announced (a company's policy)"),
    ("effective", "took effect or extended"),
    ("ended", "expired, repealed or superseded"),
    ("event", "other step"),
    ("campaign", "campaign starts"),
    ("letter", "open letter"),
)
EVENT_MARKS = {
    "event-introduced": "introduced",
    "event-reintroduced": "introduced",
    "event-status-reported": "event",
    "event-committee-vote": "vote",
    "event-first-vote": "vote",
    "event-final-vote": "vote",
    "event-signed": "signed",
    "event-enacted": "signed",
    "event-announced": "announced",
    "event-decided": "signed",  # a court's or regulator's decision makes its order binding
    "event-took-effect": "effective",
    "event-extended": "effective",
    "event-expired": "ended",
    "event-repealed": "ended",
    "event-superseded": "ended",
}


@dataclass(frozen=True)
class Lane:
    """A row of the timeline: a policy (or a kind of thing not tied to a policy)."""

    term: Term | None
    label: str
    short: str
    y: float
    marks: tuple[Mark, ...]
    x_start: float
    x_end: float
    lines: tuple[str, ...] = ()  # the whole label, wrapped to the label column
    height: float = 30


@dataclass(frozen=True)
class Tick:
    """An axis tick."""

    x: float
    label: str
    major: bool


@dataclass(frozen=True)
class Timeline:
    """The timeline, laid out."""

    lanes: tuple[Lane, ...]
    ticks: tuple[Tick, ...]
    width: float
    height: float
    label_width: float
    axis_y: float
    first: Period
    last: Period
    total_lanes: int = 0  # every lane there is; lanes holds at most MAX_LANES
    #: Where the axis is broken (x), between stretches of time with nothing in them.
    breaks: tuple[float, ...] = ()
    #: The mark kinds drawn, in legend order: (key, caption).
    kinds: tuple[tuple[str, str], ...] = ()

    @property
    def truncated(self) -> bool:
        """True when only the busiest lanes are drawn."""
        return self.total_lanes > len(self.lanes)


@dataclass(frozen=True)
class Citation:
    """How to cite the dataset."""

    text: str
    bibtex: str
    iri: str
    version: str | None
    date: Term | None
    licences: tuple[Term, ...]


@dataclass(frozen=True)
class Overview:
    """Everything the home page shows that comes from the data."""

    title: str
    description: str | None
    headlines: tuple[Headline, ...]
    entity_count: int
    triple_count: int
    matrix: Matrix | None
    timeline: Timeline | None
    citation: Citation | None


def build(index: DatasetIndex, describer: Describer) -> Overview:
    """The overview of one load."""
    ns = ontology_ns(index.base)
    dataset = ox.NamedNode(entity_iri(index.base, DATASET_SLUG))
    own = [
        q
        for q in index.kg.store.quads_for_pattern(dataset, None, None, None)
        if q.graph_name in set(index.data_graphs)
    ]
    title = best_literal(own, (DCT + "title", RDFS + "label"))
    text = best_literal(own, (DCT + "description",))
    headlines = tuple(Headline(c, index.count(ns + local), ns + local) for c, local in HEADLINES)
    return Overview(
        title=title.value if title is not None else "frkg",
        description=" ".join(text.value.split()) if text is not None else None,
        headlines=headlines,
        entity_count=index.entity_count,
        triple_count=index.triple_count,
        matrix=stance_matrix(index, describer),
        timeline=timeline(index, describer),
        citation=citation(own, describer) if own else None,
    )


# -- the stance matrix ----------------------------------------------------------------------------

USES_LABEL = "uses the technology"
# Who took which stance, in three queries, one per way of taking it ("direct", "coalition",
# "letter"): as one query joined under a UNION, pyoxigraph evaluated it in time growing faster
# than the data (40 s for 100k triples against 0.7 s for the three apart).
STANCE_EVIDENCE = {
    "direct": """
SELECT DISTINCT ?actor ?stance ?statement WHERE {
  ?statement frkg:stance ?stance .
  { ?statement frkg:speaker ?actor } UNION { ?statement frkg:speaksFor ?actor }
  FILTER(isIRI(?actor) && isIRI(?stance))
}
""",
    "coalition": """
SELECT DISTINCT ?actor ?stance ?statement WHERE {
  ?statement frkg:stance ?stance .
  { ?statement frkg:speaker ?coalition } UNION { ?statement frkg:speaksFor ?coalition }
  ?coalition a ?coalitionType .
  VALUES ?coalitionType { COALITION_TYPES }
  { ?coalition org:hasMember ?actor } UNION { ?actor org:memberOf ?coalition }
  FILTER(isIRI(?actor) && isIRI(?stance))
}
""",
    "letter": """
SELECT DISTINCT ?actor ?stance ?statement WHERE {
  ?statement frkg:stance ?stance ; frkg:channel ?letter .
  ?letter frkg:signatory ?actor .
  FILTER(isIRI(?actor) && isIRI(?stance))
}
""",
}

TECHNOLOGY_USERS = """
SELECT DISTINCT ?actor ?use WHERE { ?use frkg:user ?actor FILTER(isIRI(?actor)) }
"""


def _query(index: DatasetIndex, text: str):
    prefixes = {"frkg": ontology_ns(index.base), "org": ORG, "dct": DCT, "schema": SCHEMA}
    return index.kg.store.query(text, prefixes=prefixes, default_graph=list(index.graphs))


def stance_matrix(index: DatasetIndex, describer: Describer) -> Matrix | None:
    """Actors against the stances they take, and who uses the technology; None without data."""
    if not index.graphs:
        return None
    ns = ontology_ns(index.base)
    coalitions = " ".join(f"<{c}>" for c in sorted(index.descendants(ns + "Coalition")))
    evidence: dict[tuple[ox.NamedNode, ox.NamedNode], dict[ox.NamedNode, set[str]]] = {}
    for how, text in STANCE_EVIDENCE.items():
        for row in _query(index, text.replace("COALITION_TYPES", coalitions)):
            key = (row["actor"], row["stance"])
            evidence.setdefault(key, {}).setdefault(row["statement"], set()).add(how)
    # "No position stated" is the absence of a stance, not one: those quoted only so are
    # listed apart, and nobody is drawn as neutral.
    unknown = ox.NamedNode(ns + NO_POSITION)
    unstated_actors = {a for a, s in evidence if s == unknown}
    evidence = {k: v for k, v in evidence.items() if k[1] != unknown}
    unstated_actors -= {a for a, _ in evidence}
    uses: dict[ox.NamedNode, list[ox.NamedNode]] = {}
    for row in _query(index, TECHNOLOGY_USERS):
        uses.setdefault(row["actor"], []).append(row["use"])
    unstated_actors -= set(uses)
    if not evidence and not uses:
        return None
    scheme = _stance_order(index, ns)

    def label(node) -> str:
        return describer.labels.text(node, describer.prefixes)

    everyone = {a for a, _ in evidence} | set(uses)
    # A picture of thousands of rows says nothing: draw the actors with the most statements.
    weight: dict[ox.NamedNode, int] = {a: len(uses.get(a, ())) for a in everyone}
    for (actor, _), statements in evidence.items():
        weight[actor] += len(statements)
    chosen = sorted(everyone, key=lambda n: (-weight[n], fold(label(n)), n.value))[:MAX_ACTORS]
    actors = sorted(chosen, key=lambda n: (fold(label(n)), n.value))
    drawn = set(chosen)
    uses = {a: u for a, u in uses.items() if a in drawn}
    evidence = {k: v for k, v in evidence.items() if k[0] in drawn}
    stances = sorted({s for _, s in evidence}, key=lambda n: (fold(label(n)), n.value))
    marks = {(a, s) for a, s in evidence}

    # Barycentre ordering: rows by the mean position of their marks, then columns by theirs.
    row_pos = {a: i for i, a in enumerate(actors)}
    col_pos = {s: i for i, s in enumerate(stances)}
    for _ in range(BARYCENTRE_ROUNDS):
        actors.sort(
            key=lambda a: (
                _mean([col_pos[s] for s in stances if (a, s) in marks]),
                fold(label(a)),
                a.value,
            )
        )
        row_pos = {a: i for i, a in enumerate(actors)}
        stances.sort(
            key=lambda s: (
                _mean([row_pos[a] for a in actors if (a, s) in marks]),
                fold(label(s)),
                s.value,
            )
        )
        col_pos = {s: i for i, s in enumerate(stances)}

    # Room for the turned column headings: up by their height, right by their run.
    longest = max([len(label(s)) for s in stances] + [len(USES_LABEL)]) * CHAR_WIDTH
    angle = math.radians(HEADING_ANGLE)
    top = math.ceil(longest * math.sin(angle)) + 24
    left = ROW_LABEL_WIDTH
    columns = [
        Column(
            describer.term(s),
            label(s),
            left + (i + 0.5) * CELL,
            sum(1 for a in actors if (a, s) in marks),
            scheme.get(s.value, len(scheme) + i) % COLOURS,
        )
        for i, s in enumerate(stances)
    ]
    if uses:
        columns.append(Column(None, USES_LABEL, left + (len(stances) + 0.5) * CELL, len(uses)))
    rows = []
    for r, actor in enumerate(actors):
        y = top + (r + 0.5) * CELL
        cells = []
        for c, stance in enumerate(stances):
            found = evidence.get((actor, stance))
            if not found:
                continue
            statements = sorted(found, key=lambda n: (fold(label(n)), n.value))
            direct = [s for s in statements if "direct" in found[s]]
            first = (direct or statements)[0]
            hows = set().union(*found.values())
            title = f"{label(actor)}: {label(stance)}. {label(first)}"
            if len(statements) > 1:
                title += f" (and {len(statements) - 1} more)"
            via = "" if direct else ("coalition" if "coalition" in hows else "letter")
            if via == "coalition":
                title += " — as a member of the coalition that said it"
            elif via == "letter":
                title += " — as a signatory of the letter it was said in"
            cells.append(
                Cell(
                    "stance",
                    c,
                    columns[c].x,
                    y,
                    describer.term(first),
                    title,
                    bool(direct),
                    len(statements),
                    via,
                )
            )
        for use in sorted(uses.get(actor, ()), key=lambda n: (fold(label(n)), n.value)):
            status = _status(index, describer, use)
            title = f"{label(actor)} uses the technology: {label(use)}"
            title += f" ({status})" if status else ""
            last = len(columns) - 1
            cells.append(Cell("use", last, columns[last].x, y, describer.term(use), title, True, 1))
            break  # one mark per actor; the entity page lists every use
        rows.append(Row(describer.term(actor), _shorten(label(actor)), y, tuple(cells)))
    reach = max(c.x + len(c.label) * CHAR_WIDTH * math.cos(angle) for c in columns)
    width = math.ceil(max(left + len(columns) * CELL, reach) + MATRIX_MARGIN)
    height = top + len(actors) * CELL + MATRIX_MARGIN
    return Matrix(
        tuple(columns),
        tuple(rows),
        width,
        height,
        left,
        top,
        CELL,
        total_actors=len(everyone),
        unstated=tuple(
            sorted((describer.term(a) for a in unstated_actors), key=lambda t: fold(t.label))
        ),
    )


def _stance_order(index: DatasetIndex, ns: str) -> dict[str, int]:
    """Each stance concept's place among the vocabulary's stances (by IRI, "no position" left
    out): a stance keeps its colour whichever stances a dataset uses."""
    scheme = ox.NamedNode(ns + "StanceScheme")
    in_scheme = ox.NamedNode("http://www.w3.org/2004/02/skos/core#inScheme")
    found = {
        q.subject.value
        for q in index.kg.store.quads_for_pattern(None, in_scheme, scheme, None)
        if isinstance(q.subject, ox.NamedNode)
    }
    found.discard(ns + NO_POSITION)
    return {iri: i for i, iri in enumerate(sorted(found))}


def _status(index: DatasetIndex, describer: Describer, node: ox.NamedNode) -> str | None:
    prop = ox.NamedNode(ontology_ns(index.base) + "status")
    for q in index.kg.store.quads_for_pattern(node, prop, None, None):
        if q.graph_name in set(index.data_graphs):
            return describer.labels.text(q.object, describer.prefixes)
    return None


def _mean(values: list[int]) -> float:
    return sum(values) / len(values) if values else float("inf")


def _shorten(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# -- the timeline ---------------------------------------------------------------------------------

DATED = """
SELECT DISTINCT ?thing ?kind ?date ?policy ?type WHERE {
  {
    ?thing a ?eventClass ; dct:date ?date .
    VALUES ?eventClass { EVENT_TYPES }
    OPTIONAL { ?thing frkg:policy ?policy }
    OPTIONAL { ?thing frkg:eventType ?type }
    BIND("event" AS ?kind)
  } UNION {
    ?thing a ?campaignClass ; schema:startDate ?date .
    VALUES ?campaignClass { CAMPAIGN_TYPES }
    OPTIONAL { ?thing frkg:advocates ?policy }
    BIND("campaign" AS ?kind)
  } UNION {
    ?thing a ?letterClass .
    VALUES ?letterClass { LETTER_TYPES }
    { ?thing schema:datePublished ?date } UNION { ?thing dct:date ?date }
    OPTIONAL { ?thing frkg:advocates ?policy }
    BIND("letter" AS ?kind)
  }
  FILTER(isIRI(?thing))
}
"""
KIND_LANES = {"event": "Other events", "campaign": "Campaigns", "letter": "Open letters"}


def parse_period(literal: ox.Literal) -> Period | None:
    """The period an ``xsd:date``, ``xsd:dateTime``, ``xsd:gYearMonth`` or ``xsd:gYear`` covers."""
    shown = format_date(literal.value, literal.datatype.value)
    if shown is None:
        return None
    label, machine = shown
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", literal.value)
    if m is None:  # negative or five-digit years do not fit a Python date
        return None
    year = int(m.group(1))
    try:
        if m.group(3):
            day = date(year, int(m.group(2)), int(m.group(3)))
            return Period(day, day, "day", label, machine)
        if m.group(2):
            month = int(m.group(2))
            last = calendar.monthrange(year, month)[1]
            return Period(date(year, month, 1), date(year, month, last), "month", label, machine)
        return Period(date(year, 1, 1), date(year, 12, 31), "year", label, machine)
    except ValueError:  # 31 February passes the lexical check but is no date
        return None


def timeline(index: DatasetIndex, describer: Describer) -> Timeline | None:
    """The dated policy events, campaigns and letters, one lane per policy; None without any."""
    if not index.graphs:
        return None
    ns = ontology_ns(index.base)
    found = _dated_things(index, ns)
    if not found:
        return None

    def label(node) -> str:
        return describer.labels.text(node, describer.prefixes)

    lanes_by, total_lanes = _lanes(found, label)
    return _lay_out(lanes_by, total_lanes, label, describer, ns)


def _dated_things(index: DatasetIndex, ns: str) -> dict[ox.NamedNode, dict]:
    """Gather: each dated event, campaign and letter with its kind, type, the policies it is
    about, and the one period it is shown at (its earliest date, the most precise on a tie)."""

    def types(local: str) -> str:
        return " ".join(f"<{c}>" for c in sorted(index.descendants(ns + local)))

    query = (
        DATED.replace("EVENT_TYPES", types("PolicyEvent"))
        .replace("CAMPAIGN_TYPES", types("Campaign"))
        .replace("LETTER_TYPES", types("OpenLetter"))
    )
    found: dict[ox.NamedNode, dict] = {}
    for row in _query(index, query):
        if not isinstance(row["date"], ox.Literal):
            continue
        period = parse_period(row["date"])
        if period is None:
            continue
        item = found.setdefault(
            row["thing"],
            {"kind": row["kind"].value, "periods": [], "policies": set(), "type": None},
        )
        item["periods"].append(period)
        if row["policy"] is not None:
            item["policies"].add(row["policy"])
        if row["type"] is not None:
            item["type"] = row["type"]
    order = {"day": 0, "month": 1, "year": 2}
    for item in found.values():
        item["period"] = min(item["periods"], key=lambda p: (p.start, order[p.precision]))
    return found


def _lanes(found: dict[ox.NamedNode, dict], label) -> tuple[list[tuple[object, list]], int]:
    """Order: one lane per policy (or per kind, for what concerns none), the busiest
    ``MAX_LANES`` when there are more, policies first by their first date; and how many
    lanes there were before the cut."""
    lanes_by: dict[object, list[tuple[ox.NamedNode, dict]]] = {}
    for thing, item in found.items():
        policies = sorted(item["policies"], key=lambda n: n.value) or [item["kind"]]
        for policy in policies:  # a campaign for two policies shows in both lanes
            lanes_by.setdefault(policy, []).append((thing, item))
    total_lanes = len(lanes_by)
    if total_lanes > MAX_LANES:
        busiest = sorted(
            lanes_by.items(),
            key=lambda kv: (
                -len(kv[1]),
                -max(i["period"].end for _, i in kv[1]).toordinal(),
                kv[0] if isinstance(kv[0], str) else kv[0].value,
            ),
        )
        lanes_by = dict(busiest[:MAX_LANES])

    def lane_key(entry) -> tuple:
        key, items = entry
        start = min(i["period"].start for _, i in items)
        is_policy = not isinstance(key, str)
        return (not is_policy, start, fold(label(key)) if is_policy else key)

    return sorted(lanes_by.items(), key=lane_key), total_lanes


def _lay_out(lanes_by, total_lanes: int, label, describer: Describer, ns: str) -> Timeline:
    """Lay out: the axis in stretches (a break between distant ones), a row per lane, a mark
    per thing shaped by its kind of step, and the legend of the kinds shown."""
    shown = [i for _, items in lanes_by for _, i in items]
    left = LANE_LABEL_WIDTH + TIMELINE_MARGIN
    right = TIMELINE_WIDTH - TIMELINE_MARGIN
    stretches = _stretches([i["period"] for i in shown], right - left)
    breaks = [left + (a[3] + b[2]) / 2 for a, b in zip(stretches, stretches[1:], strict=False)]

    def x_of(day: date) -> float:
        for start, end, x0, x1 in stretches:
            if day <= end or (start, end, x0, x1) == stretches[-1]:
                day = max(day, start)
                days = max((end - start).days, 1)
                return left + x0 + (x1 - x0) * min((day - start).days, days) / days
        return left  # not reached: the last stretch takes every later day

    lanes = []
    top = AXIS_HEIGHT
    used: set[str] = set()
    for key, items in lanes_by:
        text = KIND_LANES[key] if isinstance(key, str) else label(key)
        lines = tuple(_wrap(text, LANE_LINE_CHARS))
        height = max(LANE_HEIGHT, len(lines) * LANE_LINE_HEIGHT + 12)
        y = top + height / 2
        top += height
        marks = []
        for thing, item in sorted(items, key=lambda ti: (ti[1]["period"].start, ti[0].value)):
            mark = _mark(thing, item, x_of, y, label, describer, ns)
            used.add(mark.shape)
            marks.append(mark)
        marks = _dodge(marks)
        term = None if isinstance(key, str) else describer.term(key)
        lanes.append(
            Lane(
                term,
                text,
                _shorten(text),
                y,
                tuple(marks),
                min(m.x for m in marks),
                max(m.x2 for m in marks),
                lines,
                height,
            )
        )
    ticks = [t for start, end, _, _ in stretches for t in _ticks(start, end, x_of)]
    firsts = [i["period"] for i in shown]
    return Timeline(
        tuple(lanes),
        tuple(ticks),
        TIMELINE_WIDTH,
        top + TIMELINE_MARGIN,
        LANE_LABEL_WIDTH,
        AXIS_HEIGHT - 14,
        min(firsts, key=lambda p: p.start),
        max(firsts, key=lambda p: p.end),
        total_lanes=total_lanes,
        breaks=tuple(breaks),
        kinds=tuple((k, c) for k, c in MARK_KINDS if k in used),
    )


def _mark(thing, item: dict, x_of, y: float, label, describer: Describer, ns: str) -> Mark:
    """One thing's mark: where it starts and ends on the axis, its tooltip and its shape."""
    p = item["period"]
    x = x_of(p.start)
    x2 = x if p.precision == "day" else x_of(p.end + timedelta(days=1))
    title = f"{p.label}: {label(thing)}"
    if item["type"] is not None:
        title += f" ({label(item['type'])})"
    if p.precision != "day":
        title += f" — the data knows only the {p.precision}"
    shape = item["kind"]
    if shape == "event" and item["type"] is not None:
        shape = EVENT_MARKS.get(item["type"].value.removeprefix(ns), "event")
    return Mark(describer.term(thing), item["kind"], p, x, x2, y, title, shape)


def _stretches(periods: list[Period], width: float) -> list[tuple[date, date, float, float]]:
    """The axis as stretches of time where the marks are: (first day, last day, x from, x to),
    x measured from the axis's left end. Time with nothing in it for longer than
    :data:`BREAK_DAYS` (and :data:`BREAK_SHARE` of the whole) is left out, with a break."""
    spans = sorted((p.start, p.end) for p in periods)
    first, last = spans[0][0], max(e for _, e in spans)
    whole = max((last - first).days, 1)
    groups: list[list[date]] = [[spans[0][0], spans[0][1]]]
    for start, end in spans[1:]:
        gap = (start - groups[-1][1]).days
        if gap > BREAK_DAYS and gap > BREAK_SHARE * whole:
            groups.append([start, end])
        else:
            groups[-1][1] = max(groups[-1][1], end)
    padded = []
    for start, end in groups:
        span = max((end - start).days, 60)
        pad = timedelta(days=max(span // 25, 10))
        padded.append((start - pad, end + pad))
    room = width - BREAK_WIDTH * (len(padded) - 1)
    days = [max((b - a).days, 1) for a, b in padded]
    total = sum(days)
    widths = [max(MIN_STRETCH, room * d / total) for d in days]
    scale = room / sum(widths)  # the minimum widths taken from the widest stretches' share
    out, x = [], 0.0
    for (a, b), w in zip(padded, widths, strict=True):
        w *= scale
        out.append((a, b, x, x + w))
        x += w + BREAK_WIDTH
    return out


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken between words (a longer word
    stands alone on its line): a label is shown whole, never cut."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [text]


#: Marks closer than this (user units) in one lane are moved apart vertically.
DODGE_DISTANCE = 12
DODGE_STEP = 10


def _dodge(marks: list[Mark]) -> list[Mark]:
    """Marks in runs closer than :data:`DODGE_DISTANCE`, spread up and down so none hides."""
    out: list[Mark] = []
    run: list[Mark] = []
    for mark in sorted(marks, key=lambda m: (m.x, m.kind, m.term.value)):
        if run and mark.x - run[-1].x >= DODGE_DISTANCE:
            out += _spread(run)
            run = []
        run.append(mark)
    return out + _spread(run)


def _spread(run: list[Mark]) -> list[Mark]:
    middle = (len(run) - 1) / 2
    return [replace(m, y=m.y + (i - middle) * DODGE_STEP) for i, m in enumerate(run)]


def _ticks(start: date, end: date, x_of) -> list[Tick]:
    """Year ticks over a long span (every 1, 2, 5 or 10 years); month ticks over a short one."""
    years = end.year - start.year
    ticks = []
    if years >= 3:
        step = next(s for s in (1, 2, 5, 10, 20, 50) if years / s <= 12)
        for y in range(start.year + 1, end.year + 1):
            if y % step == 0:
                ticks.append(Tick(x_of(date(y, 1, 1)), str(y), True))
        return ticks
    months = (end.year - start.year) * 12 + end.month - start.month
    step = next(s for s in (1, 2, 3, 6) if months / s <= 12)
    y, m = start.year, start.month
    while True:
        m += 1
        if m > 12:
            y, m = y + 1, 1
        day = date(y, m, 1)
        if day > end:
            break
        if (m - 1) % step == 0:
            label = str(y) if m == 1 else f"{MONTHS[m - 1][:3]}"
            if not ticks and m != 1:
                label = f"{MONTHS[m - 1][:3]} {y}"
            ticks.append(Tick(x_of(day), label, m == 1))
    return ticks


# -- how to cite ----------------------------------------------------------------------------------


def citation(own: list[ox.Quad], describer: Describer) -> Citation:
    """A citation of the dataset (version and date from its description) and its BibTeX."""

    def first(*props: str):
        for prop in props:
            values = sorted(
                (q.object for q in own if q.predicate.value == prop), key=lambda o: o.value
            )
            if values:
                return values[0]
        return None

    title = best_literal(own, (DCT + "title", RDFS + "label"))
    title_text = title.value if title is not None else "frkg"
    creator = first(DCT + "creator", DCT + "publisher")
    who = describer.labels.text(creator, describer.prefixes) if creator is not None else None
    version = first(OWL + "versionInfo", STANDARD_PREFIXES["dcat"] + "version")
    when = first(DCT + "modified", DCT + "issued")
    when_term = describer.term(when) if isinstance(when, ox.Literal) else None
    year = when.value[:4] if isinstance(when, ox.Literal) else None
    iri = CANONICAL_BASE + "id/" + DATASET_SLUG
    parts = []
    if who:
        parts.append(f"{who} ({year})." if year else f"{who}.")
    edition = []
    if version is not None:
        edition.append(f"version {version.value}")
    if when_term is not None:
        edition.append(when_term.label)
    parts.append(f"{title_text}" + (f" ({', '.join(edition)})" if edition else "") + ".")
    parts.append("Data set.")
    parts.append(iri)
    licences = tuple(describer.term(q.object) for q in own if q.predicate.value == DCT + "license")

    def braced(text: str) -> str:
        return text.replace("{", "").replace("}", "")

    fields = [("title", braced(title_text))]
    if who:
        fields.insert(0, ("author", "{" + braced(who) + "}"))
    if year:
        fields.append(("year", year))
    if version is not None:
        fields.append(("version", braced(version.value)))
    fields.append(("url", iri))
    fields += [("note", "Licence: " + braced(t.value)) for t in licences[:1]]
    bibtex = "@misc{frkg,\n" + ",\n".join(f"  {k} = {{{v}}}" for k, v in fields) + "\n}"
    return Citation(
        text=" ".join(parts),
        bibtex=bibtex,
        iri=iri,
        version=version.value if version is not None else None,
        date=when_term,
        licences=licences,
    )
