"""Triple Pattern Fragments (Linked Data Fragments specification): the triples matching one
pattern, a page at a time, with their count and the Hydra controls to ask for any other.

A fragment reads the default graph the SPARQL endpoint reads (the union of every named graph,
each distinct triple once: docs/sparql.md, "The default graph"), so a client that queries
fragments gets the answers ``/sparql`` gives. Pattern terms are in Hydra's explicit
representation (``http://...`` for an IRI, ``"text"@en`` or ``"12"^^http://...#integer`` for a
literal; empty, ``?x`` or ``_:x`` for a variable). The counts are exact (``hydra:totalItems``,
``void:triples``): the store counts the matches. In N-Quads and TriG the data is in the default
graph and the metadata and controls in ``{fragment}#metadata``, whose ``foaf:primaryTopic`` is
the fragment (the layout TPF clients such as Comunica read); graph syntaxes hold both together.
Nothing here imports Flask.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import quote

import pyoxigraph as ox

from frkg.namespaces import DCT, FOAF, HYDRA, RDF, RDF_TYPE, VOID, XSD_INTEGER
from frkg.store import KnowledgeGraph
from frkg.store.remote import skolem_prefix

#: Triples per page (the Linked Data Fragments server's default).
PAGE_SIZE = 100
#: The path of the fragments interface under the serving base.
FRAGMENTS_PATH = "fragments"
POSITIONS = ("subject", "predicate", "object")


class BadPattern(ValueError):
    """A pattern term that is not an IRI, a literal or a variable, or a literal out of place."""


def parse_term(position: str, text: str | None):
    """The term ``text`` names in Hydra's explicit representation; None for a variable."""
    text = (text or "").strip()
    if not text or text.startswith(("?", "_:")):
        return None
    if text.startswith('"'):
        if position != "object":
            raise BadPattern(f"the {position} of a triple cannot be a literal")
        end = text.rfind('"')
        if end == 0:
            raise BadPattern(f"the {position} literal has no closing quote")
        value, rest = text[1:end], text[end + 1 :]
        if rest.startswith("@") and len(rest) > 1:
            return _checked(position, lambda: ox.Literal(value, language=rest[1:]))
        if rest.startswith("^^"):
            datatype = rest[2:].strip("<>")
            return _checked(position, lambda: ox.Literal(value, datatype=ox.NamedNode(datatype)))
        if rest:
            raise BadPattern(f"the {position} literal is followed by {rest[:40]!r}")
        return ox.Literal(value)
    return _checked(position, lambda: ox.NamedNode(text.strip("<>")))


def _checked(position: str, make):
    try:
        return make()
    except ValueError as e:
        raise BadPattern(f"the {position} is not a valid IRI or literal: {e}") from None


def explicit(term) -> str:
    """``term`` in Hydra's explicit representation (what a search form is filled with)."""
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.Literal):
        quoted = f'"{term.value}"'
        if term.language:
            return f"{quoted}@{term.language}"
        if term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            return f"{quoted}^^{term.datatype.value}"
        return quoted
    return ""


