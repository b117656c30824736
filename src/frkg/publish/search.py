"""Search over every entity and every ontology term, from an index built once per load.

What people type is found in two kinds of entry. *Names*: every label (``rdfs:label``,
``skos:prefLabel``, ``schema:name``, ``foaf:name``, in any language), every alias
(``skos:altLabel``), bill and ordinance numbers (``schema:legislationIdentifier``) and the
Wikidata item numbers of ``owl:sameAs`` links ("Q62"). *Texts*: the words of quotes and
paraphrases, descriptions, scope notes and cautions. Each is folded (:func:`frkg.labels.fold`:
case, accents and punctuation do not count) and kept in sorted lists: whole names, and the
words of names and texts. A query is folded the same way and answered by binary search in
them, never by scanning:

1. exact: a name equals the query ("evan greer");
2. prefix: a name starts with the query ("evan g");
3. words: each word of the query starts a word of a name ("greer", "gre eva");
4. text: each word of the query starts a word of one text ("dissent").

Better matches come first; then shorter entries, then the entry, then the IRI. Only the hits a
page shows are ordered and made; the others are counted. Nothing here imports Flask.
"""

from __future__ import annotations

import heapq
import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from frkg.labels import fold
from frkg.namespaces import ontology_ns
from frkg.publish.dataset import DatasetIndex
from frkg.publish.describe import Describer

SKOS_ALT_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
#: Longest query accepted, in characters.
MAX_QUERY_LENGTH = 200
#: What each rank means, best first.
RANKS = ("exact", "prefix", "words", "text")
#: Properties whose literals are searched as text (local names of the frkg vocabulary apart).
TEXT_PROPERTIES = (
    "http://www.w3.org/2000/01/rdf-schema#comment",
    "http://www.w3.org/2004/02/skos/core#definition",
    "http://www.w3.org/2004/02/skos/core#scopeNote",
    "http://purl.org/dc/terms/description",
    "https://schema.org/description",
)
FRKG_TEXT_PROPERTIES = ("verbatimText", "paraphraseText", "caution")
#: Properties whose literals are names too: a bill's number.
NAME_PROPERTIES = ("https://schema.org/legislationIdentifier",)
OWL_SAME_AS = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")
_WIKIDATA = re.compile(r"^https?://www\.wikidata\.org/(?:entity|wiki)/(Q\d+)$")
_WORD = re.compile(r"\w+")


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
    """Folded labels and label words of a set of nodes, sorted for binary search.

    Every label is an *entry*. Entries are numbered in result order (shorter folded label first,
    then the folded label, then the node's IRI), so ranking a hit is comparing two integers:
    ``rank * entries + entry``. The sorted lists map each folded label and each word to its
    entry, so a query reads only the slices of them that start with its words.
    """

    def __init__(
        self,
        labelled: Iterable[tuple[ox.NamedNode, Iterable[str]]],
        texts: Iterable[tuple[ox.NamedNode, Iterable[str]]] = (),
    ) -> None:
        self._nodes: list[ox.NamedNode] = []
        ids: dict[str, int] = {}
        found: list[tuple[int, str, str, int, str]] = []  # length, folded, IRI, node, text
        for node, names in labelled:
            ids[node.value] = len(self._nodes)
            self._nodes.append(node)
            for text in dict.fromkeys(names):
                folded = fold(text)
                if folded:
                    found.append((len(folded), folded, node.value, ids[node.value], text))
        found.sort()
        # Texts are numbered after every name, so any name match ranks before them.
        more: list[tuple[int, str, str, int, str]] = []
        for node, written in texts:
            if node.value not in ids:
                ids[node.value] = len(self._nodes)
                self._nodes.append(node)
            for text in dict.fromkeys(written):
                folded = fold(text)
                if folded:
                    more.append((len(folded), folded, node.value, ids[node.value], text))
        more.sort()
        self._names = len(found)  # entries below this number are names, the rest texts
        labels = sorted((f[1], entry) for entry, f in enumerate(found))
        found += more
        self._texts = [f[4] for f in found]  # each entry as written
        self._folded = [f[1] for f in found]
        self._owner = array("l", (f[3] for f in found))  # the node of each entry
        words = sorted(
            (w, entry) for entry, f in enumerate(found) for w in dict.fromkeys(f[1].split())
        )
        self._label_keys = [k for k, _ in labels]
        self._label_entries = array("l", (e for _, e in labels))
        self._word_keys = [k for k, _ in words]
        self._word_entries = array("l", (e for _, e in words))

    def __len__(self) -> int:
        return len(self._nodes)

    @property
    def label_count(self) -> int:
        """How many labels the index holds."""
        return len(self._texts)

    def search(self, query: str) -> list[Hit]:
        """Every node with a label matching ``query``, best first (no query, no hits)."""
        return self.find(query)[0]

    def find(self, query: str, start: int = 0, stop: int | None = None) -> tuple[list[Hit], int]:
        """The hits ``start`` to ``stop`` (all when None) of ``query``, best first, and how
        many nodes match in all. Only the hits asked for are ordered and made."""
        if len(query) > MAX_QUERY_LENGTH:
            raise QueryTooLong(
                f"the query is {len(query)} characters long; at most {MAX_QUERY_LENGTH} are allowed"
            )
        q = fold(query)
        if not q:
            return [], 0
        best = self._best(q)
        if stop is None:
            chosen = sorted(best.values())[start:]
        else:
            chosen = heapq.nsmallest(stop, best.values())[start:]
        n = len(self._texts)
        hits = []
        for key in chosen:
            rank, entry = divmod(key, n)
            hits.append(Hit(self._nodes[self._owner[entry]], self._texts[entry], rank))
        return hits, len(best)

    def _best(self, q: str) -> dict[int, int]:
        """Node -> the key of its best matching entry (``rank * entries + entry``)."""
        n = len(self._texts)
        owner = self._owner
        best: dict[int, int] = {}
        # Exact and prefix matches of whole labels: one slice of the sorted labels.
        lo, mid, hi = _span(self._label_keys, q)
        for rank, a, b in ((0, lo, mid), (1, mid, hi)):
            for entry in self._label_entries[a:b]:
                node, key = owner[entry], rank * n + entry
                if key < best.get(node, key + 1):
                    best[node] = key
        # Word matches: the slice of words starting with the query word that has the fewest,
        # each entry then checked for the other words (a text entry ranks as "text").
        tokens = list(dict.fromkeys(q.split()))
        spans = {t: _span(self._word_keys, t) for t in tokens}
        anchor = min(tokens, key=lambda t: spans[t][2] - spans[t][0])
        others = [t for t in tokens if t != anchor]
        lo, _, hi = spans[anchor]
        base = 2 * n
        names = self._names
        for entry in self._word_entries[lo:hi]:
            node = owner[entry]
            if node in best and best[node] < base:
                continue  # already found by a whole-label match
            if others:
                label_words = self._folded[entry].split()
                if not all(any(w.startswith(t) for w in label_words) for t in others):
                    continue
            key = (base if entry < names else base + n) + entry
            if key < best.get(node, key + 1):
                best[node] = key
        return best


