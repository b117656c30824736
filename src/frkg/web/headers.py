"""Response headers every linked-data response needs: validators, Link, Vary, CORS, CSP, gzip.

Views describe a response with the small helpers here (``cacheable``, ``negotiated``,
``link_alternates``, ``cors``); :func:`init_app` installs the hooks that apply to every
response. Flask runs ``after_request`` hooks in reverse order of registration, so the order in
:func:`init_app` is: this module's header hook first, then compression (flask-compress), and the
conditional-request check last, when the final ETag (with the encoding) is known.

Entity tags are weak (``W/"..."``): a document is the same for a given data version whatever its
content coding, and weak tags are what RFC 9110 section 8.8.1 gives for that; If-None-Match uses
the weak comparison (section 13.1.2), so a gzip and an identity copy revalidate alike.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from flask import Flask, Response, current_app, request
from flask_compress import Compress
from werkzeug.http import http_date, quote_etag

from frkg import __version__
from frkg.formats import RDF_FORMATS, Format
from frkg.web.context import knowledge_graph

#: Scripts only from this server; no inline script. A <script type="application/ld+json"> data
#: block is not script: browsers never execute it, so it needs no exception (CSP Level 3,
#: "script-src" governs script execution only). Styles only from the stylesheet: no inline style.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
#: Headers a cross-origin script may read (Link names the alternates; ETag revalidates).
#: Response headers cross-origin scripts may read (the SPARQL result-cap signal among them).
EXPOSED_HEADERS = (
    "ETag, Link, Content-Location, Last-Modified, Vary, Content-Type, Retry-After, "
    "FRKG-Results-Truncated"
)
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
    """Install the header hooks and compression on ``app``."""
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
    app.after_request(_common)  # runs first


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


def negotiated(response: Response) -> Response:
    """Mark ``response`` as chosen by the Accept header (RFC 9110 section 12.5.5)."""
    response.vary.add("Accept")
    return response


def cors(response: Response) -> Response:
    """Let any origin read ``response``; no credentials are ever involved."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


def link_alternates(
    response: Response,
    alternates: Iterable[tuple[str, Format]],
    describes: str | None = None,
) -> Response:
    """A ``Link`` header naming every alternate representation (RFC 8288), and the thing."""
    links = [f'<{href}>; rel="alternate"; type="{fmt.media_type}"' for href, fmt in alternates]
    if describes:
        # RFC 6892: this document describes the thing named by the link target.
        links.append(f'<{describes}>; rel="describes"')
    if links:
        response.headers["Link"] = ", ".join(links)
    return response


def _common(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.method == "OPTIONS" and response.access_control_allow_origin == "*":
        # A CORS preflight: allow the read-only methods (a view may allow more, e.g. POST
        # for SPARQL) and the request headers the client announces.
        asked = request.headers.get("Access-Control-Request-Headers")
        response.headers.setdefault("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
        response.headers.setdefault("Access-Control-Allow-Headers", asked or "*")
        response.headers.setdefault("Access-Control-Max-Age", "86400")
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
