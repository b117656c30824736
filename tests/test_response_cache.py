"""The response cache (frkg.web.cache): kept answers are the answers the app gives, byte for
byte and header for header; what must reach the app (conditional requests, no-cache, HEAD,
errors, other paths) does; and the cache stays within its size."""

from __future__ import annotations

import pytest

from frkg.web import create_app
from frkg.web.cache import ResponseCache

from conftest import repo_settings
from http_helpers import fetch

THING = "the-seattle-times"


@pytest.fixture()
def cached_app(kg):
    return create_app(repo_settings(base_iri=kg.base), kg)


def cache_of(app) -> ResponseCache:
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


def test_the_live_server_sends_the_same_answer_twice(live_server):
    first = fetch(live_server + f"page/{THING}", {"Accept": "text/html"})
    again = fetch(live_server + f"page/{THING}", {"Accept": "text/html"})
    fresh = fetch(
        live_server + f"page/{THING}", {"Accept": "text/html", "Cache-Control": "no-cache"}
    )
    assert first.status == again.status == fresh.status == 200
    assert first.body == again.body == fresh.body
    assert first.headers["ETag"] == again.headers["ETag"] == fresh.headers["ETag"]
    revalidated = fetch(live_server + f"page/{THING}", {"If-None-Match": first.headers["ETag"]})
    assert revalidated.status == 304
