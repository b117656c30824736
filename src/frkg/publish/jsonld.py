"""JSON-LD for web developers: the published ``@context`` and compacted documents.

The context is made from the ontology at load time: the prefixes of every serialisation, a term
per frkg class and property (object properties coerce their values to IRIs, ``"@type":
"@id"``), ``rdfs:label`` as ``label``, and ``type`` for ``@type``. It is
versioned with the ontology's ``owl:versionInfo``: ``{base}context/{version}.jsonld`` never
changes, ``{base}context.jsonld`` is the current one. Compacted documents refer to the versioned
context by URL; a page embeds its document with the part of the context it uses, inline, so that
it stands alone.

JSON-LD 1.1 section 9 (the ``profile`` parameter of ``application/ld+json``) names three
forms: expanded (pyoxigraph's serialiser), compacted and flattened. Compacted documents are
written by rdflib's JSON-LD serialiser with the context: one node object per subject in
``@graph``, nothing embedded, so each is in flattened form too. Nothing here imports Flask.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib

from frkg.namespaces import OWL, RDF_TYPE, RDFS, ontology_ns, prefixes
from frkg.store import KnowledgeGraph

JSONLD_NS = "http://www.w3.org/ns/json-ld#"
EXPANDED, COMPACTED, FLATTENED = "expanded", "compacted", "flattened"
#: The profiles of JSON-LD 1.1 section 9, by name.
PROFILES = {name: JSONLD_NS + name for name in (EXPANDED, COMPACTED, FLATTENED)}
#: Where the context is published, under the serving base.
CONTEXT_PATH = "context"
#: Keyword aliases every compacted document may use.
ALIASES = {"type": "@type"}  # not "id": it is the prefix of every thing's IRI
#: Terms for other vocabularies' properties every page has.
COMMON_TERMS = {"label": RDFS + "label"}

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_OBJECT_PROPERTY = ox.NamedNode(OWL + "ObjectProperty")
_OWL_ONTOLOGY = ox.NamedNode(OWL + "Ontology")
_VERSION_INFO = ox.NamedNode(OWL + "versionInfo")
_TERM_KINDS = {OWL + k for k in ("Class", "ObjectProperty", "DatatypeProperty")} | {
    OWL + "AnnotationProperty",
    RDFS + "Class",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property",
}


@dataclass(frozen=True)
class JsonLdContext:
    """The published context of one load: its version, URL and term definitions."""

    version: str
    url: str
    definitions: dict  # the value of "@context"

    @property
    def document(self) -> dict:
        """The context document itself, as served."""
        return {"@context": self.definitions}

    def used_by(self, quads: Iterable[ox.Quad]) -> dict:
        """The definitions a document of ``quads`` needs: aliases, the prefixes its IRIs start
        with, and the terms of its predicates and classes."""
        iris = set()
        for q in quads:
            iris.add(q.predicate.value)
            for node in (q.subject, q.object):
                if isinstance(node, ox.NamedNode):
                    iris.add(node.value)
                elif isinstance(node, ox.Literal):
                    iris.add(node.datatype.value)
        out = {}
        for name, value in self.definitions.items():
            target = value if isinstance(value, str) else value.get("@id", "")
            target = _expand(target, self.definitions)
            if value in ALIASES.values():
                out[name] = value
            elif target.endswith(("#", "/")) and any(i.startswith(target) for i in iris):
                out[name] = value
            elif target in iris:
                out[name] = value
        return out


def build(kg: KnowledgeGraph) -> JsonLdContext:
    """The context of ``kg``'s ontology, under its serving base."""
    base = kg.base
    own = ontology_ns(base)
    graphs = set(kg.graphs("ontology"))
    version = "0"
    kinds: dict[str, set[str]] = {}
    for q in kg.store.quads_for_pattern(None, RDF_TYPE, None, None):
        if q.graph_name not in graphs or not isinstance(q.subject, ox.NamedNode):
            continue
        if q.object == _OWL_ONTOLOGY:
            for v in kg.store.quads_for_pattern(q.subject, _VERSION_INFO, None, q.graph_name):
                version = v.object.value
        elif q.subject.value.startswith(own) and q.object.value in _TERM_KINDS:
            kinds.setdefault(q.subject.value, set()).add(q.object.value)
    taken = set(prefixes(base)) | set(ALIASES) | set(COMMON_TERMS)
    definitions: dict = {**ALIASES, **prefixes(base)}
    for name, iri in COMMON_TERMS.items():
        definitions[name] = _compact(iri, prefixes(base))
    for iri in sorted(kinds):
        name = iri[len(own) :]
        if not name or name in taken or not name.replace("-", "").replace("_", "").isalnum():
            continue
        if _OBJECT_PROPERTY.value in kinds[iri]:
            definitions[name] = {"@id": f"frkg:{name}", "@type": "@id"}
        else:
            definitions[name] = f"frkg:{name}"
    return JsonLdContext(version, context_url(base, version), definitions)


