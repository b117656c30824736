"""Content negotiation and HTTP semantics over real HTTP (W3C Cool URIs section 4.3, RFC 9110)."""

from __future__ import annotations

import gzip
import time
from email.utils import format_datetime, parsedate_to_datetime

import pytest

from frkg.formats import RDF_FORMATS

from http_helpers import fetch, parse_rdf

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def location(server, reply) -> str:
    """The redirect target as a path. frkg serve and nginx send the path; Apache's mod_rewrite
    always sends an absolute URL (RFC 9110 section 10.2.2 allows both): same target."""
    sent = reply.headers["Location"]
    if server.kind == "apache":
        assert sent.startswith(server.rstrip("/") + "/")
        return sent[len(server.rstrip("/")) :]
    return sent


# -- 303 See Other from the thing to its documents (Cool URIs section 4.3) -------------------


@pytest.mark.parametrize(
    "accept, target",
    [
        (BROWSER_ACCEPT, "/page/ada-example"),
        ("text/html", "/page/ada-example"),
        ("application/xhtml+xml", "/page/ada-example"),
        ("text/turtle", "/data/ada-example.ttl"),
        ("application/x-turtle", "/data/ada-example.ttl"),
        ("application/ld+json", "/data/ada-example.jsonld"),
        ("application/json", "/data/ada-example.jsonld"),
        ("application/rdf+xml", "/data/ada-example.rdf"),
        ("application/n-triples", "/data/ada-example.nt"),
        ("text/plain", "/data/ada-example.nt"),
        ("application/n-quads", "/data/ada-example.nq"),
        ("application/trig", "/data/ada-example.trig"),
        # q-values are honoured (RFC 9110 section 12.5.1), not the order of listing
        ("text/turtle;q=0.5, application/ld+json", "/data/ada-example.jsonld"),
        ("text/html;q=0.1, application/rdf+xml;q=0.9", "/data/ada-example.rdf"),
        ("application/ld+json;q=0, text/turtle;q=0.2", "/data/ada-example.ttl"),
        # */* and no Accept: scripts get the data, as Turtle (browsers name text/html)
        ("*/*", "/data/ada-example.ttl"),
        (None, "/data/ada-example.ttl"),
        ("text/*", "/data/ada-example.ttl"),
    ],
)
def test_thing_iri_answers_303_to_the_chosen_document(any_server, accept, target):
    reply = fetch(any_server + "id/ada-example", {"Accept": accept} if accept else {})
    assert reply.status == 303
    assert location(any_server, reply) == target
    assert "accept" in reply.vary()  # RFC 9110 section 12.5.5: the 303 varies too


@pytest.mark.parametrize(
    "query, target",
    [
        ("format=html", "/page/ada-example"),
        ("format=ttl", "/data/ada-example.ttl"),
        ("format=json-ld", "/data/ada-example.jsonld"),
        ("format=application/rdf%2Bxml", "/data/ada-example.rdf"),
        ("format=nt", "/data/ada-example.nt"),
    ],
)
def test_format_parameter_overrides_accept(any_server, query, target):
    reply = fetch(f"{any_server}id/ada-example?{query}", {"Accept": "text/html"})
    assert (reply.status, location(any_server, reply)) == (303, target)


def test_unknown_format_parameter_is_a_bad_request_naming_the_formats(any_server):
    reply = fetch(any_server + "id/ada-example?format=pdf")
    assert reply.status == 400
    assert "turtle" in reply.text and "json-ld" in reply.text
    # Apache's answer is a file: it cannot repeat the word it did not know
    assert ("pdf" in reply.text) == (any_server.kind != "apache")


def test_303_can_be_followed_to_a_document_of_the_chosen_type(any_server):
    for fmt in RDF_FORMATS:
        reply = fetch(any_server + "id/ada-example", {"Accept": fmt.media_type})
        document = fetch(any_server + location(any_server, reply).lstrip("/"))
        assert document.status == 200 and document.media_type == fmt.media_type


def test_nothing_acceptable_gives_406_listing_the_types(any_server):
    reply = fetch(any_server + "id/ada-example", {"Accept": "image/png, application/pdf"})
    assert reply.status == 406  # RFC 9110 section 15.5.7
    assert "accept" in reply.vary()
    for fmt in RDF_FORMATS:
        assert fmt.media_type in reply.text
    assert "text/html" in reply.text


