"""Label search over every entity and every ontology term, from an index built once per load.

Every label (``rdfs:label``, ``skos:prefLabel``, ``schema:name``, ``foaf:name``, in any
language) and every ``skos:altLabel`` is folded (:func:`frkg.labels.fold`: case, accents and
punctuation do not count) and kept in two sorted lists: whole labels, and the words of labels.
A query is folded the same way and answered by binary search in them, never by scanning:

1. exact: a label equals the query ("evan greer");
2. prefix: a label starts with the query ("evan g");
3. words: each word of the query starts a word of the label ("greer", "gre eva").

Better matches come first; then shorter labels, then the label, then the IRI. Nothing here
imports Flask.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from frkg.dataset import DatasetIndex
from frkg.describe import Describer
from frkg.labels import fold
from frkg.namespaces import ontology_ns

SKOS_ALT_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
#: Longest query accepted, in characters.
MAX_QUERY_LENGTH = 200
#: What each rank means, best first.
RANKS = ("exact", "prefix", "words")


@dataclass(frozen=True)
class Hit:
    """One thing found: which label matched, and how well (an index into :data:`RANKS`)."""

    node: ox.NamedNode
    matched: str
    rank: int

    @property
    def match(self) -> str:
        """The kind of match: "exact", "prefix" or "words"."""
        return RANKS[self.rank]


class QueryTooLong(ValueError):
    """A query longer than :data:`MAX_QUERY_LENGTH` characters."""


class SearchIndex:
    """Folded labels and label words of a set of nodes, sorted for binary search."""

    def __init__(self, labelled: Iterable[tuple[ox.NamedNode, Iterable[str]]]) -> None:
        self._nodes: list[ox.NamedNode] = []
        self._texts: list[str] = []  # the label of each entry, as written
        self._owner: list[int] = []  # the node of each entry
        labels: list[tuple[str, int]] = []
        words: list[tuple[str, int]] = []
        for node, texts in labelled:
            node_id = len(self._nodes)
            self._nodes.append(node)
            for text in dict.fromkeys(texts):
                folded = fold(text)
                if not folded:
                    continue
                entry = len(self._texts)
                self._texts.append(text)
                self._owner.append(node_id)
                labels.append((folded, entry))
                words.extend((w, entry) for w in dict.fromkeys(folded.split()))
        labels.sort()
        words.sort()
        self._labels = labels
        self._words = words
        self._folded = {entry: folded for folded, entry in labels}

    def __len__(self) -> int:
        return len(self._nodes)

    @property
    def label_count(self) -> int:
        """How many labels the index holds."""
        return len(self._labels)

    def search(self, query: str) -> list[Hit]:
        """Every node with a label matching ``query``, best first (no query, no hits)."""
        if len(query) > MAX_QUERY_LENGTH:
            raise QueryTooLong(
                f"the query is {len(query)} characters long; at most {MAX_QUERY_LENGTH} are allowed"
            )
        q = fold(query)
        if not q:
            return []
        best: dict[int, tuple[int, int, str, int]] = {}  # node -> (rank, length, label, entry)

        def offer(entry: int, rank: int) -> None:
            folded = self._folded[entry]
            key = (rank, len(folded), folded, entry)
            node_id = self._owner[entry]
            if node_id not in best or key < best[node_id]:
                best[node_id] = key

        for folded, entry in _prefixed(self._labels, q):
            offer(entry, 0 if folded == q else 1)
        tokens = list(dict.fromkeys(q.split()))
        # Look up the longest word (the fewest candidates), then check the others per label.
        anchor = max(tokens, key=len)
        others = [t for t in tokens if t != anchor]
        for _, entry in _prefixed(self._words, anchor):
            if best.get(self._owner[entry], (2,))[0] < 2:
                continue  # already found by a whole-label match
            label_words = self._folded[entry].split()
            if all(any(w.startswith(t) for w in label_words) for t in others):
                offer(entry, 2)
        order = sorted(best.items(), key=lambda item: (item[1][:3], self._nodes[item[0]].value))
        return [Hit(self._nodes[n], self._texts[key[3]], key[0]) for n, key in order]


def _prefixed(items: list[tuple[str, int]], prefix: str) -> Iterable[tuple[str, int]]:
    """The items whose text starts with ``prefix`` (``items`` sorted by text)."""
    i = bisect_left(items, (prefix, -1))
    while i < len(items) and items[i][0].startswith(prefix):
        yield items[i]
        i += 1


def from_dataset(index: DatasetIndex, describer: Describer) -> SearchIndex:
    """The index of every entity of the dataset and every term of the ontology, by its labels."""
    store = index.kg.store
    graphs = describer.graphs
    ns = ontology_ns(index.base)
    terms: dict[str, ox.NamedNode] = {}
    for graph in index.kg.graphs("ontology"):
        for q in store.quads_for_pattern(None, None, None, graph):
            s = q.subject
            if isinstance(s, ox.NamedNode) and s.value.startswith(ns) and len(s.value) > len(ns):
                terms.setdefault(s.value, s)

    def labels(node: ox.NamedNode) -> list[str]:
        texts = [q.object.value for q in describer.labels.quads(node)]
        texts += [
            q.object.value
            for q in store.quads_for_pattern(node, SKOS_ALT_LABEL, None, None)
            if q.graph_name in graphs and isinstance(q.object, ox.Literal)
        ]
        best = describer.labels.best(node)
        if not texts or best is None:  # an unlabelled node is found by its readable name
            texts.append(describer.labels.text(node, describer.prefixes))
        return texts

    nodes = [*index.entities, *(terms[k] for k in sorted(terms))]
    return SearchIndex((n, labels(n)) for n in nodes)
