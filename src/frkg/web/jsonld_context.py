"""``/context.jsonld`` and ``/context/{version}.jsonld``: the published JSON-LD ``@context``.

Made from the ontology (:mod:`frkg.publish.jsonld`). The versioned URL is the one compacted
documents refer to and never changes, so it is cached for a day
(``Cache-Control: public, max-age=86400``); ``/context.jsonld`` is the current version, and
names the versioned URL in ``Content-Location``. Readable from any origin (CORS): a JSON-LD
processor in a browser fetches the context of every document it reads.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, url_for

from frkg.formats import by_name
from frkg.web import base, headers, respond
from frkg.web.base import View

bp = Blueprint("jsonld_context", __name__)

CONTEXT = View(public=True)
#: Seconds a versioned context may be reused without asking again (it never changes).
VERSIONED_MAX_AGE = 86400


def _send(version: str) -> Response:
    context = respond.jsonld_context()
    body = json.dumps(context.document, ensure_ascii=False, indent=1)
    response = Response(body, content_type=by_name("jsonld").content_type)
    return headers.cacheable(response, f"context-{context.version}")


@base.route(bp, "/context.jsonld", CONTEXT)
def current() -> Response:
    """The current context; Content-Location names its versioned URL."""
    context = respond.jsonld_context()
    response = _send(context.version)
    response.headers["Content-Location"] = url_for(
        "jsonld_context.versioned", version=context.version
    )
    return response


@base.route(bp, "/context/<version>.jsonld", CONTEXT)
def versioned(version: str) -> Response:
    """One version of the context: the loaded ontology's; 404 naming it for any other."""
    context = respond.jsonld_context()
    if version != context.version:
        current_url = url_for("jsonld_context.versioned", version=context.version)
        return respond.text(
            f"404 Not Found: this server publishes the context of version {context.version}, "
            f"at {current_url}",
            404,
        )
    response = _send(version)
    response.headers["Cache-Control"] = f"public, max-age={VERSIONED_MAX_AGE}"
    return response
