"""The frkg namespaces and the prefixes used in every serialisation and query page."""

from frkg import CANONICAL_BASE

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
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "vann": "http://purl.org/vocab/vann/",
    "hydra": "http://www.w3.org/ns/hydra/core#",
}


def prefixes(base: str = CANONICAL_BASE) -> dict[str, str]:
    """Prefix map for a serving base: the standard vocabularies plus ``frkg:`` and ``id:``."""
    return {**STANDARD_PREFIXES, "frkg": ontology_ns(base), "id": entity_ns(base)}
