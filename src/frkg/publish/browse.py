"""Browsing: every class's instances, sorted, paged and faceted; and what each source supports.

A class lists its entities and those of its subclasses (:meth:`DatasetIndex.instances`), sorted
by folded label (:func:`frkg.labels.fold`), then IRI. Facets are derived from the data, never
from a list of properties: a property of the class's members becomes a facet when some value is
shared by two members (so it narrows the list) or its values are concepts of a controlled
vocabulary (``skos:Concept``: stance, policy kind, status); every date-typed value gives a
year to the ``year`` facet; the asserted type is a facet when members have several. A value
that sits in a hierarchy (``schema:containedInPlace``, ``skos:broader``) also counts for every
place or concept above it, so filtering policies by a country finds those of its states and
cities.

Facet filters combine with AND across facets and OR within one facet. Facet counts are the
results the value would give with the other facets' filters kept (the usual faceted search).
Each class's facets are computed once, on first use, then kept.

A source lists every node that cites it (``dct:source``), grouped by kind. Nothing here imports
Flask.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from frkg.labels import curie, fold
from frkg.namespaces import DCT_SOURCE, HYDRA, RDF_TYPE, RDFS_LABEL, SKOS, XSD, ontology_ns
from frkg.publish.dataset import DatasetIndex
from frkg.publish.describe import DESCRIPTION_PROPERTIES, Describer, best_literal
from frkg.publish.terms import Term

#: Properties whose values form a hierarchy a facet value counts up through.
BROADER = (
    ox.NamedNode("https://schema.org/containedInPlace"),
    ox.NamedNode("http://www.w3.org/2004/02/skos/core#broader"),
)
DATE_TYPES = frozenset(XSD + t for t in ("date", "dateTime", "gYearMonth", "gYear"))
#: Entities per list page.
PAGE_SIZE = 50
#: Query parameters that are not facets.
RESERVED = frozenset({"page", "format", "class"})
#: The name of the pooled year facet and of the type facet.
YEAR, TYPE = "year", "type"
#: Longest text excerpt shown for an item, in characters.
EXCERPT = 280
_YEAR = re.compile(r"^-?\d{4,}")


#: Filtered lists whose members and facet counts are kept (cleared when full).
NARROWINGS_KEPT = 512


class UnknownFacet(ValueError):
    """A query parameter that names no facet of the class."""

    def __init__(self, name: str, available: Sequence[str]) -> None:
        self.name = name
        names = ", ".join(available) or "none"
        super().__init__(f"{name!r} is not a facet of this list; its facets are: {names}")


@dataclass(frozen=True)
class Item:
    """One entity in a list: its term, its types, a short text and its statement facts."""

    term: Term
    types: tuple[Term, ...]
    text: str | None
    speakers: tuple[Term, ...] = ()
    stances: tuple[Term, ...] = ()


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet: its URL key, how it shows, how many results it gives."""

    key: str
    label: str
    term: Term | None
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    """A way to narrow a list: the query parameter, its caption and its values."""

    name: str
    label: str
    property: Term | None
    values: tuple[FacetValue, ...]


@dataclass(frozen=True)
class Listing:
    """One page of a class's entities, with the facets and the filters applied."""

    cls: Term
    total: int
    count: int  # all members, unfiltered
    page: int
    pages: int
    items: tuple[Item, ...]
    facets: tuple[Facet, ...]
    filters: dict[str, tuple[str, ...]]
    subclasses: tuple[tuple[Term, int], ...]
    superclasses: tuple[Term, ...]


@dataclass(frozen=True)
class ClassEntry:
    """A class in the index of classes: its term, entities in all, and its listed subclasses."""

    term: Term
    count: int
    children: tuple[ClassEntry, ...]
    label: str  # the class's label, with its prefixed name when another class has that label


@dataclass(frozen=True)
class SourceView:
    """Everything that cites one source, grouped by kind."""

    source: Term
    total: int
    groups: tuple[tuple[Term | None, tuple[Item, ...]], ...]


@dataclass
class _FacetData:
    name: str
    label: str
    property: Term | None
    members: dict[str, set[int]]  # value key -> member positions
    labels: dict[str, tuple[str, Term | None]]  # value key -> (label, term)


@dataclass
class _ClassData:
    members: list[ox.NamedNode]  # in list order
    facets: dict[str, _FacetData]


