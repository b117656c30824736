"""Build responses: render HTML, serialise RDF, write JSON or text, and answer errors.

Errors are answered in the negotiated format where there is one (RFC 9110 section 15.5):
HTML for browsers, a valid empty RDF document with the message as a comment for RDF clients,
plain text otherwise. Nothing here ever shows a traceback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import pyoxigraph as ox
from flask import Response, current_app, render_template, request

from frkg import formats, negotiate
from frkg.formats import HTML, JSON, Format
from frkg.namespaces import prefixes
from frkg.publish import jsonld
from frkg.publish.terms import Term
from frkg.web import templating
from frkg.web.context import knowledge_graph

TEXT = "text/plain; charset=utf-8"
#: Where a request records that its answer was chosen by Accept (a WSGI environ key; the
#: base, :mod:`frkg.web.base`, sets it when a view negotiates).
NEGOTIATED = "frkg.negotiated"


def rdf(quads: Iterable[ox.Quad], fmt: Format, status: int = 200) -> Response:
    """``quads`` serialised in ``fmt`` with the serving base's prefixes; in N-Quads and TriG
    the whole document is in the default graph, its named graphs besides
    (:func:`frkg.formats.with_default_graph`). JSON-LD is in the form the request asks for
    (:func:`jsonld_form`), which its Content-Type names when one was asked for."""
    if fmt.holds_quads:
        quads = formats.with_default_graph(quads)
    if fmt.serializer == ox.RdfFormat.JSON_LD:
        form = jsonld_form()
        if form != "expanded":
            body = jsonld.compacted(quads, jsonld_context())
        else:
            body = formats.serialize(fmt, quads, prefixes(knowledge_graph().base))
        content_type = fmt.content_type
        if form != "expanded" or _asked_profile():
            content_type += f'; profile="{negotiate.JSONLD_PROFILE + form}"'
        return Response(body, status, content_type=content_type)
    body = formats.serialize(fmt, quads, prefixes(knowledge_graph().base))
    return Response(body, status, content_type=fmt.content_type)


def jsonld_form() -> str:
    """The JSON-LD form this request asks for: ``?profile=``, else the ``profile`` of Accept
    where the answer is negotiated (a URL naming one format by its suffix, ``.jsonld``, names
    one document: the expanded one, or the form its ``?profile=`` says)."""
    word = request.args.get("profile")
    if word or not _negotiated():
        return negotiate.jsonld_form(None, word)
    return negotiate.jsonld_form(request.headers.get("Accept"))


def _negotiated() -> bool:
    return NEGOTIATED in request.environ


def _asked_profile() -> bool:
    if request.args.get("profile"):
        return True
    return _negotiated() and "profile" in (request.headers.get("Accept") or "")


def jsonld_context() -> jsonld.JsonLdContext:
    """The published JSON-LD context of the loaded data, made once per worker."""
    found = current_app.extensions.get("frkg.jsonld_context")
    if found is None:
        found = current_app.extensions["frkg.jsonld_context"] = jsonld.build(knowledge_graph())
    return found


def html(template: str, status_code: int = 200, **context) -> Response:
    """``template`` rendered (Jinja2 autoescape) as an HTML response."""
    body = render_template(template, **context)
    return Response(body, status_code, content_type=HTML.content_type)


def absolute(path: str) -> str:
    """A path of this site as an IRI under the serving base (what JSON and RDF bodies link to)."""
    return knowledge_graph().base + path.lstrip("/")


def facets_json(facets) -> list[dict]:
    """A list's facets (:class:`frkg.publish.browse.Facet`) as its JSON twin writes them."""
    return [
        {
            "name": f.name,
            "label": f.label,
            **({"property": f.property.value} if f.property else {}),
            "values": [
                {
                    "value": v.key,
                    "label": v.label,
                    **({"iri": v.term.value} if v.term else {}),
                    "count": v.count,
                    "selected": v.selected,
                }
                for v in f.values
            ],
        }
        for f in facets
    ]


def term_json(term: Term) -> dict:
    """An RDF term as JSON bodies show it: IRI, label, prefixed name and where to read about it."""
    out = {"iri": term.value, "label": term.label}
    if term.curie:
        out["curie"] = term.curie
    link = templating.href(term)
    if link:
        out["url"] = absolute(link) if link.startswith("/") else link
    return out


def json_body(value, status: int = 200) -> Response:
    """``value`` as a JSON response (UTF-8, not ASCII-escaped, keys in the order given)."""
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status, content_type=JSON.content_type)


def text(message: str, status: int) -> Response:
    """A plain-text response."""
    return Response(message.rstrip("\n") + "\n", status, content_type=TEXT)


def error(status: int, title: str, message: str, fmt: Format | None = None) -> Response:
    """An error answered in ``fmt``: an HTML page, an empty RDF document, JSON, or plain text."""
    if fmt is HTML:
        return html("error.html", status, status=status, title=title, message=message)
    if fmt is not None and fmt.kind == "json":
        return json_body({"error": {"status": status, "title": title, "message": message}}, status)
    if fmt is not None and fmt.kind == "rdf":
        return Response(
            _empty_document(fmt, f"{status} {title}: {message}"),
            status,
            content_type=fmt.content_type,
        )
    return text(f"{status} {title}: {message}", status)


def _empty_document(fmt: Format, message: str) -> bytes:
    """A document with no triples, carrying ``message`` where the syntax has comments."""
    one_line = comment_text(message)
    if fmt.serializer in (
        ox.RdfFormat.TURTLE,
        ox.RdfFormat.N_TRIPLES,
        ox.RdfFormat.N_QUADS,
        ox.RdfFormat.TRIG,
    ):
        # A comment runs to the end of its line (Turtle section 6.5, COMMENT): one line it is.
        return f"# {one_line}\n".encode()
    if fmt.serializer == ox.RdfFormat.RDF_XML:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<!-- {xml_comment_text(one_line)} -->\n"
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n'
        ).encode()
    return formats.serialize(fmt, [])


def comment_text(message: str) -> str:
    """``message`` on one line of printable characters: every line break, control or format
    character (a bidirectional override included) becomes a space, and runs of spaces one."""
    return " ".join("".join(c if c.isprintable() else " " for c in message).split())


def xml_comment_text(line: str) -> str:
    """``line`` (from :func:`comment_text`) made fit for an XML comment: no ``--`` anywhere in
    it (XML 1.0 section 2.5), so an echoed ``-->`` cannot end the comment early."""
    return _DOUBLE_HYPHEN.sub("- ", line)


_DOUBLE_HYPHEN = re.compile(r"-(?=-)")
