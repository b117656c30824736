"""Errors anywhere in the app: the right status, a clear message, never a traceback.

Entity and ontology views answer their own errors in the negotiated format; this module
catches the rest (unknown paths, wrong methods, bad parameters, bugs) and answers in HTML
for browsers and plain text for everything else (``*/*`` included), with ``Vary: Accept``.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, InternalServerError

from frkg.formats import HTML
from frkg.web import headers, respond


def init_app(app: Flask) -> None:
    """Register the error handlers on ``app``."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def _answer(e: HTTPException) -> Response:
    wants_html = request.accept_mimetypes.best_match(["text/plain", "text/html"]) == "text/html"
    title = e.name
    message = e.description or title
    response = respond.error(e.code or 500, title, message, HTML if wants_html else None)
    for name, value in e.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return headers.negotiated(response)


def _http_error(e: HTTPException) -> Response:
    return _answer(e)


def _unexpected(e: Exception) -> Response:
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
    return _answer(InternalServerError("the server failed to answer; the error is logged"))
