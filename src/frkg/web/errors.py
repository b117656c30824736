"""Errors anywhere in the app: the right status, a clear message, never a traceback.

Entity and ontology views answer their own errors in the negotiated format; this module
catches the rest (unknown paths, wrong methods, bad parameters, a remote data backend that does
not answer, a request that ran out of memory, bugs) and answers in HTML for browsers and plain
text for everything else (``*/*`` included), with ``Vary: Accept``.
"""

from __future__ import annotations

import re

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import BadGateway, HTTPException, InternalServerError, ServiceUnavailable

from frkg.formats import HTML
from frkg.store import BackendError, BackendRefused
from frkg.web import base, respond

#: Seconds a client is asked to wait when the data backend did not answer.
BACKEND_RETRY_AFTER = 5
#: Seconds a client is asked to wait when its request ran out of memory: others' requests may
#: have held what it needed.
MEMORY_RETRY_AFTER = 10
#: What a request that ran out of memory is told.
OUT_OF_MEMORY = (
    "the server had not enough memory free to answer this request; try again shortly, or ask "
    "for less (a smaller page, a LIMIT)"
)


#: How many nearest matches a 404 page offers.
NEAREST = 6


def init_app(app: Flask) -> None:
    """Register the error handlers on ``app``, and the nearest matches 404 pages offer."""
    app.context_processor(lambda: {"nearest_matches": nearest_matches})
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(BackendError, _backend_error)
    app.register_error_handler(MemoryError, _out_of_memory)
    app.register_error_handler(Exception, _unexpected)


def nearest_matches() -> list:
    """What the search index finds for the words of the path asked for (its last segment, as
    words): the terms a "not found" page offers instead. Never fails: no match is no offer."""
    from urllib.parse import unquote

    from frkg.web.context import describer, publication

    segment = unquote(request.path.rstrip("/").rsplit("/", 1)[-1])
    segment = segment.rsplit(".", 1)[0] if "." in segment[-8:] else segment
    words = [w for w in re.split(r"[\W_]+", segment) if w]
    if not words:
        return []
    try:
        index = publication().search
        hits, _ = index.find(" ".join(words)[:200], 0, NEAREST)
        if not hits:  # fewer words: the longest ones are the likeliest to name something
            for word in sorted(words, key=len, reverse=True)[:3]:
                more, _ = index.find(word, 0, NEAREST)
                hits += [h for h in more if h.node not in {x.node for x in hits}]
                if len(hits) >= NEAREST:
                    break
        return [describer().term(h.node) for h in hits[:NEAREST]]
    except Exception:  # an error page must render whatever went wrong before it
        return []


def _answer(e: HTTPException) -> Response:
    base.varies_on_accept()
    wants_html = request.accept_mimetypes.best_match(["text/plain", "text/html"]) == "text/html"
    title = e.name
    message = e.description or title
    response = respond.error(e.code or 500, title, message, HTML if wants_html else None)
    for name, value in e.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _http_error(e: HTTPException) -> Response:
    return _answer(e)


def _backend_error(e: BackendError) -> Response:
    """The remote SPARQL endpoint did not answer a page's query: 502 when it refused, else 503."""
    current_app.logger.warning("data backend failed on %s %r: %s", request.method, request.path, e)
    if isinstance(e, BackendRefused):
        return _answer(BadGateway(f"the data backend could not answer: {e}"))
    response = _answer(ServiceUnavailable(f"the data backend did not answer: {e}"))
    response.headers["Retry-After"] = str(BACKEND_RETRY_AFTER)
    return response


def _out_of_memory(e: MemoryError) -> Response:
    """503 with Retry-After: a MemoryError is a shortage of this process, never the client's
    fault nor a bug to show."""
    current_app.logger.error("out of memory on %s %r: %s", request.method, request.path, e)
    response = _answer(ServiceUnavailable(OUT_OF_MEMORY))
    response.headers["Retry-After"] = str(MEMORY_RETRY_AFTER)
    return response


def _unexpected(e: Exception) -> Response:
    # The path is logged as repr: a percent-encoded line break must not forge a log line.
    current_app.logger.exception("unexpected error on %s %r", request.method, request.path)
    return _answer(InternalServerError("the server failed to answer; the error is logged"))
