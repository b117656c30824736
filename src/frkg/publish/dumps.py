"""Dumps of the whole dataset: serialised once per load and kept as bytes, with their sizes.

A dump holds exactly the dataset of :mod:`frkg.publish.dataset`: the triples of the data files and
the inverse links materialised for them. Graph syntaxes (Turtle, N-Triples, JSON-LD) hold each
distinct triple once; N-Quads also keeps the named graph of each triple (one per data file, and
``{base}graph/inferred`` for the inverse links), so a consumer can leave the inferred links out. The
ontology and the shapes are not in these dumps (they are at ``/ontology`` and ``/shapes``); one more
N-Quads dump, ``frkg-endpoint.nq.gz``, holds every graph the SPARQL endpoint holds, the ontology's
and the shapes' too, so that a store loading it answers as the endpoint does.

Text dumps (Turtle, JSON-LD) are served as they are, or gzip-encoded for clients that accept it;
both encodings are made here, once. The N-Triples and N-Quads dumps are gzip files. ``frkg
export`` writes the same bytes with :func:`serialize_dataset` and :func:`gzip_bytes`.
Nothing here imports Flask.
"""

from __future__ import annotations

import gzip
import time
from dataclasses import dataclass

import pyoxigraph as ox

from frkg import formats
from frkg.formats import Format
from frkg.namespaces import prefixes
from frkg.publish.dataset import DatasetIndex

GZIP_MEDIA_TYPE = "application/gzip"
#: The path under the serving base where the dumps are published.
DUMPS_PATH = "dumps/"
#: The file name stem of every dump.
STEM = "frkg"
#: Added to the stem of the dump of everything the endpoint holds: ``frkg-endpoint.nq.gz``.
WHOLE_SUFFIX = "endpoint"


@dataclass(frozen=True)
class DumpSpec:
    """One published dump: its syntax and whether the file itself is gzip-compressed."""

    format_name: str
    compressed: bool
    #: Every graph the SPARQL endpoint holds (the ontology and the shapes too), not only the
    #: dataset's data and inferred links.
    whole: bool = False

    @property
    def format(self) -> Format:
        """The RDF syntax of the dump's content."""
        return next(f for f in formats.RDF_FORMATS if f.name == self.format_name)

    @property
    def filename(self) -> str:
        """``frkg.ttl``, ``frkg.nt.gz`` ..."""
        stem = f"{STEM}-{WHOLE_SUFFIX}" if self.whole else STEM
        return f"{stem}.{self.format.suffix}" + (".gz" if self.compressed else "")

    @property
    def media_type(self) -> str:
        """The Content-Type of the file: the syntax's, or ``application/gzip`` for a .gz file."""
        return GZIP_MEDIA_TYPE if self.compressed else self.format.media_type

    @property
    def title(self) -> str:
        """A human title: "Turtle", "N-Triples (gzip)"."""
        title = self.format.label + (" (gzip)" if self.compressed else "")
        return title + (", everything the SPARQL endpoint holds" if self.whole else "")


#: The dumps, in the order pages list them.
SPECS = (
    DumpSpec("turtle", False),
    DumpSpec("ntriples", True),
    DumpSpec("jsonld", False),
    DumpSpec("nquads", True),
    DumpSpec("nquads", True, whole=True),
)


@dataclass(frozen=True)
class Dump:
    """One dump's bytes as served, its gzip content-coding (text dumps) and what it cost."""

    spec: DumpSpec
    body: bytes
    gzip_encoded: bytes | None
    content_size: int
    seconds: float

    @property
    def size(self) -> int:
        """The file's size in bytes (what ``dcat:byteSize`` and Content-Length say)."""
        return len(self.body)


def serialize_dataset(index: DatasetIndex, fmt: Format, ordered: list | None = None) -> bytes:
    """The whole dataset in the RDF syntax ``fmt`` (the dumps' content).

    Quads are sorted first (subject, predicate, object, graph, in N-Triples form), so the same
    data always gives the same bytes: in every worker, on every run, and in ``frkg export``.
    ``ordered`` is :func:`ordered_quads` when the caller already has it.
    """
    if ordered is None:
        ordered = ordered_quads(index)
    return formats.serialize(fmt, ordered, prefixes(index.base))


def ordered_quads(index: DatasetIndex) -> list:
    """The dataset's quads in the order every dump writes them, blank nodes canonically
    labelled (the data's citations, the ontology's lists)."""
    return sorted(_canonical_blank_nodes(index.quads()), key=_order)


def whole_quads(index: DatasetIndex) -> list:
    """Every quad of every graph the SPARQL endpoint holds (one per file, the inferred links),
    in dump order: loaded into a store whose default graph is the union of its named graphs,
    it answers every query as ``/sparql`` does (docs/sparql.md, "The default graph")."""
    store = index.kg.store
    quads = (
        q for g in index.kg.content_graphs() for q in store.quads_for_pattern(None, None, None, g)
    )
    return sorted(_canonical_blank_nodes(quads), key=_order)


def _canonical_blank_nodes(quads) -> list:
    """``quads`` with their blank nodes (the data's citations, the ontology's and shapes' lists
    and restrictions) labelled by W3C RDF Dataset Canonicalization (RDFC-1.0), not by the load's
    random labels: the same data gives the same dump, byte for byte, whichever engine or load it
    came from."""
    plain, blank = [], ox.Dataset()
    for q in quads:
        if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode):
            blank.add(q)
        else:
            plain.append(q)
    blank.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return plain + list(blank)


def _order(q) -> tuple[str, str, str, str]:
    return (str(q.subject), str(q.predicate), str(q.object), str(q.graph_name))


def gzip_bytes(data: bytes) -> bytes:
    """``data`` gzip-compressed with a zero timestamp, so equal data gives equal bytes."""
    return gzip.compress(data, compresslevel=6, mtime=0)


class DumpSet:
    """Every dump of one load, built at construction."""

    def __init__(self, index: DatasetIndex) -> None:
        self.index = index
        self.dumps: dict[str, Dump] = {}
        started = time.perf_counter()
        ordered = ordered_quads(index)
        self.sort_seconds = time.perf_counter() - started
        for spec in SPECS:
            started = time.perf_counter()
            quads = whole_quads(index) if spec.whole else ordered
            content = serialize_dataset(index, spec.format, quads)
            if spec.compressed:
                body, encoded = gzip_bytes(content), None
            else:
                body, encoded = content, gzip_bytes(content)
            self.dumps[spec.filename] = Dump(
                spec, body, encoded, len(content), time.perf_counter() - started
            )

    def __iter__(self):
        return iter(self.dumps.values())

    def get(self, filename: str) -> Dump | None:
        """The dump published as ``filename``, or None."""
        return self.dumps.get(filename)

    @property
    def seconds(self) -> float:
        """Time spent building every dump (sorting the quads once included)."""
        return self.sort_seconds + sum(d.seconds for d in self.dumps.values())


def dump_url(base: str, spec: DumpSpec) -> str:
    """The IRI a dump is published at: ``{base}dumps/frkg.ttl``."""
    return f"{base}{DUMPS_PATH}{spec.filename}"