@pytest.mark.parametrize(
    "accept, media_type",
    [
        ("text/html", "text/html"),
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        (None, "text/turtle"),
    ],
)
def test_unknown_thing_gives_404_in_the_negotiated_format(any_server, accept, media_type):
    reply = fetch(any_server + "id/no-such-thing", {"Accept": accept} if accept else {})
    assert reply.status == 404
    assert reply.media_type == media_type
    assert "accept" in reply.vary()
    if media_type == "text/turtle":
        assert reply.text.startswith("#")
        # a static site's 404 bodies are files: they cannot name the IRI asked for
        assert ("no-such-thing" in reply.text) == (any_server.kind == "frkg serve")


def test_404_rdf_bodies_parse_as_empty_documents(any_server):
    for fmt in RDF_FORMATS:
        reply = fetch(any_server + f"data/no-such-thing.{fmt.suffix}")
        assert reply.status == 404 and reply.media_type == fmt.media_type
        assert len(parse_rdf(reply.body, fmt.media_type)) == 0


def test_unknown_suffix_is_404_naming_the_suffixes(any_server):
    reply = fetch(any_server + "data/ada-example.docx")
    assert reply.status == 404 and ".ttl" in reply.text and ".jsonld" in reply.text


def test_negotiated_document_names_its_content_location(any_server):
    reply = fetch(any_server + "data/ada-example", {"Accept": "application/ld+json"})
    assert reply.status == 200 and reply.media_type == "application/ld+json"
    assert reply.headers["Content-Location"] == "/data/ada-example.jsonld"
    assert "accept" in reply.vary()
    assert fetch(any_server + "data/ada-example", {"Accept": "text/html"}).status == 406


def test_documents_at_a_suffix_do_not_vary_on_accept(any_server):
    reply = fetch(any_server + "data/ada-example.ttl", {"Accept": "text/html"})
    assert reply.status == 200 and reply.media_type == "text/turtle"
    assert "accept" not in reply.vary()


# -- headers every document carries ------------------------------------------------------------


def test_link_header_names_every_alternate_and_the_thing(any_server):
    reply = fetch(any_server + "data/ada-example.ttl")
    link = reply.headers["Link"]
    assert '</page/ada-example>; rel="alternate"; type="text/html"' in link
    for fmt in RDF_FORMATS:
        if fmt.suffix != "ttl":
            assert (
                f'</data/ada-example.{fmt.suffix}>; rel="alternate"; type="{fmt.media_type}"'
                in link
            )
    assert "/data/ada-example.ttl>" not in link  # not its own alternate
    assert f'<{any_server}id/ada-example>; rel="describes"' in link
    page = fetch(any_server + "page/ada-example")
    assert (
        '</data/ada-example.jsonld>; rel="alternate"; type="application/ld+json"'
        in page.headers["Link"]
    )


def test_rdf_is_readable_from_any_origin_without_credentials(any_server):
    for path in (
        "data/ada-example.ttl",
        "data/ada-example.jsonld",
        "ontology.ttl",
        "id/ada-example",
    ):
        reply = fetch(any_server + path, {"Origin": "https://example.org"})
        assert reply.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in reply.headers
        assert "Link" in reply.headers["Access-Control-Expose-Headers"]


def test_cors_preflight_is_answered(any_server):
    reply = fetch(
        any_server + "id/ada-example",
        {
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "accept",
        },
        method="OPTIONS",
    )
    assert reply.status == 200
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in reply.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize("path", ["data/ada-example.ttl", "page/ada-example", "ontology.ttl", ""])
def test_etag_gives_304_and_a_changed_tag_does_not(any_server, path):
    first = fetch(any_server + path)
    etag = first.headers["ETag"]
    assert first.status == 200
    # frkg serve: weak tags (one per data version and representation, whatever the coding);
    # nginx: strong tags made from the file's modification time and size
    assert etag.startswith('W/"') == (any_server.kind == "frkg serve")
    again = fetch(any_server + path, {"If-None-Match": etag})
    assert again.status == 304 and again.body == b""  # RFC 9110 section 13.1.2
    assert again.headers["ETag"] == etag
    assert fetch(any_server + path, {"If-None-Match": 'W/"other"'}).status == 200
    assert fetch(any_server + path, {"If-None-Match": "*"}).status == 304


def test_etag_differs_between_representations(any_server):
    tags = {fetch(any_server + f"data/ada-example.{f.suffix}").headers["ETag"] for f in RDF_FORMATS}
    assert len(tags) == len(RDF_FORMATS)