def context_url(base: str, version: str | None = None) -> str:
    """``{base}context/{version}.jsonld``, or ``{base}context.jsonld`` for the current one."""
    if version is None:
        return f"{base}{CONTEXT_PATH}.jsonld"
    return f"{base}{CONTEXT_PATH}/{version}.jsonld"


def compacted(quads: Iterable[ox.Quad], context: JsonLdContext, inline: bool = False) -> bytes:
    """``quads`` (their triples) as a compacted, flattened JSON-LD document.

    The document's ``@context`` is the published context's URL, or with ``inline`` the
    definitions it uses (a page's embedded copy, readable with no request).
    """
    # In term order, not the store's: the same description gives the same bytes from any
    # backend (memory, on-disk, an endpoint), and so the same ETag.
    quads = sorted(quads, key=lambda q: (str(q.subject), str(q.predicate), str(q.object)))
    graph = rdflib.Graph()
    for q in quads:
        graph.add((_rdflib(q.subject), _rdflib(q.predicate), _rdflib(q.object)))
    # Compact with what the document will name: the definitions it uses, or the whole context.
    used = context.used_by(quads) if inline else context.definitions
    document = json.loads(
        graph.serialize(format="json-ld", context=_embeddable(used, quads), auto_compact=True)
    )
    if not isinstance(document, dict) or "@graph" not in document:
        nodes = [] if document in ({}, []) else [document]
        if isinstance(document, dict):
            document.pop("@context", None)
        document = {"@graph": nodes}
    document["@graph"].sort(key=lambda node: str(node.get("@id", "")))
    document["@context"] = used if inline else context.url
    ordered = {"@context": document.pop("@context"), **document}
    return json.dumps(ordered, ensure_ascii=False, indent=1).encode()


def _embeddable(definitions: Mapping, quads: list[ox.Quad]) -> Mapping:
    """``definitions`` for rdflib's compaction, without ``"@type": "@id"`` on the terms whose
    value here is a blank node (a citation): rdflib embeds such a node in its referrer and, under
    that coercion, keeps only its label, dropping its triples. A node object is the same under
    the published context (JSON-LD 1.1 section 4.2.3: coercion applies to strings only)."""
    blank = {q.predicate.value for q in quads if isinstance(q.object, ox.BlankNode)}
    if not blank:
        return definitions
    return {
        term: (
            value["@id"]
            if isinstance(value, dict)
            and value.get("@type") == "@id"
            and _expand(value["@id"], definitions) in blank
            else value
        )
        for term, value in definitions.items()
    }


def _rdflib(term):
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == _XSD_STRING:  # RDF 1.1: a simple literal is an xsd:string
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def _compact(iri: str, names: Mapping[str, str]) -> str:
    for prefix, ns in names.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def _expand(value: str, definitions: Mapping) -> str:
    prefix, colon, rest = value.partition(":")
    ns = definitions.get(prefix) if colon else None
    return ns + rest if isinstance(ns, str) and not rest.startswith("//") else value
