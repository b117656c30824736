"""THE format table: name <-> media type(s) <-> serializer <-> file suffix <-> ``format=`` keywords.

Everything that needs a media type, a suffix or a serializer looks it up here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

import pyoxigraph as ox

#: W3C's identifiers for RDF syntaxes (https://www.w3.org/ns/formats/), used in dct:format.
W3C_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    """One representation: its media type and aliases, suffix, keywords and serializer."""

    name: str
    kind: str  # "rdf" (graphs), "results" (SELECT/ASK results), "html" or "json" (plain JSON)
    media_type: str
    label: str
    aliases: tuple[str, ...] = ()
    suffix: str | None = None
    keywords: tuple[str, ...] = ()
    serializer: ox.RdfFormat | ox.QueryResultsFormat | None = None
    iri: str | None = None  # the W3C format IRI (https://www.w3.org/ns/formats/), for descriptions
    #: Words that name a family of syntaxes this one belongs to without being its first choice
    #: (N-Triples is N3 too): within a family, the Accept header picks (see :func:`family`).
    families: tuple[str, ...] = ()

    @property
    def media_types(self) -> tuple[str, ...]:
        """The canonical media type first, then its aliases."""
        return (self.media_type, *self.aliases)

    @property
    def holds_quads(self) -> bool:
        """True for dataset syntaxes (N-Quads, TriG) that keep each triple's named graph."""
        return self.serializer in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)

    @property
    def content_type(self) -> str:
        """The Content-Type header value (UTF-8 declared for every text format)."""
        return f"{self.media_type}; charset=utf-8"


HTML = Format("html", "html", "text/html", "HTML", ("application/xhtml+xml",), "html", ("html",))
#: Plain JSON, the twin of list and search pages that scripts (and autocomplete) read. Offer it
#: before JSON-LD, whose alias ``application/json`` it shares, where a page has both.
JSON = Format("plain-json", "json", "application/json", "JSON", (), "json", ("json",))

RDF_FORMATS = (
    Format(
        "turtle",
        "rdf",
        "text/turtle",
        "Turtle",
        ("application/x-turtle",),
        "ttl",
        ("turtle", "ttl", "n3"),  # Turtle is N3 too: SPARQLWrapper asks for format=n3
        ox.RdfFormat.TURTLE,
        W3C_FORMATS + "Turtle",
    ),
    Format(
        "jsonld",
        "rdf",
        "application/ld+json",
        "JSON-LD",
        ("application/json",),
        "jsonld",
        ("json-ld", "jsonld", "json"),  # SPARQLWrapper's format=json on a CONSTRUCT
        ox.RdfFormat.JSON_LD,
        W3C_FORMATS + "JSON-LD",
    ),
    Format(
        "rdfxml",
        "rdf",
        "application/rdf+xml",
        "RDF/XML",
        ("application/xml", "text/xml"),
        "rdf",
        ("rdf", "xml", "rdfxml", "rdf+xml"),
        ox.RdfFormat.RDF_XML,
        W3C_FORMATS + "RDF_XML",
    ),
    Format(
        "ntriples",
        "rdf",
        "application/n-triples",
        "N-Triples",
        ("text/plain",),
        "nt",
        ("nt", "ntriples", "n-triples"),
        ox.RdfFormat.N_TRIPLES,
        W3C_FORMATS + "N-Triples",
        ("n3",),  # N-Triples is a subset of N3: SPARQLWrapper's format=n3 Accepts it by name
    ),
    Format(
        "nquads",
        "rdf",
        "application/n-quads",
        "N-Quads",
        (),
        "nq",
        ("nq", "nquads", "n-quads"),
        ox.RdfFormat.N_QUADS,
        W3C_FORMATS + "N-Quads",
    ),
    Format(
        "trig",
        "rdf",
        "application/trig",
        "TriG",
        (),
        "trig",
        ("trig",),
        ox.RdfFormat.TRIG,
        W3C_FORMATS + "TriG",
    ),
)

RESULT_FORMATS = (
    Format(
        "json",
        "results",
        "application/sparql-results+json",
        "SPARQL JSON",
        ("application/json",),
        "srj",
        ("json", "srj"),
        ox.QueryResultsFormat.JSON,
        W3C_FORMATS + "SPARQL_Results_JSON",
    ),
    Format(
        "xml",
        "results",
        "application/sparql-results+xml",
        "SPARQL XML",
        ("application/xml", "text/xml"),
        "srx",
        ("xml", "srx"),
        ox.QueryResultsFormat.XML,
        W3C_FORMATS + "SPARQL_Results_XML",
    ),
    Format(
        "csv",
        "results",
        "text/csv",
        "CSV",
        (),
        "csv",
        ("csv",),
        ox.QueryResultsFormat.CSV,
        W3C_FORMATS + "SPARQL_Results_CSV",
    ),
    Format(
        "tsv",
        "results",
        "text/tab-separated-values",
        "TSV",
        (),
        "tsv",
        ("tsv",),
        ox.QueryResultsFormat.TSV,
        W3C_FORMATS + "SPARQL_Results_TSV",
    ),
)

ALL_FORMATS = (HTML, *RDF_FORMATS, *RESULT_FORMATS, JSON)

#: Formats that hold one graph (triples only); N-Quads and TriG also keep named graphs.
GRAPH_FORMATS = tuple(f for f in RDF_FORMATS if f.name not in {"nquads", "trig"})


def by_suffix(suffix: str, formats: tuple[Format, ...] = RDF_FORMATS) -> Format | None:
    """The format whose file suffix is ``suffix`` (without the dot)."""
    return next((f for f in formats if f.suffix == suffix), None)


