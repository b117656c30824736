"""Build responses: negotiate a format, render HTML or serialise RDF, and answer errors.

Errors are answered in the negotiated format where there is one (RFC 9110 section 15.5):
HTML for browsers, a valid empty RDF document with the message as a comment for RDF clients,
plain text otherwise. Nothing here ever shows a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Response, render_template, request, url_for
from werkzeug.exceptions import BadRequest

from frkg import formats, negotiate
from frkg.formats import HTML, JSON, Format
from frkg.namespaces import prefixes
from frkg.publish.terms import Term
from frkg.web import headers, templating
from frkg.web.context import knowledge_graph

TEXT = "text/plain; charset=utf-8"


def choose(offers: Sequence[Format]) -> Format | None:
    """The best of ``offers`` for this request (``?format=`` first), or None for 406.

    An unknown ``?format=`` is a bad request (400) naming the formats there are.
    """
    try:
        return negotiate.choose_for_header(
            tuple(offers), request.headers.get("Accept"), request.args.get("format")
        )
    except negotiate.UnknownFormat as e:
        raise BadRequest(str(e)) from None


def rdf(quads: Iterable[ox.Quad], fmt: Format, status: int = 200) -> Response:
    """``quads`` serialised in ``fmt`` with the serving base's prefixes."""
    body = formats.serialize(fmt, quads, prefixes(knowledge_graph().base))
    return Response(body, status, content_type=fmt.content_type)


def html(template: str, status_code: int = 200, **context) -> Response:
    """``template`` rendered (Jinja2 autoescape) as an HTML response."""
    body = render_template(template, **context)
    return Response(body, status_code, content_type=HTML.content_type)


def absolute(path: str) -> str:
    """A path of this site as an IRI under the serving base (what JSON and RDF bodies link to)."""
    return knowledge_graph().base + path.lstrip("/")


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


def not_acceptable(offers: Sequence[Format], what: str) -> Response:
    """406 with the media types that are available, in plain text."""
    available = ", ".join(f.media_type for f in offers)
    response = text(
        f"406 Not Acceptable: {what} is not available in any media type your Accept header "
        f"allows.\nAvailable: {available}\nOr add ?format= with one of: "
        + ", ".join(f.keywords[0] for f in offers if f.keywords),
        406,
    )
    return headers.negotiated(response)


@dataclass(frozen=True)
class Document:
    """A document negotiated among ``offers`` at one URL, with a twin per suffix at
    ``{url}.{ext}`` (the view ``endpoint``, which takes ``ext``): the ontology, the shapes, VoID."""

    endpoint: str
    offers: tuple[Format, ...]
    what: str  # named in the 406 message, e.g. "the ontology"

    def alternates(self, exclude: Format | None = None) -> list[tuple[str, Format]]:
        """(URL, format) of every representation but ``exclude``."""
        return [(url_for(self.endpoint, ext=f.suffix), f) for f in self.offers if f is not exclude]

    def negotiated(self, represent: Callable[[Format], Response]) -> Response:
        """The representation ``?format=`` or Accept asks for, naming its twin in
        Content-Location; 406 listing the media types when none fits."""
        fmt = choose(self.offers)
        if fmt is None:
            refused = not_acceptable(self.offers, self.what)
            return headers.link_alternates(refused, self.alternates())
        response = represent(fmt)
        response.headers["Content-Location"] = url_for(self.endpoint, ext=fmt.suffix)
        return headers.negotiated(response)

    def by_suffix(self, ext: str, represent: Callable[[Format], Response]) -> Response:
        """The representation the suffix names, or 404 listing the suffixes there are."""
        fmt = formats.by_suffix(ext, self.offers)
        if fmt is None:
            suffixes = ", ".join("." + f.suffix for f in self.offers)
            message = f"404 Not Found: no format has the suffix .{ext}; there are {suffixes}"
            return text(message, 404)
        return represent(fmt)

    def represent(
        self,
        fmt: Format,
        page: Callable[[], Response],
        quads: Callable[[], Iterable[ox.Quad]],
        cache_key: str,
        describes: str | None = None,
    ) -> Response:
        """``page()`` for HTML, else ``quads()`` in ``fmt`` (406 when the syntax cannot express
        them), with the Link header to every twin and a cacheable ETag."""
        if fmt is HTML:
            response = page()
        else:
            try:
                response = rdf(quads(), fmt)
            except formats.Unrepresentable as e:
                return headers.link_alternates(
                    text(f"406 Not Acceptable: {e}", 406), self.alternates(fmt)
                )
        headers.link_alternates(response, self.alternates(fmt), describes)
        return headers.cacheable(response, cache_key)


def _empty_document(fmt: Format, message: str) -> bytes:
    """A document with no triples, carrying ``message`` where the syntax has comments."""
    one_line = " ".join(message.split())
    if fmt.serializer in (
        ox.RdfFormat.TURTLE,
        ox.RdfFormat.N_TRIPLES,
        ox.RdfFormat.N_QUADS,
        ox.RdfFormat.TRIG,
    ):
        return f"# {one_line}\n".encode()
    if fmt.serializer == ox.RdfFormat.RDF_XML:
        safe = one_line.replace("--", "- -")  # "--" may not occur inside an XML comment
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<!-- {safe} -->\n"
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n'
        ).encode()
    return formats.serialize(fmt, [])
