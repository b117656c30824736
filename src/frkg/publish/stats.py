"""``frkg stats``: what the dataset holds, and what looks wrong with it.

The counts are the home page's and the VoID description's (entities by class, statements,
quotes, policies, sources, triples), from the same :class:`frkg.publish.dataset.DatasetIndex`. Two
checks point at likely mistakes: entities that nothing links to (not even through an inverse
link), and properties the data uses that the loaded ontology does not define (a typo in a
``frkg:`` name shows up here; terms of reused vocabularies are listed apart). Policies are
counted by their status on one day (today unless asked), by :mod:`frkg.publish.policy_status`,
the rule the pages and the "status on a day" example query use. Nothing here imports Flask or
prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyoxigraph as ox

from frkg.labels import curie
from frkg.namespaces import RDF_TYPE, ontology_ns
from frkg.publish.dataset import DatasetIndex
from frkg.publish.describe import Describer
from frkg.publish.overview import HEADLINES
from frkg.publish.policy_status import statuses_on


@dataclass(frozen=True)
class Stats:
    """The numbers and findings ``frkg stats`` reports."""

    triples: int
    entities: int
    headlines: tuple[tuple[str, int], ...]
    classes: tuple[tuple[str, int], ...]  # (prefixed name or IRI, entities of it, subclasses in)
    unlinked: tuple[tuple[str, str], ...]  # (IRI, label)
    undefined_own: tuple[tuple[str, int], ...]  # (prefixed name, triples): own namespace
    undefined_reused: tuple[tuple[str, int], ...]  # (prefixed name, triples): other vocabularies
    day: str = ""  # the day policies are counted on (ISO date)
    statuses: tuple[tuple[str, int], ...] = ()  # (status on that day, or "unknown"/"not yet", n)

    def as_json(self) -> dict:
        """The findings as JSON-ready data."""
        return {
            "triples": self.triples,
            "entities": self.entities,
            "counts": dict(self.headlines),
            "classes": dict(self.classes),
            "unlinkedEntities": [{"iri": i, "label": label} for i, label in self.unlinked],
            "undefinedProperties": dict(self.undefined_own),
            "reusedProperties": dict(self.undefined_reused),
            "policyStatusOn": {"day": self.day, "counts": dict(self.statuses)},
        }


def status_counts(kg, day: dt.date) -> tuple[tuple[str, int], ...]:
    """How many policies stood at each status on ``day`` (local names such as "in-force"), how
    many were "unknown" and how many "not yet" begun, sorted by name."""
    counts: dict[str, int] = {}
    for answer in statuses_on(kg, day).values():
        if not answer.known:
            name = "unknown"
        elif answer.status is None:
            name = "not yet"
        else:
            name = answer.status.rsplit("#status-", 1)[-1]
        counts[name] = counts.get(name, 0) + 1
    return tuple(sorted(counts.items()))


def compute(index: DatasetIndex, describer: Describer, day: dt.date | None = None) -> Stats:
    """The statistics of one load; policies counted by their status on ``day`` (today)."""
    day = day or dt.date.today()
    ns = ontology_ns(index.base)
    prefixes = describer.prefixes

    def name(iri: str) -> str:
        return curie(iri, prefixes) or iri

    headlines = tuple((caption, index.count(ns + local)) for caption, local in HEADLINES)
    classes = tuple(
        sorted(((name(c), index.count(c)) for c in index.listed_classes()), key=lambda x: x[0])
    )
    linked: set[ox.NamedNode] = set()
    for q in index.quads():
        if q.subject != q.object and q.predicate != RDF_TYPE:
            linked.add(q.object)
    unlinked = tuple(
        (e.value, describer.labels.text(e, prefixes))
        for e in index.entities
        if e not in linked and e.value != index.iri
    )
    ontology = set(index.kg.graphs("ontology"))
    defined = {
        q.subject.value
        for q in index.kg.store.quads_for_pattern(None, RDF_TYPE, None, None)
        if q.graph_name in ontology and isinstance(q.subject, ox.NamedNode)
    }
    undefined = [(p, s.triples) for p, s in index.properties.items() if p not in defined]
    own = tuple(sorted((name(p), n) for p, n in undefined if p.startswith(ns)))
    reused = tuple(sorted((name(p), n) for p, n in undefined if not p.startswith(ns)))
    return Stats(
        triples=index.triple_count,
        entities=index.entity_count,
        headlines=headlines,
        classes=classes,
        unlinked=unlinked,
        undefined_own=own,
        undefined_reused=reused,
        day=day.isoformat(),
        statuses=status_counts(index.kg, day),
    )


def report(stats: Stats) -> str:
    """The statistics as text for a terminal."""
    lines = [f"{stats.triples:>8,} triples", f"{stats.entities:>8,} entities"]
    lines += [f"{n:>8,} {caption}" for caption, n in stats.headlines]
    lines += ["", "Entities by class (subclasses included):"]
    lines += [f"{n:>8,} {cls}" for cls, n in stats.classes]
    lines += ["", f"Entities nothing links to ({len(stats.unlinked)}):"]
    lines += [f"  {iri}  {label}" for iri, label in stats.unlinked] or ["  none"]
    lines += ["", f"Properties used but not defined in the ontology ({len(stats.undefined_own)}):"]
    lines += [f"{n:>8,} {p}" for p, n in stats.undefined_own] or ["  none"]
    reused = len(stats.undefined_reused)
    lines += ["", f"Properties of other vocabularies not declared in it ({reused}):"]
    lines += [f"{n:>8,} {p}" for p, n in stats.undefined_reused] or ["  none"]
    lines += ["", f"Policies by their status on {stats.day}:"]
    lines += [f"{n:>8,} {name}" for name, n in stats.statuses] or ["  none"]
    return "\n".join(lines) + "\n"
