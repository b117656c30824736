"""The base every view answers through: what each endpoint offers, and one way to negotiate.

Each blueprint routes its views with :func:`route`, which also declares the :class:`View` the
endpoint answers as: the formats it offers in order of preference, whether it is public
read-only data that any origin may read (CORS), the Content-Security-Policy of its pages, and
how its twins (the same resource in the other formats) are addressed. The declarations are
registered on the app, one per endpoint (:func:`views`: the static export reads offers there),
and one hook applies them to every answer, errors and redirects included:

- CORS headers on every answer of a public view (a cross-origin fetch of ``/id/{slug}`` must be
  allowed to follow the 303), and the preflight answer to its ``OPTIONS``;
- the view's CSP on its HTML pages, :data:`~frkg.web.headers.CONTENT_SECURITY_POLICY` on the
  rest, and the other headers of :data:`~frkg.web.headers.SECURITY_HEADERS`;
- ``Vary: Accept`` on every answer that was negotiated (RFC 9110 section 12.5.5): once a view
  asks :meth:`View.choose`, whatever it answers (a 303, a 404, a 406) depends on ``Accept``;
- every URI header (Location, Content-Location, Link) in ASCII, as RFC 3987 section 3.1 maps an
  IRI to a URI.

No answer holds an address built from the request's ``Host``: links are paths, and absolute IRIs
are under the configured serving base. Werkzeug's own redirects (a doubled slash merged), which
it builds from ``Host``, are answered by :func:`_routing_redirect` with a path instead.

The model is datasette's ``views/base.py``: a view says what it offers, the base does the HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, request, url_for
from werkzeug.exceptions import BadRequest
from werkzeug.routing import RequestRedirect

from frkg import formats, negotiate
from frkg.formats import HTML, JSON, RDF_FORMATS, Format
from frkg.web import headers, respond
from frkg.web.headers import (
    CONTENT_SECURITY_POLICY,
    CORS_HEADERS,
    PREFLIGHT_MAX_AGE,
    PREFLIGHT_METHODS,
    SECURITY_HEADERS,
)

#: Where a request records that its answer was chosen by Accept (a WSGI environ key).
NEGOTIATED = respond.NEGOTIATED
#: Where the app keeps its views, by endpoint (``app.extensions``).
REGISTRY = "frkg.views"

#: How a view addresses its twin in one format: ``twins(fmt, **values) -> URL``.
Twins = Callable[..., str]
#: :meth:`View.choose`'s default word: the request's ``?format=``.
FORMAT_PARAMETER = "?format="


@dataclass(frozen=True)
class View:
    """What one endpoint answers: declared once, applied by the base to every answer."""

    #: Formats in order of preference: on equal quality the earlier wins; no Accept gets the first.
    offers: tuple[Format, ...] = ()
    #: What its 406 says is not available ("this list").
    what: str = ""
    #: Public read-only data: any origin may read every answer (CORS), no credentials involved.
    public: bool = False
    #: The Content-Security-Policy of its pages (200 HTML answers; the rest get the default).
    page_csp: str = CONTENT_SECURITY_POLICY
    #: The URL of its representation in a format, or None when it has no twins.
    twins: Twins | None = None
    #: The formats its twins are listed in (Link, <link rel="alternate">), when not ``offers``.
    twin_formats: tuple[Format, ...] | None = None

    def choose(
        self, word: str | None = FORMAT_PARAMETER, offers: tuple[Format, ...] | None = None
    ) -> Format | None:
        """The best of ``offers`` (default: the view's) for this request, or None for 406.

        ``word`` (default: ``?format=``; None: none) wins over Accept; one that names no offered
        format is a bad request (400) naming the formats there are. Whatever the view answers
        from now on varies with Accept.
        """
        varies_on_accept()
        if word is FORMAT_PARAMETER:
            word = request.args.get("format")
        try:
            return negotiate.choose_for_header(
                offers or self.offers, request.headers.get("Accept"), word
            )
        except negotiate.UnknownFormat as e:
            raise BadRequest(str(e)) from None

    def not_acceptable(self, what: str | None = None) -> Response:
        """406 in plain text, listing the media types offered and the ``?format=`` words."""
        available = ", ".join(f.media_type for f in self.offers)
        words = ", ".join(f.keywords[0] for f in self.offers if f.keywords)
        return respond.text(
            f"406 Not Acceptable: {what or self.what} is not available in any media type your "
            f"Accept header allows.\nAvailable: {available}\nOr add ?format= with one of: {words}",
            406,
        )

    def alternates(self, exclude: Format | None = None, **values) -> list[tuple[str, Format]]:
        """(URL, format) of every twin but ``exclude``; ``values`` are the URL's variables."""
        if self.twins is None:
            return []
        listed = self.offers if self.twin_formats is None else self.twin_formats
        return [(self.twins(f, **values), f) for f in listed if f is not exclude]

    # -- a document negotiated at one URL, with a twin per suffix (the ontology, shapes, VoID) --

    def negotiated(self, represent: Callable[[Format], Response]) -> Response:
        """The representation ``?format=`` or Accept asks for, naming its twin in
        Content-Location; 406 listing the media types when none fits."""
        fmt = self.choose()
        if fmt is None:
            return headers.link_alternates(self.not_acceptable(), self.alternates())
        response = represent(fmt)
        response.headers["Content-Location"] = self.twins(fmt)
        return response

    def by_suffix(self, ext: str, represent: Callable[[Format], Response]) -> Response:
        """The representation the suffix names, or 404 listing the suffixes there are."""
        fmt = formats.by_suffix(ext, self.offers)
        if fmt is None:
            return unknown_suffix(ext, self.offers)
        return represent(fmt)

    def represent(
        self,
        fmt: Format,
        cache_key: str,
        *,
        html: Callable[[], Response],
        quads: Callable[[], Iterable[ox.Quad]],
        data: Callable[[], object] | None = None,
        describes: str | None = None,
        values: Mapping[str, object] | None = None,
    ) -> Response:
        """``html()`` for HTML, ``data()`` as JSON, else ``quads()`` in ``fmt`` (406 when the
        syntax cannot express them), with the Link header to every twin (``values`` are their
        URL's variables) and a cacheable ETag."""
        alternates = self.alternates(fmt, **(values or {}))
        if fmt is HTML:
            response = html()
        elif data is not None and fmt is JSON:
            response = respond.json_body(data())
        else:
            response = rdf_or_refusal(quads(), fmt, alternates)
            if response.status_code != 200:
                return response
        headers.link_alternates(response, alternates, describes)
        return headers.cacheable(response, cache_key)


def document(blueprint: str, what: str) -> View:
    """A public document negotiated at one URL among the RDF formats and HTML (*/* and no Accept
    get Turtle, as for things), with a twin per suffix at ``{url}.{ext}``: the view
    ``{blueprint}.representation``, which takes ``ext``. The ontology, the shapes, VoID."""
    return View(
        offers=(*RDF_FORMATS, HTML),
        what=what,
        public=True,
        twins=at_suffix(f"{blueprint}.representation"),
    )


def at_suffix(endpoint: str) -> Twins:
    """Twins at ``{url}.{ext}``: the view ``endpoint`` takes the suffix as ``ext``."""
    return lambda fmt, **values: url_for(endpoint, ext=fmt.suffix, **values)


def with_format(endpoint: str) -> Twins:
    """Twins at the same URL with ``?format={keyword}`` last."""
    return lambda fmt, **values: url_for(endpoint, **values, format=fmt.keywords[0])


def rdf_or_refusal(quads: Iterable[ox.Quad], fmt: Format, alternates) -> Response:
    """``quads`` in ``fmt``, or 406 naming the ``alternates`` when the syntax cannot express
    them (RDF/XML and a predicate that does not end in an XML name)."""
    try:
        return respond.rdf(quads, fmt)
    except formats.Unrepresentable as e:
        return headers.link_alternates(respond.text(f"406 Not Acceptable: {e}", 406), alternates)


def unknown_suffix(ext: str, offers: Iterable[Format]) -> Response:
    """404 for a suffix that names no format, listing the suffixes there are (the suffix asked
    for is not repeated: the client has it, and an answer need not echo what it was sent)."""
    suffixes = ", ".join("." + f.suffix for f in offers)
    message = f"404 Not Found: no format has this suffix; there are {suffixes}"
    return respond.text(message, 404)


def varies_on_accept() -> None:
    """Mark this request's answer, whatever it will be, as chosen by Accept."""
    request.environ[NEGOTIATED] = True


def whole_number(name: str, default: int, low: int = 1, high: int | None = None) -> int:
    """Query parameter ``name`` as a whole number from ``low`` (to ``high``), else 400."""
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"from {low}"
        raise BadRequest(f"{name} must be a whole number {bound}")
    return value


def page_number() -> int:
    """``?page=``: a whole number from 1 (default 1), else 400."""
    return whole_number("page", 1)


# -- routing and the registry ---------------------------------------------------------------------


def route(bp: Blueprint, rule: str, view: View, **options) -> Callable:
    """Route ``rule`` of ``bp`` to the decorated function (GET unless ``methods`` say
    otherwise), and declare that its endpoint answers as ``view``."""

    def decorator(func: Callable) -> Callable:
        endpoint = options.pop("endpoint", None) or func.__name__
        bp.add_url_rule(rule, endpoint, func, **options)
        name = f"{bp.name}.{endpoint}"
        bp.record_once(lambda state: state.app.extensions[REGISTRY].setdefault(name, view))
        return func

    return decorator


def views(app: Flask) -> Mapping[str, View]:
    """Every endpoint of ``app`` and the view it answers as (what other code reads offers from)."""
    return app.extensions[REGISTRY]


def init_app(app: Flask) -> None:
    """Give ``app`` its (empty) registry and the hook that applies the views to every answer.

    Register it after :func:`frkg.web.headers.init_app`: its hook must run before compression
    adds ``Accept-Encoding`` to Vary.
    """
    registry: dict[str, View] = app.extensions.setdefault(REGISTRY, {})

    def apply(response: Response) -> Response:
        view = registry.get(request.endpoint)
        sent = response.headers
        if view is not None and view.public:
            for name, value in CORS_HEADERS.items():
                sent[name] = value
        if NEGOTIATED in request.environ:
            response.vary.add("Accept")
        if (
            view is not None
            and view.page_csp is not CONTENT_SECURITY_POLICY
            and response.status_code == 200
            and response.mimetype == HTML.media_type
        ):
            sent.setdefault("Content-Security-Policy", view.page_csp)
        for name, value in SECURITY_HEADERS.items():
            sent.setdefault(name, value)
        headers.ascii_uri_headers(sent)
        if request.method == "OPTIONS" and sent.get("Access-Control-Allow-Origin") == "*":
            # A CORS preflight: allow the read-only methods (a view may allow more, e.g. POST
            # for SPARQL) and the request headers the client announces.
            asked = request.headers.get("Access-Control-Request-Headers")
            sent.setdefault("Access-Control-Allow-Methods", PREFLIGHT_METHODS)
            sent.setdefault("Access-Control-Allow-Headers", asked or "*")
            sent.setdefault("Access-Control-Max-Age", PREFLIGHT_MAX_AGE)
        return response

    app.before_request(_routing_redirect)
    app.after_request(apply)


def _routing_redirect() -> Response | None:
    """Werkzeug's routing redirect (``/page//x`` to ``/page/x``), with a path for Location.

    Werkzeug writes the absolute URL from the request's scheme and ``Host`` into Location and
    into an HTML body: a spoofed ``Host`` would come back as the address to follow. A relative
    reference is a valid Location (RFC 9110 section 10.2.2) and names this server whatever the
    request said it was called. A path starting ``//`` would name another host: it gets one slash.
    """
    e = request.routing_exception
    if not isinstance(e, RequestRedirect):
        return None
    parts = urlsplit(e.new_url)
    target = "/" + parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")
    response = respond.text(f"{e.code} {e.name}: this page is at the address in Location", e.code)
    response.headers["Location"] = target
    return response


def check_declared(app: Flask) -> None:
    """Fail at start-up when an endpoint of ``app`` (Flask's static files apart) has no view."""
    registry = views(app)
    undeclared = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and rule.endpoint not in registry
    )
    if undeclared:
        raise RuntimeError(f"endpoints routed without base.route: {', '.join(undeclared)}")
