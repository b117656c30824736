"""Response headers every linked-data response needs: validators, Link, CORS, CSP, gzip.

Views describe a response with the small helpers here (``cacheable``, ``link_alternates``);
:mod:`frkg.web.base` applies what each view declares (CORS, the CSP, ``Vary: Accept``), with
the header values defined here, which the static export writes into its web-server
configurations too. :func:`init_app` installs compression and the conditional-request check.
Flask runs ``after_request`` hooks in reverse order of registration, so the order is: the
base's hook first, then compression (flask-compress), and the conditional-request check last,
when the final ETag (with the encoding) is known.

Entity tags are weak (``W/"..."``): a document is the same for a given data version whatever its
content coding, and weak tags are what RFC 9110 section 8.8.1 gives for that; If-None-Match uses
the weak comparison (section 13.1.2), so a gzip and an identity copy revalidate alike.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from flask import Flask, Response, current_app, request
from flask_compress import Compress
from werkzeug.datastructures import Headers
from werkzeug.http import http_date, quote_etag

from frkg import __version__
from frkg.formats import RDF_FORMATS, Format
from frkg.web.context import knowledge_graph

#: The Content-Security-Policy of every page, directive by directive. Scripts only from this
#: server; no inline script. A <script type="application/ld+json"> data block is not script:
#: browsers never execute it, so it needs no exception (CSP Level 3, "script-src" governs script
#: execution only). Styles only from the stylesheet: no inline style.
CSP_DIRECTIVES: dict[str, str] = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "font-src": "'self'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def content_security_policy(**changed: str) -> str:
    """The policy of :data:`CSP_DIRECTIVES` with ``changed`` directives (``style_src=...``)."""
    directives = {**CSP_DIRECTIVES, **{k.replace("_", "-"): v for k, v in changed.items()}}
    return "; ".join(f"{name} {value}" for name, value in directives.items())


CONTENT_SECURITY_POLICY = content_security_policy()
#: The three inline styles the vendored YASGUI 4.6.2 writes, allowed by their SHA-256 (CSP Level
#: 3 section 7: a hash source allows exactly that text, and 'unsafe-hashes' lets the third, a
#: style attribute, match): column-resizer's stylesheet for the result table, its cursor while a
#: column is dragged, and the underline in YASQE's syntax-error tooltip. Every other inline style
#: is refused, so a style attribute that a hostile result smuggled into the page does nothing.
#: (The rest of YASGUI and CodeMirror style through the CSSOM, which CSP does not govern.)
#: tests/test_hardening.py checks that each text is in the bundle and hashes to its value.
YASGUI_STYLE_HASHES = (
    "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",  # " .grip-resizable{table-la..."
    "'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='",  # "*{cursor:col-resize!important}"
    "'sha256-EntWS0hFrz2vH7susM+dPUxvHlL6sBswmM8K80E5oUk='",  # "text-decoration:underline"
)
#: The SPARQL query page's policy differs in one directive only: styles from this server and
#: YASGUI's three inline styles, nothing else inline (never scripts). It still talks to this
#: server only (connect-src 'self': YASGUI cannot query another endpoint or fetch prefixes from
#: outside).
QUERY_PAGE_CSP = content_security_policy(
    style_src=" ".join(("'self'", "'unsafe-hashes'", *YASGUI_STYLE_HASHES))
)
#: Headers every response carries (a view's CSP replaces the first on its pages).
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
#: Response headers cross-origin scripts may read (Link names the alternates; ETag revalidates;
#: the SPARQL result-cap signal).
EXPOSED_HEADERS = (
    "ETag, Link, Content-Location, Last-Modified, Vary, Content-Type, Retry-After, "
    "FRKG-Results-Truncated"
)
#: What makes a response readable from any origin; no credentials are ever involved.
CORS_HEADERS: dict[str, str] = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": EXPOSED_HEADERS,
}
#: What a CORS preflight of a public view allows: the read-only methods (a view may allow more,
#: e.g. POST for SPARQL), the request headers the client announces, for a day.
PREFLIGHT_METHODS = "GET, HEAD, OPTIONS"
PREFLIGHT_MAX_AGE = "86400"
#: Media types worth compressing: every text format we serve.
COMPRESSIBLE = [
    "text/html",
    "text/css",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    *sorted({m for f in RDF_FORMATS for m in f.media_types}),
]
#: Bodies smaller than this are sent as they are: gzip would save less than it costs.
COMPRESS_MIN_SIZE = 1024


def init_app(app: Flask) -> None:
    """Install compression and the conditional-request check on ``app``."""
    app.config["FRKG_BUILD"] = build_fingerprint()
    app.after_request(_conditional)  # runs last
    app.config.update(
        COMPRESS_MIMETYPES=COMPRESSIBLE,
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_STREAMS=False,
        COMPRESS_MIN_SIZE=COMPRESS_MIN_SIZE,
        # The final hook below evaluates conditional requests for every response.
        COMPRESS_EVALUATE_CONDITIONAL_REQUEST=False,
    )
    Compress(app)


def build_fingerprint() -> str:
    """A digest of the code version and of every template and static file (part of ETags)."""
    digest = hashlib.sha256(__version__.encode())
    root = Path(__file__).parent
    for folder in ("templates", "static"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


def cacheable(response: Response, representation: str) -> Response:
    """Give ``response`` a weak ETag for the loaded data + ``representation``, and Last-Modified."""
    kg = knowledge_graph()
    build = current_app.config["FRKG_BUILD"]
    sent_type = response.headers.get("Content-Type", "")
    if "profile=" in sent_type:  # a JSON-LD form (JSON-LD 1.1 section 9) is a representation
        representation += "-" + sent_type.rsplit("#", 1)[-1].strip('"')
    # Written as header strings: werkzeug's typed setters parse and re-serialise the headers on
    # every response, which cost more than the rest of a small document's headers together.
    response.headers["ETag"] = quote_etag(f"{kg.version}-{build}-{representation}", weak=True)
    response.headers["Last-Modified"] = _http_date(kg.modified)
    # Revalidate every time: the ETag makes that a cheap 304 until the data changes.
    response.headers["Cache-Control"] = "public, no-cache"
    return response


@functools.lru_cache(maxsize=8)
def _http_date(moment: datetime) -> str:
    return http_date(moment)


#: What :func:`uri` leaves as it is besides letters, digits and ``-._``: RFC 3986's reserved
#: characters, ``%`` (an IRI's own percent-encodings stay) and ``~``.
URI_SAFE = "!#$%&'()*+,/:;=?@[]~"
_URI_ALREADY = re.compile(r"[A-Za-z0-9\-._~!#$%&'()*+,/:;=?@\[\]]*")
#: The response headers whose values are URI references (RFC 9110 sections 10.2.2 and 8.7,
#: RFC 8288 section 3).
URI_HEADERS = ("Location", "Content-Location", "Link")


def uri(iri: str) -> str:
    """``iri`` mapped to a URI as RFC 3987 section 3.1 says: each character outside ASCII as the
    percent-encoded bytes of its UTF-8 form, the rest unchanged.

    HTTP header values are ASCII (RFC 9110 section 5.5), and IRIs published here may hold any
    Unicode letter (a Polish or Chinese name). Werkzeug's ``iri_to_uri`` is not used: it also
    lower-cases the host and fails on some hosts and ports, which section 3.1 does not do. A
    space or control character, which no IRI holds, is percent-encoded too, so nothing written
    through here can end a header line.
    """
    return iri if _URI_ALREADY.fullmatch(iri) else quote(iri, safe=URI_SAFE)


_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")


def ascii_uri_headers(sent: Headers) -> None:
    """Map what is left outside ASCII in the URI headers of ``sent`` (:data:`URI_HEADERS`)
    as :func:`uri` does, whoever wrote them: a value outside Latin-1 is not even sendable."""
    for name in URI_HEADERS:
        value = sent.get(name)
        if value is not None and not value.isascii():
            sent[name] = _NOT_ASCII.sub(lambda m: quote(m.group(), safe=""), value)


def link_alternates(
    response: Response,
    alternates: Iterable[tuple[str, Format]],
    describes: str | None = None,
) -> Response:
    """A ``Link`` header naming every alternate representation (RFC 8288), and the thing; every
    target written as a URI (:func:`uri`)."""
    links = [f'<{uri(href)}>; rel="alternate"; type="{fmt.media_type}"' for href, fmt in alternates]
    if describes:
        # RFC 6892: this document describes the thing named by the link target.
        links.append(f'<{uri(describes)}>; rel="describes"')
    if links:
        response.headers["Link"] = ", ".join(links)
    return response


#: Request headers that make a request conditional (RFC 9110 section 13.1), as WSGI keys.
CONDITIONAL_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)


def _conditional(response: Response) -> Response:
    environ = request.environ
    if (
        response.status_code == 200
        and any(h in environ for h in CONDITIONAL_HEADERS)
        and response.get_etag()[0] is not None
    ):
        # 304 Not Modified on a matching If-None-Match, else on If-Modified-Since
        # (RFC 9110 section 13.2.2: If-None-Match takes precedence).
        response.make_conditional(request)
    return response
