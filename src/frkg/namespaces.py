"""Every namespace frkg uses, declared once, the frkg IRI patterns, and the prefix map of every
serialisation and query page. Modules build terms as ``RDFS + "label"``; the few terms used on
hot paths are made once here as pyoxigraph nodes."""

import pyoxigraph as ox

from frkg import CANONICAL_BASE

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "https://schema.org/"
SH = "http://www.w3.org/ns/shacl#"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SD = "http://www.w3.org/ns/sparql-service-description#"
VANN = "http://purl.org/vocab/vann/"
HYDRA = "http://www.w3.org/ns/hydra/core#"
#: The vocabulary of load records (:mod:`frkg.store.loadrecord`), never part of the dataset.
LOAD = "https://w3id.org/frkg/load#"

RDF_TYPE = ox.NamedNode(RDF + "type")
RDFS_LABEL = ox.NamedNode(RDFS + "label")
OWL_INVERSE_OF = ox.NamedNode(OWL + "inverseOf")
DCT_SOURCE = ox.NamedNode(DCT + "source")
XSD_INTEGER = ox.NamedNode(XSD + "integer")

ONTOLOGY_PATH = "ontology"
ENTITY_PATH = "id/"
PAGE_PATH = "page/"
DATA_PATH = "data/"
GRAPH_PATH = "graph/"
#: The slug of the dataset node (``id:frkg`` in data/dataset.ttl) every entity document belongs to.
DATASET_SLUG = "frkg"


def ontology_ns(base: str) -> str:
    """The vocabulary namespace (``{base}ontology#``)."""
    return f"{base}{ONTOLOGY_PATH}#"


def entity_ns(base: str) -> str:
    """The namespace of things (``{base}id/``)."""
    return f"{base}{ENTITY_PATH}"


def entity_iri(base: str, slug: str) -> str:
    """The IRI of a thing: ``{base}id/{slug}``."""
    return f"{base}{ENTITY_PATH}{slug}"


def page_iri(base: str, slug: str) -> str:
    """The IRI of the HTML page about a thing: ``{base}page/{slug}``."""
    return f"{base}{PAGE_PATH}{slug}"


def document_iri(base: str, slug: str, suffix: str | None = None) -> str:
    """The IRI of the RDF document about a thing: ``{base}data/{slug}`` (with ``.{suffix}``)."""
    return f"{base}{DATA_PATH}{slug}" + (f".{suffix}" if suffix else "")


def dataset_iri(base: str) -> str:
    """The IRI of the dataset itself (``id:frkg``)."""
    return entity_iri(base, DATASET_SLUG)


STANDARD_PREFIXES = {
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dct": DCT,
    "foaf": FOAF,
    "org": ORG,
    "prov": PROV,
    "schema": SCHEMA,
    "sh": SH,
    "void": VOID,
    "dcat": DCAT,
    "sd": SD,
    "vann": VANN,
    "hydra": HYDRA,
}


def prefixes(base: str = CANONICAL_BASE) -> dict[str, str]:
    """Prefix map for a serving base: the standard vocabularies plus ``frkg:`` and ``id:``."""
    return {**STANDARD_PREFIXES, "frkg": ontology_ns(base), "id": entity_ns(base)}