@dataclass(frozen=True)
class Fragment:
    """One page of one fragment: its pattern, triples, count and URLs."""

    pattern: tuple  # (subject, predicate, object), None for a variable
    page: int
    triples: tuple[ox.Triple, ...]
    total: int
    url: str  # the fragment (every page), {base}fragments?subject=...
    page_url: str  # this page
    dataset: str
    template: str

    @property
    def pages(self) -> int:
        """How many pages the fragment has (at least one, perhaps empty)."""
        return max(1, -(-self.total // PAGE_SIZE))

    def page_link(self, number: int) -> str:
        """The URL of page ``number`` of the fragment."""
        if number == 1:
            return self.url
        return self.url + ("&" if "?" in self.url else "?") + f"page={number}"


def fragments_url(base: str) -> str:
    """``{base}fragments``, the interface's entry point and template base."""
    return base + FRAGMENTS_PATH


def fragment_url(base: str, pattern: tuple) -> str:
    """The canonical URL of the fragment of ``pattern``: its bound terms, in the order and
    encoding its search template gives (RFC 6570 form-style query expansion)."""
    parts = [
        f"{name}={quote(explicit(term), safe='')}"
        for name, term in zip(POSITIONS, pattern, strict=True)
        if term is not None
    ]
    return fragments_url(base) + ("?" + "&".join(parts) if parts else "")


def select(kg: KnowledgeGraph, pattern: tuple, page: int, requested: str | None = None) -> Fragment:
    """Page ``page`` of the fragment of ``pattern``; ``requested`` is the URL the client asked
    for (the page's IRI in the answer, when it is one), else the canonical page URL."""
    skolems = skolem_prefix(kg.base)
    asked = tuple(_blank(t, skolems) for t in pattern)
    offset = (page - 1) * PAGE_SIZE
    if any(isinstance(t, ox.BlankNode) for t in asked):
        # A blank node of an earlier fragment: no SPARQL query can name it, the store can.
        found = list(
            dict.fromkeys(
                ox.Triple(q.subject, q.predicate, q.object)
                for q in kg.store.quads_for_pattern(*asked)
                if not isinstance(q.graph_name, ox.DefaultGraph)
            )
        )
        total, triples = len(found), found[offset : offset + PAGE_SIZE]
    else:
        total, triples = _matches(kg, asked, offset)
    # Blank nodes go out as Skolem IRIs (RDF 1.1 Concepts section 3.5), so that a client can ask
    # the next fragment about them (a TPF client joins through them: a claim's citations).
    triples = [ox.Triple(*(_skolem(t, skolems) for t in triple)) for triple in triples]
    url = fragment_url(kg.base, pattern)
    made = Fragment(
        pattern,
        page,
        tuple(triples),
        total,
        url,
        "",
        fragments_url(kg.base) + "#dataset",
        fragments_url(kg.base) + "{?subject,predicate,object}",
    )
    page_url = made.page_link(page)
    if requested and requested != page_url:
        try:
            ox.NamedNode(requested)
            page_url = requested
        except ValueError:
            pass
    return replace(made, page_url=page_url)


def _matches(kg: KnowledgeGraph, pattern: tuple, offset: int) -> tuple[int, list[ox.Triple]]:
    """How many triples of the union graph match ``pattern``, and a page of them from ``offset``."""
    names = ("?s", "?p", "?o")
    where = " ".join(str(t) if t is not None else v for t, v in zip(pattern, names, strict=True))
    (row,) = kg.store.query(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}", use_default_graph_as_union=True
    )
    total = int(row["n"].value)
    triples: list[ox.Triple] = []
    if offset < total:
        solutions = kg.store.query(
            f"SELECT * WHERE {{ {where} }} LIMIT {PAGE_SIZE} OFFSET {offset}",
            use_default_graph_as_union=True,
        )
        for solution in solutions:
            s, p, o = (
                t if t is not None else solution[v[1:]] for t, v in zip(pattern, names, strict=True)
            )
            triples.append(ox.Triple(s, p, o))
    return total, triples


def _skolem(term, prefix: str):
    return ox.NamedNode(prefix + term.value) if isinstance(term, ox.BlankNode) else term


def _blank(term, prefix: str):
    if isinstance(term, ox.NamedNode) and term.value.startswith(prefix):
        return ox.BlankNode(term.value[len(prefix) :])
    return term


def quads(fragment: Fragment, with_graphs: bool) -> list[ox.Quad]:
    """The fragment as RDF: its triples (default graph), then its metadata and controls (in
    ``{fragment}#metadata`` when ``with_graphs``, else the default graph too)."""
    default = ox.DefaultGraph()
    metadata_graph = ox.NamedNode(fragment.url + "#metadata") if with_graphs else default
    out = [ox.Quad(t.subject, t.predicate, t.object, default) for t in fragment.triples]

    def n(iri: str) -> ox.NamedNode:
        return ox.NamedNode(iri)

    def add(s, p: str, o) -> None:
        out.append(ox.Quad(s, n(p), o, metadata_graph))

    def integer(value: int) -> ox.Literal:
        return ox.Literal(str(value), datatype=XSD_INTEGER)

    dataset, whole, page = n(fragment.dataset), n(fragment.url), n(fragment.page_url)
    if with_graphs:
        add(metadata_graph, FOAF + "primaryTopic", whole)
    # The dataset and its search form (TPF specification, "Controls"), first...
    add(dataset, RDF + "type", n(VOID + "Dataset"))
    add(dataset, RDF + "type", n(HYDRA + "Collection"))
    add(dataset, VOID + "subset", whole)
    form = ox.BlankNode()
    add(dataset, HYDRA + "search", form)
    add(form, HYDRA + "template", ox.Literal(fragment.template))
    add(form, HYDRA + "variableRepresentation", n(HYDRA + "ExplicitRepresentation"))
    for position in POSITIONS:
        mapping = ox.BlankNode()
        add(form, HYDRA + "mapping", mapping)
        add(mapping, HYDRA + "variable", ox.Literal(position))
        add(mapping, HYDRA + "property", n(RDF + position))
    # ...then the fragment, whose page this is: a client reads the last void:subset of the page
    # as the fragment the metadata graph is about.
    add(whole, VOID + "subset", page)
    add(page, RDF_TYPE.value, n(HYDRA + "PartialCollectionView"))
    add(page, DCT + "title", ox.Literal("A Triple Pattern Fragment of frkg", language="en"))
    add(
        page,
        DCT + "description",
        ox.Literal(
            "The triples of the frkg dataset (the SPARQL endpoint's default graph) matching "
            f"{_pattern_text(fragment.pattern)}; hydra:totalItems is the exact count.",
            language="en",
        ),
    )
    add(page, DCT + "source", dataset)
    add(page, HYDRA + "totalItems", integer(fragment.total))
    add(page, VOID + "triples", integer(fragment.total))
    add(page, HYDRA + "itemsPerPage", integer(PAGE_SIZE))
    add(page, HYDRA + "first", n(fragment.page_link(1)))
    add(page, HYDRA + "last", n(fragment.page_link(fragment.pages)))
    if fragment.page > 1:
        add(
            page,
            HYDRA + "previous",
            n(fragment.page_link(min(fragment.page, fragment.pages + 1) - 1)),
        )
    if fragment.page < fragment.pages:
        add(page, HYDRA + "next", n(fragment.page_link(fragment.page + 1)))
    return out


def _pattern_text(pattern: tuple) -> str:
    names = ("?s", "?p", "?o")
    return (
        "{ "
        + " ".join(str(t) if t is not None else v for t, v in zip(pattern, names, strict=True))
        + " }"
    )