def _span(keys: list[str], prefix: str) -> tuple[int, int, int]:
    """Where ``prefix`` is in sorted ``keys``: (first equal, first longer, first after)."""
    lo = bisect_left(keys, prefix)
    mid = bisect_right(keys, prefix, lo)
    # Every key starting with the prefix sorts before prefix + the highest code point.
    hi = bisect_left(keys, prefix + "\U0010ffff", mid)
    return lo, mid, hi


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

    def literals(node: ox.NamedNode, props: Iterable[ox.NamedNode]) -> list[str]:
        return [
            q.object.value
            for p in props
            for q in store.quads_for_pattern(node, p, None, None)
            if q.graph_name in graphs and isinstance(q.object, ox.Literal)
        ]

    name_props = [SKOS_ALT_LABEL, *(ox.NamedNode(p) for p in NAME_PROPERTIES)]
    text_props = [ox.NamedNode(p) for p in TEXT_PROPERTIES]
    text_props += [ox.NamedNode(ns + p) for p in FRKG_TEXT_PROPERTIES]

    def labels(node: ox.NamedNode) -> list[str]:
        texts = [q.object.value for q in describer.labels.quads(node)]
        texts += literals(node, name_props)
        texts += [
            m.group(1)
            for q in store.quads_for_pattern(node, OWL_SAME_AS, None, None)
            if q.graph_name in graphs and (m := _WIKIDATA.match(q.object.value))
        ]
        best = describer.labels.best(node)
        if not texts or best is None:  # an unlabelled node is found by its readable name
            texts.append(describer.labels.text(node, describer.prefixes))
        return texts

    nodes = [*index.entities, *(terms[k] for k in sorted(terms))]
    return SearchIndex(
        ((n, labels(n)) for n in nodes), ((n, literals(n, text_props)) for n in nodes)
    )


def highlight(text: str, query: str, context: int = 12) -> list[tuple[str, bool]]:
    """``text`` cut to about ``context`` words around its first match of ``query``, as
    (piece, matched) pairs: each word that a word of the query starts is marked."""
    tokens = fold(query).split()
    pieces: list[tuple[str, bool]] = []
    first = None
    position = 0
    for m in _WORD.finditer(text):
        if m.start() > position:
            pieces.append((text[position : m.start()], False))
        folded = fold(m.group())
        hit = bool(folded) and any(folded.startswith(t) for t in tokens)
        if hit and first is None:
            first = len(pieces)
        pieces.append((m.group(), hit))
        position = m.end()
    if position < len(text):
        pieces.append((text[position:], False))
    if first is None or len(pieces) <= 4 * context:
        return pieces
    start, stop = max(0, first - 2 * context), first + 2 * context
    cut = pieces[start:stop]
    if start > 0:
        cut.insert(0, ("… ", False))
    if stop < len(pieces):
        cut.append((" …", False))
    return cut
