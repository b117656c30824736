"""The response cache (frkg.web.cache): kept answers are the answers the app gives, byte for
byte and header for header; what must reach the app (conditional requests, no-cache, HEAD,
errors, other paths) does; and the cache stays within its size."""

from __future__ import annotations

import pytest

from frkg.web import create_app
from frkg.web.cache import ResponseCache

from conftest import repo_settings, serving
from http_helpers import fetch

THING = "the-seattle-times"


@pytest.fixture()
def cached_app(kg):
    return create_app(repo_settings(base_iri=kg.base), kg)


def cache_of(app) -> ResponseCache:
    assert "frkg.response_cache" in app.extensions, "the app has no response cache"
    return app.extensions["frkg.response_cache"]


def same(a, b) -> bool:
    return a.status_code == b.status_code and a.data == b.data and a.headers == b.headers


@pytest.mark.parametrize(
    "path, headers",
    [
        (f"/page/{THING}", {}),
        (f"/data/{THING}.ttl", {}),
        (f"/data/{THING}.jsonld", {"Accept-Encoding": "gzip"}),
        (f"/data/{THING}", {"Accept": "application/n-triples"}),
    ],
)
def test_a_kept_answer_is_the_answer_the_app_gives(cached_app, path, headers):
    client = cached_app.test_client()
    cache = cache_of(cached_app)
    first = client.get(path, headers=headers)
    assert first.status_code == 200 and cache.misses == 1 and len(cache) == 0
    second = client.get(path, headers=headers)  # asked for again: now kept
    assert cache.misses == 2 and len(cache) == 1
    again = client.get(path, headers=headers)
    assert cache.hits == 1 and same(first, second)
    built = client.get(path, headers={**headers, "Cache-Control": "no-cache"})
    assert cache.hits == 1  # no-cache went to the app
    assert same(first, again) and same(again, built)


def test_each_accept_and_encoding_is_kept_apart(cached_app):
    client = cached_app.test_client()
    for _ in range(2):
        turtle = client.get(f"/data/{THING}", headers={"Accept": "text/turtle"})
        jsonld = client.get(f"/data/{THING}", headers={"Accept": "application/ld+json"})
        gzipped = client.get(
            f"/data/{THING}", headers={"Accept": "text/turtle", "Accept-Encoding": "gzip"}
        )
    assert turtle.mimetype == "text/turtle" and jsonld.mimetype == "application/ld+json"
    assert (
        gzipped.headers.get("Content-Encoding") == "gzip"
        and "Content-Encoding" not in turtle.headers
    )
    assert len(cache_of(cached_app)) == 3


@pytest.mark.parametrize(
    "method, path, headers, status",
    [
        ("GET", f"/page/{THING}", {"If-None-Match": "*"}, 304),
        ("GET", f"/page/{THING}", {"Pragma": "no-cache"}, 200),
        ("HEAD", f"/page/{THING}", {}, 200),
        ("GET", "/page/no-such-thing", {}, 404),
        ("GET", "/data/no-such-thing.ttl", {}, 404),
        ("GET", "/search?q=seattle", {}, 200),
        ("GET", "/", {}, 200),
    ],
)
def test_what_must_reach_the_app_is_never_kept(cached_app, method, path, headers, status):
    client = cached_app.test_client()
    for _ in range(2):
        assert client.open(path, method=method, headers=headers).status_code == status
    cache = cache_of(cached_app)
    assert cache.hits == 0 and len(cache) == 0
    for _ in range(2):  # while a plain GET of the same page is kept
        assert client.get(f"/page/{THING}").status_code == 200
    assert len(cache) == 1


def test_a_conditional_request_is_answered_304_after_the_answer_was_kept(cached_app):
    client = cached_app.test_client()
    first = client.get(f"/data/{THING}.ttl")
    again = client.get(f"/data/{THING}.ttl", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def body_app(environ, start_response):
    """A WSGI app answering /data/N with N bytes."""
    size = int(environ["PATH_INFO"].rsplit("/", 1)[1])
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(size))])
    return [b"x" * size]


def test_the_cache_stays_within_its_size_least_recently_used_first():
    cache = ResponseCache(body_app, max_bytes=1000)
    environ = {"REQUEST_METHOD": "GET"}

    def get(path: str) -> bytes:
        return b"".join(cache({**environ, "PATH_INFO": path}, lambda *a: None))

    for n in range(101, 111):  # asked for once: answered, not kept (a crawler's single pass)
        assert get(f"/data/{n}") == b"x" * n
    assert len(cache) == 0 and cache.misses == 10
    for n in range(101, 111):  # ten answers of about 100 bytes asked for again: nine fit
        assert get(f"/data/{n}") == b"x" * n
        assert cache.size <= 1000
    assert len(cache) == 9 and cache.misses == 20
    get("/data/110")  # the most recent is kept
    assert cache.hits == 1
    get("/data/101")  # the least recent was dropped first
    assert cache.hits == 1 and cache.misses == 21
    for _ in range(3):
        get("/data/126")  # more than an eighth of the cache: answered, never kept
    assert cache.misses == 24 and cache.size <= 1000


def test_a_negative_cache_size_is_refused():
    with pytest.raises(ValueError, match="FRKG_RESPONSE_CACHE_MB"):
        repo_settings(response_cache_mb=-1)


def test_a_real_server_sends_the_kept_answer_byte_for_byte(cached_app):
    """Over real HTTP, from a server whose cache the test can read (the app served on 127.0.0.1
    from this process): the third GET of a page is answered from the cache, with the bytes and
    headers the app gave; a no-cache GET is built again, the same; a conditional one is 304."""
    cache = cache_of(cached_app)
    html = {"Accept": "text/html"}
    with serving(cached_app) as url:
        page = url + f"page/{THING}"
        first, second = fetch(page, html), fetch(page, html)
        assert (cache.hits, cache.misses, len(cache)) == (0, 2, 1)  # asked for again: now kept
        again = fetch(page, html)
        assert cache.hits == 1  # sent from the cache
        fresh = fetch(page, {**html, "Cache-Control": "no-cache"})
        revalidated = fetch(page, {**html, "If-None-Match": first.headers["ETag"]})
        assert (cache.hits, cache.misses) == (1, 2)  # both went to the app
    assert first.status == second.status == again.status == fresh.status == 200
    assert first.body == second.body == again.body == fresh.body
    assert sent_headers(first) == sent_headers(again) == sent_headers(fresh)
    assert revalidated.status == 304


def sent_headers(reply) -> list[tuple[str, str]]:
    """The reply's headers but Date, which the HTTP server sets per answer."""
    return [(k, v) for k, v in reply.headers.items() if k.lower() != "date"]
