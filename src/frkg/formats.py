"""THE format table: name <-> media type(s) <-> serializer <-> file suffix <-> ``format=`` keywords.

Everything that needs a media type, a suffix or a serializer looks it up here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class Format:
    """One representation: its media type and aliases, suffix, keywords and serializer."""

    name: str
    kind: str  # "rdf" (graphs), "results" (SELECT/ASK results) or "html"
    media_type: str
    label: str
    aliases: tuple[str, ...] = ()
    suffix: str | None = None
    keywords: tuple[str, ...] = ()
    serializer: ox.RdfFormat | ox.QueryResultsFormat | None = None

    @property
    def media_types(self) -> tuple[str, ...]:
        """The canonical media type first, then its aliases."""
        return (self.media_type, *self.aliases)

    @property
    def content_type(self) -> str:
        """The Content-Type header value (UTF-8 declared for every text format)."""
        return f"{self.media_type}; charset=utf-8"


HTML = Format("html", "html", "text/html", "HTML", ("application/xhtml+xml",), "html", ("html",))

RDF_FORMATS = (
    Format(
        "turtle",
        "rdf",
        "text/turtle",
        "Turtle",
        ("application/x-turtle",),
        "ttl",
        ("turtle", "ttl"),
        ox.RdfFormat.TURTLE,
    ),
    Format(
        "jsonld",
        "rdf",
        "application/ld+json",
        "JSON-LD",
        ("application/json",),
        "jsonld",
        ("json-ld", "jsonld"),
        ox.RdfFormat.JSON_LD,
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
    ),
    Format("trig", "rdf", "application/trig", "TriG", (), "trig", ("trig",), ox.RdfFormat.TRIG),
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
    ),
    Format("csv", "results", "text/csv", "CSV", (), "csv", ("csv",), ox.QueryResultsFormat.CSV),
    Format(
        "tsv",
        "results",
        "text/tab-separated-values",
        "TSV",
        (),
        "tsv",
        ("tsv",),
        ox.QueryResultsFormat.TSV,
    ),
)

ALL_FORMATS = (HTML, *RDF_FORMATS, *RESULT_FORMATS)

#: Formats an entity document is published in (N-Quads and TriG are for whole datasets).
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
