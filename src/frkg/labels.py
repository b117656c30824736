"""Labels: the best human-readable name of every IRI in the store, indexed once per load.

A label is a literal of ``rdfs:label``, ``skos:prefLabel``, ``schema:name`` or ``foaf:name``.
The best one prefers English (``@en``, then ``@en-*``, then no language tag, then any other
language in alphabetical order), then the properties in that order, then the lexically smallest
value, so that the choice never depends on load order. IRIs without a label get a readable
fallback made from their prefixed name or local name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from frkg.namespaces import RDFS, SKOS

#: Label properties, most preferred first.
LABEL_PROPERTIES = (
    RDFS + "label",
    SKOS + "prefLabel",
    "https://schema.org/name",
    "http://xmlns.com/foaf/0.1/name",
)
_LABEL_NODES = tuple(ox.NamedNode(p) for p in LABEL_PROPERTIES)


@dataclass(frozen=True)
class Label:
    """A chosen label: its text and language tag (None when untagged)."""

    text: str
    language: str | None = None


def language_rank(language: str | None) -> tuple[int, str]:
    """Sort key for a language tag: English first, then untagged, then the rest by tag."""
    tag = (language or "").lower()
    if tag == "en":
        return (0, "")
    if tag.startswith("en-"):
        return (1, tag)
    if not tag:
        return (2, "")
    return (3, tag)


class LabelIndex:
    """Every label literal of every subject, and the best label of each, built once per load."""

    def __init__(self, store: ox.Store, graphs: Iterable[ox.NamedNode]) -> None:
        allowed = set(graphs)
        quads: dict[str, list[ox.Quad]] = {}
        for node in _LABEL_NODES:
            for q in store.quads_for_pattern(None, node, None, None):
                if q.graph_name in allowed and isinstance(q.object, ox.Literal):
                    quads.setdefault(_key(q.subject), []).append(q)
        self._quads = {k: tuple(v) for k, v in quads.items()}
        self._best = {k: _choose(v) for k, v in quads.items()}

    def __contains__(self, node: ox.NamedNode | ox.BlankNode) -> bool:
        return _key(node) in self._best

    def best(self, node: ox.NamedNode | ox.BlankNode) -> Label | None:
        """The preferred label of ``node``, or None when it has none."""
        return self._best.get(_key(node))

    def quads(self, node: ox.NamedNode | ox.BlankNode) -> tuple[ox.Quad, ...]:
        """Every label quad of ``node`` (all label properties, all languages)."""
        return self._quads.get(_key(node), ())

    def text(self, node: ox.NamedNode | ox.BlankNode, prefixes: Mapping[str, str]) -> str:
        """The preferred label's text, or a readable fallback from the IRI."""
        label = self.best(node)
        return label.text if label else fallback_label(node, prefixes)


def _key(node: ox.NamedNode | ox.BlankNode) -> str:
    # Blank nodes and IRIs never collide: blank node keys carry the "_:" marker.
    return node.value if isinstance(node, ox.NamedNode) else f"_:{node.value}"


def _choose(quads: list[ox.Quad]) -> Label:
    def rank(q: ox.Quad) -> tuple:
        lit = q.object
        return (
            language_rank(lit.language),
            LABEL_PROPERTIES.index(q.predicate.value),
            lit.value,
        )

    best = min(quads, key=rank).object
    return Label(best.value, best.language)


def curie(iri: str, prefixes: Mapping[str, str]) -> str | None:
    """``prefix:local`` for an IRI under one of ``prefixes`` (longest namespace wins), else None."""
    best: tuple[str, str] | None = None
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and (best is None or len(ns) > len(best[1])):
            best = (prefix, ns)
    if best is None:
        return None
    return f"{best[0]}:{iri[len(best[1]) :]}"


_NOT_WORD = re.compile(r"[^\w]+|_")
# Latin letters that Unicode does not decompose into a base letter and a mark, written as the
# letters a reader would type for them (after case folding).
_LETTERS = str.maketrans(
    {"æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i", "ħ": "h"}
)


def fold(text: str) -> str:
    """``text`` for matching and sorting: accents dropped, case folded, punctuation as spaces.

    "Évan  GREER-Smith" and "evan greer smith" fold alike. Compatibility forms are decomposed
    first (NFKD), so a ligature or a full-width letter matches its plain letters; "æ", "ø",
    "ł" and the like, which do not decompose, become "ae", "o", "l".
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", bare.casefold().translate(_LETTERS)).split())


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def humanize(name: str) -> str:
    """``datePublished`` -> ``date published``; ``member-of`` -> ``member of``."""
    words = _CAMEL.sub(" ", name).replace("_", " ").replace("-", " ").split()
    return " ".join(w if w.isupper() else w.lower() for w in words) or name


def fallback_label(node: ox.NamedNode | ox.BlankNode, prefixes: Mapping[str, str]) -> str:
    """A readable name for an unlabelled node.

    A term of a known vocabulary gets its humanized local name (``org:memberOf`` -> "member
    of"); any other IRI is shown whole, since only the whole IRI says what it is.
    """
    if isinstance(node, ox.BlankNode):
        return "(unnamed node)"
    short = curie(node.value, prefixes)
    if short is not None:
        local = short.split(":", 1)[1]
        if local:
            return humanize(local)
    return node.value
