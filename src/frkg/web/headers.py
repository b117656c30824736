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
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from flask import Flask, Response, current_app, request
from flask_compress import Compress
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
#: The SPARQL query page's policy differs in one directive only: YASGUI and CodeMirror set inline
#: styles, so styles (never scripts) may be inline. It still talks to this server only
#: (connect-src 'self': YASGUI cannot query another endpoint or fetch prefixes from outside).
QUERY_PAGE_CSP = content_security_policy(style_src="'self' 'unsafe-inline'")
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