def test_negotiated_304_keeps_vary(any_server):
    first = fetch(any_server + "data/ada-example", {"Accept": "text/turtle"})
    again = fetch(
        any_server + "data/ada-example",
        {"Accept": "text/turtle", "If-None-Match": first.headers["ETag"]},
    )
    assert again.status == 304 and "accept" in again.vary()


def test_last_modified_gives_304_unless_the_etag_differs(any_server):
    first = fetch(any_server + "data/ada-example.ttl")
    modified = parsedate_to_datetime(first.headers["Last-Modified"])
    assert modified.timestamp() <= time.time()
    since = format_datetime(modified, usegmt=True)
    assert fetch(any_server + "data/ada-example.ttl", {"If-Modified-Since": since}).status == 304
    # RFC 9110 section 13.2.2: If-None-Match wins over If-Modified-Since
    both = {"If-Modified-Since": since, "If-None-Match": 'W/"other"'}
    assert fetch(any_server + "data/ada-example.ttl", both).status == 200


@pytest.mark.parametrize(
    "path, headers",
    [
        ("data/ada-example.ttl", {}),
        ("page/ada-example", {}),
        ("id/ada-example", {"Accept": "text/html"}),
        ("id/no-such-thing", {"Accept": "text/turtle"}),
        ("ontology", {"Accept": "text/html"}),
        ("data/hub-source.jsonld", {"Accept-Encoding": "gzip"}),
    ],
)
def test_head_is_get_without_the_body(any_server, path, headers):
    get = fetch(any_server + path, headers)
    head = fetch(any_server + path, headers, method="HEAD")
    assert head.status == get.status and head.body == b""
    ignore = {"date"}
    if any_server.kind == "apache" and get.status != 200:
        ignore.add("content-length")  # Apache leaves it out of HEAD for redirects and errors
    assert {k.lower(): v for k, v in head.headers.items() if k.lower() not in ignore} == {
        k.lower(): v for k, v in get.headers.items() if k.lower() not in ignore
    }


def test_large_bodies_are_gzipped_when_the_client_accepts_it(any_server):
    plain = fetch(any_server + "data/hub-source.ttl")
    zipped = fetch(any_server + "data/hub-source.ttl", {"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.body) == plain.body
    assert len(zipped.body) < len(plain.body) / 3
    assert "accept-encoding" in zipped.vary() and "accept-encoding" in plain.vary()
    revalidate = {"Accept-Encoding": "gzip", "If-None-Match": plain.headers["ETag"]}
    again = fetch(any_server + "data/hub-source.ttl", revalidate).status
    if any_server.kind == "frkg serve":
        assert again == 304  # the weak tag validates either coding
    else:
        # nginx sends the .gz file with its own strong tag (RFC 9110 section 8.8.3: a strong
        # tag changes with the content coding): the identity tag does not match it
        assert again == 200
        assert zipped.headers["ETag"] != plain.headers["ETag"]
        revalidate["If-None-Match"] = zipped.headers["ETag"]
        assert fetch(any_server + "data/hub-source.ttl", revalidate).status == 304


def test_small_bodies_are_not_compressed(any_server):
    reply = fetch(any_server + "id/ada-example", {"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in reply.headers


def test_wrong_method_is_405_with_allow(any_server):
    reply = fetch(any_server + "id/ada-example", method="POST")
    assert reply.status == 405 and "GET" in reply.headers["Allow"]
    assert "Traceback" not in reply.text


def test_unknown_path_is_a_plain_404_for_scripts_and_html_for_browsers(any_server):
    script = fetch(any_server + "no/such/path")
    assert (script.status, script.media_type) == (404, "text/plain")
    browser = fetch(any_server + "no/such/path", {"Accept": BROWSER_ACCEPT})
    assert (browser.status, browser.media_type) == (404, "text/html")


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?property=",
        "?property=x&direction=sideways",
        "?property=x&page=0",
        "?property=x&page=a",
    ],
)
def test_bad_show_all_parameters_are_400(any_server, query):
    reply = fetch(any_server + "page/hub-source/links" + query)
    assert reply.status == 400 and "Traceback" not in reply.text


def test_show_all_past_the_end_or_of_a_missing_property_is_404(any_server):
    base = any_server + "page/hub-source/links?property=http%3A%2F%2Fpurl.org%2Fdc%2Fterms%2Fsource"
    assert fetch(base + "&direction=in&page=3").status == 200
    assert fetch(base + "&direction=in&page=4").status == 404
    assert fetch(base + "&direction=out").status == 404
