"""Errors anywhere in the app: the right status, a clear message, never a traceback.

Entity and ontology views answer their own errors in the negotiated format; this module
catches the rest (unknown paths, wrong methods, bad parameters, a remote data backend that does
not answer, bugs) and answers in HTML
for browsers and plain text for everything else (``*/*`` included), with ``Vary: Accept``.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import BadGateway, HTTPException, InternalServerError, ServiceUnavailable

from frkg.formats import HTML
from frkg.store import BackendError, BackendRefused
from frkg.web import base, respond

#: Seconds a client is asked to wait when the data backend did not answer.
BACKEND_RETRY_AFTER = 5


def init_app(app: Flask) -> None:
    """Register the error handlers on ``app``."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(BackendError, _backend_error)
    app.register_error_handler(Exception, _unexpected)


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
    current_app.logger.warning("data backend failed on %s %s: %s", request.method, request.path, e)
    if isinstance(e, BackendRefused):
        return _answer(BadGateway(f"the data backend could not answer: {e}"))
    response = _answer(ServiceUnavailable(f"the data backend did not answer: {e}"))
    response.headers["Retry-After"] = str(BACKEND_RETRY_AFTER)
    return response


def _unexpected(e: Exception) -> Response:
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
    return _answer(InternalServerError("the server failed to answer; the error is logged"))
