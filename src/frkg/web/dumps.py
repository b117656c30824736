"""``/dumps/{file}``: the whole dataset in one file, served from bytes made once per load.

Every dump has a weak ETag (the data version and the file), Last-Modified and Content-Length,
and answers HEAD and conditional requests. The Turtle and JSON-LD files are sent gzip-encoded
(``Content-Encoding: gzip``) to clients that accept it, from a copy compressed once; never
compressed again per request. The ``.gz`` files are gzip files (``application/gzip``), sent as
they are. The media type of their content is in the VoID description (``dcat:mediaType``).
"""

from __future__ import annotations

from flask import Blueprint, Response, request, url_for

from frkg.publish.dumps import Dump
from frkg.web import base, headers, respond
from frkg.web.base import View
from frkg.web.context import publication
from frkg.web.templating import cached_url_for

bp = Blueprint("dumps", __name__)

DUMP = View(public=True)


@bp.app_context_processor
def _dump_links() -> dict:
    """Every page's footer links to the dumps."""
    return {
        "site_dumps": [
            (cached_url_for("dumps.dump", filename=d.spec.filename), d) for d in publication().dumps
        ]
    }


@base.route(bp, "/dumps/<filename>", DUMP)
def dump(filename: str) -> Response:
    """One dump file, gzip-encoded on the wire when it is text and the client accepts gzip."""
    found = publication().dumps.get(filename)
    if found is None:
        names = ", ".join(d.spec.filename for d in publication().dumps)
        return respond.text(f"404 Not Found: no dump is called {filename}; there are {names}", 404)
    return _send(found)


def _send(found: Dump) -> Response:
    spec = found.spec
    body, coding = found.body, None
    if found.gzip_encoded is not None and request.accept_encodings["gzip"]:
        body, coding = found.gzip_encoded, "gzip"
    # An iterator body marks the response as streamed, which keeps flask-compress from
    # compressing it again per request; the length is known, so Content-Length is still sent.
    response = Response(iter([body]), 200, content_type=_content_type(found))
    response.content_length = len(body)
    if coding:
        response.headers["Content-Encoding"] = coding
    if found.gzip_encoded is not None:
        response.vary.add("Accept-Encoding")
    response.headers["Content-Disposition"] = f'inline; filename="{spec.filename}"'
    # RFC 8288 "describedby": the VoID description says what the file holds.
    response.headers["Link"] = f'<{url_for("void.negotiated")}>; rel="describedby"'
    return headers.cacheable(response, f"dump-{spec.filename}-{coding or 'identity'}")


def _content_type(found: Dump) -> str:
    spec = found.spec
    return spec.media_type if spec.compressed else spec.format.content_type
