"""JSON-LD for web developers: the published @context, and expanded, compacted and flattened
documents by the ``profile`` parameter (JSON-LD 1.1 section 9), checked with an independent
JSON-LD processor (pyld) against rdflib, through real HTTP."""

from __future__ import annotations

import json

import pytest
import rdflib
from pyld import jsonld
from rdflib.compare import isomorphic

from http_helpers import fetch, parse_html, parse_rdf, rdflib_quiet

PROFILE = "http://www.w3.org/ns/json-ld#"
SLUGS = ["thorn", "julie-cordua"]


def ask(form: str) -> dict[str, str]:
    return {"Accept": f'application/ld+json;profile="{PROFILE}{form}"'}


def pyld_graph(document) -> rdflib.Graph:
    """``document`` read by pyld (contexts fetched over HTTP), as an rdflib graph."""
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    return parse_rdf(nquads, "application/n-triples")


def rdflib_jsonld(body: bytes, base: str) -> rdflib.Graph:
    with rdflib_quiet():
        return rdflib.Graph().parse(data=body, format="json-ld", publicID=base)


@pytest.fixture(scope="module")
def context_url(live_server) -> str:
    reply = fetch(live_server + "context.jsonld")
    return live_server + reply.headers["Content-Location"].lstrip("/")


def test_context_is_published_versioned_and_cacheable(live_server, context_url):
    reply = fetch(live_server + "context.jsonld")
    assert reply.status == 200 and reply.media_type == "application/ld+json"
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    context = json.loads(reply.body)["@context"]
    # the ontology's prefixes and terms
    assert context["frkg"] == live_server + "ontology#"
    assert context["speaker"] == {"@id": "frkg:speaker", "@type": "@id"}
    assert context["label"] == "rdfs:label" and context["type"] == "@type"
    assert context["id"] == live_server + "id/"  # the prefix of every thing's IRI
    assert context_url.endswith("/context/0.1.0.jsonld")  # owl:versionInfo of the ontology
    versioned = fetch(context_url)
    assert versioned.body == reply.body
    assert "max-age=86400" in versioned.headers["Cache-Control"]
    assert fetch(live_server + "context/0.0.0.jsonld").status == 404


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("form", ["expanded", "compacted", "flattened"])
@pytest.mark.parametrize("asked", ["accept", "url"])
def test_every_form_reads_as_the_turtle_document(live_server, slug, form, asked):
    turtle = parse_rdf(fetch(f"{live_server}data/{slug}.ttl").body, "text/turtle")
    if asked == "accept":  # the negotiated document (Content-Location names its suffix)
        reply = fetch(f"{live_server}data/{slug}", ask(form))
        assert "accept" in reply.vary()
    else:
        reply = fetch(f"{live_server}data/{slug}.jsonld?profile={form}")
    assert reply.status == 200
    # Content-Type says which form was sent (JSON-LD 1.1 section 9)
    assert f'profile="{PROFILE}{form}"' in reply.headers["Content-Type"]
    document = json.loads(reply.body)
    assert isomorphic(pyld_graph(document), turtle), form
    assert isomorphic(rdflib_jsonld(reply.body, f"{live_server}data/{slug}.jsonld"), turtle)


def test_a_suffix_url_names_one_document_whatever_accept_says(live_server):
    # /data/{slug}.jsonld is the expanded document; its forms have URLs of their own.
    reply = fetch(live_server + "data/thorn.jsonld", ask("compacted"))
    assert isinstance(json.loads(reply.body), list)
    assert "accept" not in reply.vary()


def test_compacted_document_uses_the_published_context(live_server, context_url):
    document = json.loads(fetch(live_server + "data/thorn.jsonld?profile=compacted").body)
    assert document["@context"] == context_url
    thorn = next(n for n in document["@graph"] if n["@id"] == "id:thorn")
    assert "label" in thorn and "type" in thorn  # short terms, as web developers read them
    # pyld compacting the expanded document with the same context gets the same data
    expanded = json.loads(fetch(live_server + "data/thorn.jsonld").body)
    recompacted = jsonld.compact(expanded, context_url)
    assert isomorphic(pyld_graph(recompacted), pyld_graph(document))


def test_flattened_document_is_flat(live_server):
    document = json.loads(fetch(live_server + "data/thorn", ask("flattened")).body)
    for node in document["@graph"]:
        for key, values in node.items():
            for value in values if isinstance(values, list) else [values]:
                if isinstance(value, dict) and "@value" not in value:
                    # JSON-LD 1.1 section 4.6 (flattened): only references, nothing embedded
                    assert set(value) == {"@id"}, (key, value)
    flattened = jsonld.flatten(json.loads(fetch(live_server + "data/thorn.jsonld").body))
    assert isomorphic(pyld_graph(flattened), pyld_graph(document))


def test_no_profile_is_expanded_and_every_profile_has_its_own_etag(live_server):
    plain = fetch(live_server + "data/thorn", {"Accept": "application/ld+json"})
    assert isinstance(json.loads(plain.body), list)  # expanded form, as before
    etags = {
        fetch(live_server + "data/thorn", ask(f)).headers["ETag"]
        for f in ("expanded", "compacted", "flattened")
    }
    assert len(etags) == 3 and plain.headers["ETag"] not in etags - {plain.headers["ETag"]}


def test_a_profile_in_accept_is_not_refused(live_server):
    # It answered 406: werkzeug counted the profile part of the media type.
    reply = fetch(live_server + "id/thorn", ask("compacted"))
    assert reply.status == 303
    assert reply.headers["Location"] == "/data/thorn.jsonld?profile=compacted"
    reply = fetch(live_server + "void", ask("compacted"))
    assert reply.status == 200 and reply.media_type == "application/ld+json"


def test_profile_parameter_in_the_url(live_server):
    reply = fetch(live_server + "data/thorn.jsonld?profile=compacted")
    assert f'profile="{PROFILE}compacted"' in reply.headers["Content-Type"]


@pytest.mark.parametrize("slug", SLUGS)
def test_pages_embed_compacted_jsonld_that_stands_alone(live_server, slug):
    page = parse_html(fetch(f"{live_server}page/{slug}").text)
    (block,) = [body for kind, body in page.scripts if kind == "application/ld+json"]
    document = json.loads(block)
    assert isinstance(document["@context"], dict)  # inline: readable with no request
    turtle = parse_rdf(fetch(f"{live_server}data/{slug}.ttl").body, "text/turtle")
    assert isomorphic(pyld_graph(document), turtle)
    assert isomorphic(rdflib_jsonld(block.encode(), f"{live_server}page/{slug}"), turtle)