def by_keyword(word: str, formats: tuple[Format, ...]) -> Format | None:
    """The format a ``format=`` value names: a keyword, a media type, an alias or a suffix."""
    word = word.strip().lower()
    for f in formats:
        if word in f.keywords or word in f.media_types or word == f.suffix:
            return f
    return None


def family(word: str, formats: tuple[Format, ...]) -> tuple[Format, ...]:
    """Every format of ``formats`` a ``format=`` word names, in table order: the one
    :func:`by_keyword` finds first, then those that count the word among their families.

    SPARQLWrapper sends a family word (``n3``, ``xml``, ``json``) with an Accept header naming
    one member (``format=n3`` with ``Accept: application/n-triples``): the word narrows the
    choice to the family, the Accept header chooses within it (docs/urls-and-formats.md).
    """
    first = by_keyword(word, formats)
    word = word.strip().lower()
    members = [f for f in formats if f is not first and word in f.families]
    return ((first,) if first else ()) + tuple(members)


class Unrepresentable(ValueError):
    """RDF that a syntax cannot express (RDF/XML needs every predicate to end in an XML name)."""


# An XML NCName at the end of an IRI: RDF/XML writes a predicate as namespace + local name, so a
# predicate whose IRI ends in a digit-led segment, a slash or a '#' has no RDF/XML form.
_XML_LOCAL_NAME = re.compile(r"[^\W\d][\w.\-\u00b7]*$")


def serialize(
    fmt: Format, quads: Iterable[ox.Quad], prefixes: Mapping[str, str] | None = None
) -> bytes:
    """``quads`` in the RDF syntax ``fmt``, with pyoxigraph's serializer.

    Graph syntaxes get each distinct triple once (graph names dropped); dataset syntaxes
    (N-Quads, TriG) keep the named graphs. Raises :class:`Unrepresentable` when the syntax
    cannot express the data, rather than writing a broken document.
    """
    if fmt.kind != "rdf" or not isinstance(fmt.serializer, ox.RdfFormat):
        raise ValueError(f"{fmt.label} is not an RDF syntax")
    if fmt.holds_quads:
        items: list = list(dict.fromkeys(quads))
    else:
        items = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads))
    # Keep each subject's triples together (first-seen order), so Turtle and RDF/XML group them.
    first_seen: dict = {}
    if fmt.holds_quads:
        items.sort(key=lambda q: first_seen.setdefault((q.graph_name, q.subject), len(first_seen)))
    else:
        items.sort(key=lambda t: first_seen.setdefault(t.subject, len(first_seen)))
    if fmt.serializer == ox.RdfFormat.RDF_XML:
        for t in items:
            if not _XML_LOCAL_NAME.search(t.predicate.value):
                raise Unrepresentable(
                    f"RDF/XML cannot express the predicate <{t.predicate.value}>: "
                    "it does not end in an XML name"
                )
    return ox.serialize(items, format=fmt.serializer, prefixes=dict(prefixes or {}))


def with_default_graph(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """``quads`` as a document in a dataset syntax carries them: every distinct triple in the
    default graph, then each quad of a named graph as it is (which file said it).

    A reader of N-Quads or TriG that keeps one graph reads the default graph (RDF 1.1 Concepts
    section 4; Comunica, rdflib's ``Graph.parse``), so the description must be there; the named
    graphs beside it keep the provenance a dataset-aware reader can use
    (docs/urls-and-formats.md, "Quad documents").
    """
    quads = list(quads)
    default = ox.DefaultGraph()
    triples = dict.fromkeys(ox.Quad(q.subject, q.predicate, q.object, default) for q in quads)
    named = [q for q in dict.fromkeys(quads) if q.graph_name != default]
    return [*triples, *named]


def used_prefixes(prefixes: Mapping[str, str], quads: Iterable[ox.Quad]) -> dict[str, str]:
    """The entries of ``prefixes`` whose namespace starts some IRI of ``quads`` (for small
    documents that should declare no prefix they do not use)."""
    iris = {
        t.value
        for q in quads
        for t in (q.subject, q.predicate, q.object)
        if isinstance(t, ox.NamedNode)
    }
    return {p: ns for p, ns in prefixes.items() if any(i.startswith(ns) for i in iris)}


def by_name(name: str) -> Format:
    """The format called ``name`` (``Format.name``); KeyError when there is none."""
    for f in ALL_FORMATS:
        if f.name == name:
            return f
    raise KeyError(name)


#: suffix -> media type of every file a static export holds: the table above, then the rest.
FILE_TYPES: dict[str, str] = {
    **{f.suffix: f.media_type for f in reversed(ALL_FORMATS) if f.suffix},
    "txt": "text/plain",
    "xml": "application/xml",
    "css": "text/css",
    "js": "text/javascript",
    "svg": "image/svg+xml",
    "gz": "application/gzip",
}
FILE_TYPES.update({f.suffix: f.media_type for f in ALL_FORMATS if f.suffix})  # table order wins
#: media types sent with "; charset=utf-8" (every text format; the app declares UTF-8 for all)
CHARSET_TYPES = sorted({t for t in FILE_TYPES.values() if t != "application/gzip"})


def content_type_of(file: str) -> str | None:
    """The Content-Type a static export's web server sends for ``file`` (None: not typed)."""
    suffix = PurePosixPath(file).suffix.lstrip(".")
    media_type = FILE_TYPES.get(suffix)
    if media_type is None:
        return None
    return f"{media_type}; charset=utf-8" if media_type in CHARSET_TYPES else media_type