class Browser:
    """Class lists and source pages over one load; facets are computed once per class."""

    def __init__(self, index: DatasetIndex, describer: Describer) -> None:
        self.index = index
        self.describer = describer
        self._data_graphs = set(index.data_graphs)
        self._dataset_graphs = set(index.graphs)
        self._classes: dict[str, _ClassData] = {}
        self._lock = threading.Lock()
        self._narrowings: dict[tuple, tuple[list[int], tuple[Facet, ...]]] = {}
        self._broader = self._hierarchy()
        # Values from a controlled vocabulary (stance, policy kind, status ...) always make a
        # facet: they are what readers filter by, even when each is used once.
        concept = ox.NamedNode(SKOS + "Concept")
        described = self._dataset_graphs | set(index.kg.graphs("ontology"))
        self._concepts = {
            q.subject
            for q in index.kg.store.quads_for_pattern(None, RDF_TYPE, concept, None)
            if q.graph_name in described
        }

    # -- keys: how values appear in URLs ------------------------------------------------------

    def key(self, node) -> str:
        """The URL form of a facet value: an entity's slug, a term's prefixed name, or the IRI."""
        if self.index.is_entity(node):
            return self.index.slug(node)
        return curie(node.value, self.describer.prefixes) or node.value

    def class_name(self, cls: str) -> str | None:
        """The prefixed name a class's list page is named by (``frkg:Quote``), or None."""
        return curie(cls, self.describer.prefixes)

    def class_iri(self, name: str) -> str | None:
        """The class IRI of a prefixed name, or None when the prefix is unknown."""
        prefix, sep, local = name.partition(":")
        ns = self.describer.prefixes.get(prefix)
        if not sep or ns is None or not local:
            return None
        return ns + local

    def sort_key(self, node: ox.NamedNode) -> tuple:
        """Where ``node`` goes in a list: by folded label, then label, then IRI."""
        label = self.describer.labels.text(node, self.describer.prefixes)
        return (fold(label), label, node.value)

    # -- the class index ------------------------------------------------------------------------

    def class_tree(self) -> tuple[ClassEntry, ...]:
        """The listed classes as a tree by ``rdfs:subClassOf`` (a class may appear twice)."""
        index = self.index
        listed = set(index.listed_classes())
        labels: dict[str, int] = {}
        for cls in listed:
            text = self.describer.term(ox.NamedNode(cls)).label
            labels[text] = labels.get(text, 0) + 1

        def entry(cls: str, path: frozenset[str]) -> ClassEntry:
            children = [
                entry(c, path | {c})
                for c in sorted(
                    (c for c in index.subclasses(cls) if c in listed and c not in path),
                    key=self._class_order,
                )
            ]
            term = self.describer.term(ox.NamedNode(cls))
            shown = term.label
            if labels.get(shown, 0) > 1 and term.curie:
                shown = f"{shown} ({term.curie})"
            return ClassEntry(term, index.count(cls), tuple(children), shown)

        roots = [c for c in listed if not (index.ancestors(c) & listed)]
        return tuple(entry(c, frozenset({c})) for c in sorted(roots, key=self._class_order))

    def _class_order(self, cls: str) -> tuple:
        return self.sort_key(ox.NamedNode(cls))

    # -- class lists ----------------------------------------------------------------------------

    def listing(
        self, cls: str, filters: Mapping[str, Sequence[str]], page: int = 1
    ) -> Listing | None:
        """Page ``page`` of the entities of ``cls`` narrowed by ``filters`` (facet -> keys).

        None when ``cls`` has no entities. Raises :class:`UnknownFacet` for a filter that names
        no facet; a key no member has simply matches nothing. Pages past the end are empty.
        """
        data = self._class_data(cls)
        if data is None:
            return None
        unknown = [name for name in filters if name not in data.facets]
        if unknown:
            raise UnknownFacet(unknown[0], list(data.facets))
        chosen = {name: tuple(dict.fromkeys(keys)) for name, keys in filters.items() if keys}
        results, facets = self._narrowed(cls, data, chosen)
        pages = max(1, -(-len(results) // PAGE_SIZE))
        shown = results[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        listed = set(self.index.listed_classes())
        return Listing(
            cls=self.describer.term(ox.NamedNode(cls)),
            total=len(results),
            count=len(data.members),
            page=page,
            pages=pages,
            items=tuple(self.item(data.members[i]) for i in shown),
            facets=tuple(facets),
            filters=chosen,
            subclasses=tuple(
                (self.describer.term(ox.NamedNode(c)), self.index.count(c))
                for c in sorted(self.index.subclasses(cls), key=self._class_order)
                if c in listed or self.index.count(c)
            ),
            superclasses=tuple(
                self.describer.term(ox.NamedNode(c))
                for c in sorted(self.index.superclasses(cls), key=self._class_order)
            ),
        )

    def _narrowed(
        self, cls: str, data: _ClassData, chosen: dict[str, tuple[str, ...]]
    ) -> tuple[list[int], tuple[Facet, ...]]:
        """The members ``chosen`` leaves and the facets' counts, computed once per list and
        filters, not once per page (a class's pages would cost the square of its size)."""
        key = (cls, tuple(sorted(chosen.items())))
        found = self._narrowings.get(key)
        if found is not None:
            return found
        everyone = set(range(len(data.members)))

        def matching(skip: str | None) -> set[int]:
            result = set(everyone)
            for name, keys in chosen.items():
                if name == skip:
                    continue
                facet = data.facets[name]
                allowed: set[int] = set()
                for k in keys:
                    allowed |= facet.members.get(k, set())
                result &= allowed
            return result

        results = sorted(matching(None))
        facets = []
        for name, facet in data.facets.items():
            base = matching(name)
            selected = set(chosen.get(name, ()))
            values = []
            for k, members in facet.members.items():
                n = len(members & base)
                if n or k in selected:
                    label, term = facet.labels[k]
                    values.append(FacetValue(k, label, term, n, k in selected))
            for k in selected - set(facet.members):
                values.append(FacetValue(k, k, None, 0, True))
            if name == YEAR:
                values.sort(key=lambda v: v.key, reverse=True)
            else:
                values.sort(key=lambda v: (-v.count, fold(v.label), v.key))
            if values:  # a facet every value of which the other filters rule out is hidden
                facets.append(Facet(facet.name, facet.label, facet.property, tuple(values)))
        found = (results, tuple(facets))
        with self._lock:
            if len(self._narrowings) >= NARROWINGS_KEPT:
                self._narrowings.clear()
            self._narrowings[key] = found
        return found

    def _class_data(self, cls: str) -> _ClassData | None:
        with self._lock:
            if cls not in self._classes:
                members = sorted(self.index.instances(cls), key=self.sort_key)
                if not members:
                    return None
                self._classes[cls] = _ClassData(members, self._facets(members))
            return self._classes[cls]

    def _facets(self, members: list[ox.NamedNode]) -> dict[str, _FacetData]:
        values: dict[ox.NamedNode, dict[str, set[int]]] = {}
        nodes: dict[str, object] = {}
        years: dict[str, set[int]] = {}
        types: dict[str, set[int]] = {}
        for i, member in enumerate(members):
            for q in self.index.kg.store.quads_for_pattern(member, None, None, None):
                if q.graph_name not in self._data_graphs:
                    continue
                o = q.object
                if q.predicate == RDF_TYPE:
                    if isinstance(o, ox.NamedNode):
                        types.setdefault(self.key(o), set()).add(i)
                        nodes[self.key(o)] = o
                elif isinstance(o, ox.NamedNode):
                    by_value = values.setdefault(q.predicate, {})
                    for node in (o, *self._broader.get(o, ())):
                        by_value.setdefault(self.key(node), set()).add(i)
                        nodes[self.key(node)] = node
                elif isinstance(o, ox.Literal) and o.datatype.value in DATE_TYPES:
                    year = _YEAR.match(o.value)
                    if year:
                        years.setdefault(str(int(year.group())), set()).add(i)

        def labelled(keys) -> dict[str, tuple[str, Term | None]]:
            out = {}
            for k in keys:
                term = self.describer.term(nodes[k])
                out[k] = (term.label, term)
            return out

        facets: dict[str, _FacetData] = {}
        if len(types) > 1:
            facets[TYPE] = _FacetData(TYPE, "type", None, types, labelled(types))
        candidates = []
        for prop, by_value in values.items():
            shared = any(len(m) > 1 for m in by_value.values())
            controlled = any(nodes[k] in self._concepts for k in by_value)
            if shared or controlled:
                candidates.append((prop, by_value))
        names = self._facet_names([p for p, _ in candidates])
        for prop, by_value in sorted(candidates, key=lambda pv: self.sort_key(pv[0])):
            term = self.describer.term(prop)
            name = names[prop]
            facets[name] = _FacetData(name, term.label, term, by_value, labelled(by_value))
        if years:
            facets[YEAR] = _FacetData(YEAR, "year", None, years, {y: (y, None) for y in years})
        return facets

    def _facet_names(self, props: list[ox.NamedNode]) -> dict[ox.NamedNode, str]:
        """A query parameter per property: its local name, or its prefixed name on a clash."""
        local: dict[ox.NamedNode, str] = {}
        for p in props:
            short = curie(p.value, self.describer.prefixes) or p.value
            local[p] = short.split(":", 1)[1] if ":" in short and short != p.value else short
        taken = [n for n in local.values()]
        names = {}
        for p, name in local.items():
            clash = taken.count(name) > 1 or name in RESERVED or name in (YEAR, TYPE)
            names[p] = (curie(p.value, self.describer.prefixes) or p.value) if clash else name
        return names

    def _hierarchy(self) -> dict[ox.NamedNode, tuple[ox.NamedNode, ...]]:
        """Node -> every node above it by :data:`BROADER` links in the dataset."""
        up: dict[ox.NamedNode, set[ox.NamedNode]] = {}
        graphs = self._dataset_graphs | set(self.index.kg.graphs("ontology"))
        for prop in BROADER:
            for q in self.index.kg.store.quads_for_pattern(None, prop, None, None):
                if q.graph_name in graphs and isinstance(q.object, ox.NamedNode):
                    if isinstance(q.subject, ox.NamedNode):
                        up.setdefault(q.subject, set()).add(q.object)
        closed: dict[ox.NamedNode, tuple[ox.NamedNode, ...]] = {}
        for node in up:
            seen: list[ox.NamedNode] = []
            todo = list(up[node])
            while todo:
                n = todo.pop()
                if n != node and n not in seen:
                    seen.append(n)
                    todo.extend(up.get(n, ()))
            closed[node] = tuple(sorted(seen, key=lambda n: n.value))
        return closed

    # -- items ----------------------------------------------------------------------------------

    def item(self, node: ox.NamedNode) -> Item:
        """``node`` as a list shows it: label, types, an excerpt, for statements who and what."""
        d = self.describer
        own = [
            q
            for q in self.index.kg.store.quads_for_pattern(node, None, None, None)
            if q.graph_name in self._data_graphs
        ]
        ns = ontology_ns(self.index.base)
        text_props = (ns + "verbatimText", ns + "paraphraseText", *DESCRIPTION_PROPERTIES)
        text = best_literal(own, text_props)
        excerpt = None
        if text is not None:
            excerpt = text.value if len(text.value) <= EXCERPT else text.value[: EXCERPT - 1] + "…"

        def terms(prop: str) -> tuple[Term, ...]:
            found = dict.fromkeys(q.object for q in own if q.predicate.value == prop)
            return tuple(sorted((d.term(o) for o in found), key=lambda t: fold(t.label)))

        return Item(
            term=d.term(node),
            types=tuple(
                sorted(
                    (d.term(ox.NamedNode(t)) for t in self.index.entity_types.get(node.value, ())),
                    key=lambda t: fold(t.label),
                )
            ),
            text=excerpt,
            speakers=terms(ns + "speaker"),
            stances=terms(ns + "stance"),
        )

    # -- sources --------------------------------------------------------------------------------

    def citing_count(self, source: ox.NamedNode) -> int:
        """How many nodes of the data cite ``source`` (``len(citing(source))``, counted once)."""
        return self._citing_counts.get(source, 0)

    @functools.cached_property
    def _citing_counts(self) -> dict[ox.NamedNode, int]:
        # Every entity page shows this count: counted for all sources at once, at load time
        # (Publication.build asks for it), not by reading a source's citations per request.
        citing: dict[ox.NamedNode, set[ox.NamedNode]] = {}
        for q in self.index.kg.store.quads_for_pattern(None, DCT_SOURCE, None, None):
            if q.graph_name in self._data_graphs and isinstance(q.subject, ox.NamedNode):
                citing.setdefault(q.object, set()).add(q.subject)
        return {source: len(nodes) for source, nodes in citing.items()}

    def citing(self, source: ox.NamedNode) -> set[ox.NamedNode]:
        """The nodes of the data that cite ``source`` with ``dct:source``."""
        return {
            q.subject
            for q in self.index.kg.store.quads_for_pattern(None, DCT_SOURCE, source, None)
            if q.graph_name in self._data_graphs and isinstance(q.subject, ox.NamedNode)
        }

    def derived(self, source: ox.NamedNode) -> SourceView | None:
        """Everything citing ``source`` (``dct:source``), grouped by kind; None if nothing does."""
        citing = self.citing(source)
        if not citing:
            return None
        groups: dict[str | None, list[ox.NamedNode]] = {}
        for node in citing:
            groups.setdefault(self._kind(node), []).append(node)
        # What was said comes first (quotes, paraphrases), then every other kind by name.
        said = self.index.descendants(ontology_ns(self.index.base) + "Statement")
        ordered = sorted(
            groups.items(),
            key=lambda kv: (
                kv[0] is None,
                kv[0] not in said,
                self.sort_key(ox.NamedNode(kv[0])) if kv[0] else (),
            ),
        )
        return SourceView(
            source=self.describer.term(source),
            total=len(citing),
            groups=tuple(
                (
                    self.describer.term(ox.NamedNode(kind)) if kind else None,
                    tuple(self.item(n) for n in sorted(nodes, key=self.sort_key)),
                )
                for kind, nodes in ordered
            ),
        )

    def _kind(self, node: ox.NamedNode) -> str | None:
        """The most specific asserted type of ``node`` (the first by label on a tie)."""
        types = self.index.entity_types.get(node.value, ())
        specific = [t for t in types if not any(t in self.index.ancestors(u) for u in types)]
        return min(specific, key=self._class_order) if specific else None


# -- RDF of list pages ----------------------------------------------------------------------------


def _quad(s, p: str, o) -> ox.Quad:
    return ox.Quad(s, ox.NamedNode(p), o, ox.DefaultGraph())


def item_quads(browser: Browser, nodes: Sequence[ox.NamedNode]) -> list[ox.Quad]:
    """Each node's asserted types and best label: what a list shows of it."""
    out = []
    for node in nodes:
        for cls in browser.index.entity_types.get(node.value, ()):
            out.append(_quad(node, RDF_TYPE.value, ox.NamedNode(cls)))
        label = browser.describer.labels.best(node)
        if label is not None:
            out.append(
                _quad(node, RDFS_LABEL.value, ox.Literal(label.text, language=label.language))
            )
    return out


def collection_quads(
    browser: Browser, listing: Listing, collection: str, view: str, links: Mapping[str, str]
) -> list[ox.Quad]:
    """A list page as a Hydra collection: its members on this page, their total, and the
    links to the first, last, previous and next pages (``links``: Hydra property -> URL)."""
    coll, page = ox.NamedNode(collection), ox.NamedNode(view)
    cls = ox.NamedNode(listing.cls.value)
    out = [
        _quad(coll, RDF_TYPE.value, ox.NamedNode(HYDRA + "Collection")),
        _quad(
            coll,
            RDFS_LABEL.value,
            ox.Literal(
                f"Every {listing.cls.label}" + (" (filtered)" if listing.filters else ""),
                language="en",
            ),
        ),
        _quad(
            coll,
            HYDRA + "totalItems",
            ox.Literal(str(listing.total), datatype=ox.NamedNode(XSD + "integer")),
        ),
        _quad(coll, HYDRA + "view", page),
        _quad(page, RDF_TYPE.value, ox.NamedNode(HYDRA + "PartialCollectionView")),
    ]
    manages = ox.BlankNode("manages")
    out += [
        _quad(coll, HYDRA + "manages", manages),
        _quad(manages, HYDRA + "property", RDF_TYPE),
        _quad(manages, HYDRA + "object", cls),
    ]
    label = browser.describer.labels.best(cls)
    if label is not None:
        out.append(_quad(cls, RDFS_LABEL.value, ox.Literal(label.text, language=label.language)))
    for prop, url in links.items():
        out.append(_quad(page, HYDRA + prop, ox.NamedNode(url)))
    members = [ox.NamedNode(i.term.value) for i in listing.items]
    out += [_quad(coll, HYDRA + "member", m) for m in members]
    return out + item_quads(browser, members)


def source_quads(browser: Browser, source: ox.NamedNode) -> list[ox.Quad]:
    """What a source page lists, as RDF: every ``dct:source`` link to it, with labels and types."""
    citing = sorted(browser.citing(source), key=lambda n: n.value)
    out = [_quad(n, DCT_SOURCE.value, source) for n in citing]
    return out + item_quads(browser, [source, *citing])
