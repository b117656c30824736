"""The static site: walk the URL space of the web app and write every representation as a file.

:func:`build` drives the app's own WSGI test client over every URL a static host can serve,
so every file holds exactly the bytes ``frkg serve`` sends, and records what a web server
needs to answer like the app: which URL is which file, the response headers of each kind of
URL (generalised over slugs and page numbers, then checked against every response), the error
bodies, and which URLs only a live server can answer. :mod:`frkg.export.webserver` turns that
:class:`Layout` into an nginx configuration and an Apache ``.htaccess``.

What is exported (under ``OUTDIR/public``):

- ``/`` (``index.html``), ``/robots.txt``, ``/sitemap.xml`` (and numbered parts), ``/static/``
- ``/page/{slug}`` (``page/{slug}.html``) and every "show all" page of it
  (``/page/{slug}/links?property=P&direction=D&page=N`` -> ``page/{slug}/links/D-{key}-N.html``)
- ``/data/{slug}.{ext}`` in every RDF format
- ``/ontology.{ext}``, ``/void.{ext}``, ``/shapes.{ext}`` (HTML and every RDF format)
- ``/dumps/{file}``
- ``/browse`` (``browse/index.{json,html}``), every page of every class list without filters in
  every format (``browse/{name}/{N}.{ext}``), every source page (``source/{slug}.{ext}``)

Negotiated URLs (``/id/{slug}``, ``/data/{slug}``, ``/ontology``, ``/void``,
``/.well-known/void``, ``/shapes``, and the lists without ``?format=``) have no file of their
own: the web server picks one of the files above. Search, SPARQL, ``/health``, filtered lists
and ``/browse?class=`` need a live server (:data:`DYNAMIC`). Text files get a gzip twin
(``file.gz``), which the web server sends to clients accepting gzip, where it pays (it saves at
least a TCP segment and a fifth of the file: :func:`_pays`), and every file's
modification time is the ``Last-Modified`` the app sent, so validators agree with the data.

This module defines no view and no Flask API of its own: it is a client of the app, through
Flask's test client (the code ``frkg serve`` runs). It reads what each endpoint offers from the
app's registry of views (:func:`frkg.web.base.views`) and which endpoint a URL is from the app's
own URL map (:class:`UrlSpace`). The error bodies and messages a web server answers with are the
app's own: asked of it, or, for the few it only makes for a particular IRI, rendered by its
:func:`frkg.web.respond.error` with a message that names no IRI.
"""

from __future__ import annotations

import gzip
import html
import io
import multiprocessing
import os
import re
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from hashlib import sha1
from pathlib import Path
from urllib.parse import (
    parse_qs,
    quote,
    quote_plus,
    unquote,
    unquote_to_bytes,
    urlencode,
    urlsplit,
)

from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException
from werkzeug.http import http_date
from werkzeug.routing import RequestRedirect

from frkg import formats
from frkg.export import conneg_rules
from frkg.export.conneg_rules import Negotiation
from frkg.export.reuse import reused
from frkg.formats import HTML, JSON, RDF_FORMATS, Format, by_keyword, by_suffix, content_type_of
from frkg.namespaces import prefixes
from frkg.web import base
from frkg.web.headers import COMPRESS_MIN_SIZE, COMPRESSIBLE

#: Headers the web server must add itself; the rest (Content-Type from the suffix, ETag,
#: Last-Modified, Content-Length, Content-Encoding, Date) it makes from the file.
MANAGED_HEADERS = (
    "Link",
    "Vary",
    "Access-Control-Allow-Origin",
    "Access-Control-Expose-Headers",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cache-Control",
    "Content-Disposition",
)
#: Endpoints only a live server answers (and lists with facet filters, and ``/browse?class=``;
#: the research tables, whose rows depend on the day and filters their URL asks for).
LIVE_ONLY = (
    "search.results",
    "sparql.endpoint",
    "health.health",
    "tracker.policies",
    "tracker.people",
    "browse.concept",
    # the named graphs' list, the Graph Store, Triple Pattern Fragments and the JSON-LD context
    "graphs.listing",
    "graphs.graph_store",
    "fragments.fragment",
    "jsonld_context.current",
)
#: Slugs and class names a web server can put in a path and a header safely.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~:-]*")
#: Where the web server finds the error bodies (never served directly).
INTERNAL = "_frkg"

#: The negotiations a static site reproduces.
THING, RDF, LIST, INDEX, ERROR = "thing", "rdf", "list", "index", "error"
NEGOTIATIONS = (THING, RDF, LIST, INDEX, ERROR)
#: The app's endpoints that negotiate each way; they must offer the same formats, since the web
#: server negotiates once for all of them. The first is asked for the negotiation's 400.
NEGOTIATED_ENDPOINTS: dict[str, tuple[str, ...]] = {
    THING: (
        "entities.thing",
        "ontology.negotiated",
        "void.negotiated",
        "void.well_known",
        "shapes.negotiated",
    ),
    RDF: ("entities.negotiated_document",),
    LIST: ("browse.source", "browse.listing"),
    INDEX: ("browse.index",),
}


def offers(app) -> dict[str, tuple[Format, ...]]:
    """The formats of each negotiation, in the app's order of preference, from its registry."""
    views = base.views(app)
    out = {}
    for name, endpoints in NEGOTIATED_ENDPOINTS.items():
        found = {views[e].offers for e in endpoints}
        if len(found) != 1:
            raise BuildError(
                f"{', '.join(endpoints)} offer different formats; the static configuration "
                "negotiates once for all of them"
            )
        out[name] = found.pop()
    return out


def negotiations(app) -> dict[str, Negotiation]:
    """Every negotiation a static site reproduces, by name, built from the app's own offers."""
    out = {name: conneg_rules.for_formats(name, o) for name, o in offers(app).items()}
    out[ERROR] = conneg_rules.for_error_pages()
    return out


class BuildError(RuntimeError):
    """The export could not be made faithful to the app; the message says where."""


@dataclass(frozen=True)
class Target:
    """One file of the export: the URL fetched, the route it belongs to and its variables."""

    url: str
    file: str
    route: str  # "fixed" (own exact location) or a templated route: page, links, data, ...
    ext: str
    variables: tuple[tuple[str, str], ...] = ()

    @property
    def variant(self) -> str:
        """Which header template applies: the suffix, and for lists first or later page."""
        page = dict(self.variables).get("page")
        if self.route == "browse":
            return f"{self.ext}/{'first' if page == '1' else 'next'}"
        return self.ext


@dataclass
class Layout:
    """Everything a web-server configuration needs to know about an export."""

    base: str
    negotiations: dict[str, Negotiation]
    #: the formats of each negotiation but ERROR (the ?format= words come from them)
    offers: dict[str, tuple[Format, ...]]
    #: paths only a live server answers
    live_only: tuple[str, ...] = ()
    #: url path -> (file, headers) for URLs with their own exact location
    fixed: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    #: route -> variant -> header name -> template ({slug}, {name}, {page} placeholders)
    templates: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    #: key -> every spelling of a ?property= value that names it on a "show all" page
    properties: dict[str, list[str]] = field(default_factory=dict)
    #: url path -> error file, for representations the app refuses with 406 (RDF/XML limits)
    refused: dict[str, str] = field(default_factory=dict)
    #: error bodies by name -> file
    errors: dict[str, str] = field(default_factory=dict)
    #: url path -> (status, Location, headers) of the redirects the app makes
    redirects: dict[str, tuple[int, str, dict[str, str]]] = field(default_factory=dict)
    #: URLs linked from pages that the app itself answers with an error (status)
    missing: dict[str, int] = field(default_factory=dict)
    #: url -> headers for the 303 of /id/{slug} ({slug} placeholder), from the app
    thing_headers: dict[str, str] = field(default_factory=dict)
    #: the app's 405 body (a web server sends it inline)
    method_not_allowed: str = ""
    #: the app's 404 for /data/{slug}.{unknown suffix} ({suffix} placeholder)
    unknown_suffix: str = ""
    #: the text of the 400 for an unknown ?format=, by negotiation ({word} placeholder)
    unknown_format: dict[str, str] = field(default_factory=dict)
    #: the app's 400 bodies for a "show all" URL without a property, with a wrong direction or
    #: page number (the page's is also that of lists)
    bad_request: dict[str, str] = field(default_factory=dict)
    #: files written, by route; URLs linked from pages that only a live server answers
    counts: Counter = field(default_factory=Counter)
    dynamic: Counter = field(default_factory=Counter)

    def settle(self) -> None:
        """Order every table by key, so that the same data writes the same configurations in
        whatever order the parallel fetches finished."""
        self.fixed = dict(sorted(self.fixed.items()))
        self.templates = {r: dict(sorted(v.items())) for r, v in sorted(self.templates.items())}
        self.properties = {key: sorted(v) for key, v in sorted(self.properties.items())}
        self.refused = dict(sorted(self.refused.items()))
        self.errors = dict(sorted(self.errors.items()))
        self.redirects = dict(sorted(self.redirects.items()))
        self.missing = dict(sorted(self.missing.items()))


def property_key(iri: str) -> str:
    """A short, file-name-safe key for a property IRI (used in "show all" file names)."""
    return sha1(iri.encode()).hexdigest()[:12]


# -- the URL space ---------------------------------------------------------------------------------


#: A page number as a URL may carry it.
_PAGE = re.compile(r"[1-9]\d*")


class UrlSpace:
    """The app's URL space as a static host sees it: which file each URL is exported to.

    URLs are matched by the app's own URL map (``app.url_map``), so an export follows the
    routes ``frkg serve`` answers; what each endpoint becomes is decided here.
    """

    def __init__(self, app) -> None:
        self.base = app.extensions["frkg"].base
        self.adapter = app.url_map.bind("localhost")
        #: the variables of each endpoint's URL
        self.arguments = {rule.endpoint: rule.arguments for rule in app.url_map.iter_rules()}
        self.offers = offers(app)
        views = base.views(app)
        #: the suffixes each endpoint answers at, for endpoints that take one
        self.suffixes = {e: {f.suffix for f in v.offers} for e, v in views.items()}
        self.live_only = tuple(rule.rule for e in LIVE_ONLY for rule in app.url_map.iter_rules(e))
        #: what each endpoint with files is exported as; negotiated ones have none of their own
        self.exports = {
            "home.index": self._home,
            "crawlers.robots": self._fixed,
            "crawlers.sitemap": self._fixed,
            "crawlers.part": self._fixed,
            "dumps.dump": self._fixed,
            "static": self._static,
            "ontology.representation": self._representation,
            "void.representation": self._representation,
            "shapes.representation": self._representation,
            "ontology.version": self._version,
            "entities.page": self._page,
            "entities.document": self._representation,
            "entities.links": self._links,
            "browse.index": self._browse_index,
            "browse.listing": self._browse_listing,
            "browse.source": self._source,
        }

    def placeholders(self, endpoint: str) -> dict[str, str]:
        """Any value for each variable of ``endpoint``'s URL."""
        return dict.fromkeys(self.arguments[endpoint], "x")

    def path(self, endpoint: str, **values) -> str:
        """The path of ``endpoint`` with ``values``, as the app builds it."""
        return self.adapter.build(endpoint, values)

    def classify(self, url: str) -> Target | str | None:
        """The file an app URL is exported to, "dynamic" for live-only URLs, or None (no file:
        another site, a negotiated URL, or one the app does not route)."""
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            if not url.startswith(self.base):
                return None  # another site
            parts = urlsplit("/" + url[len(self.base) :])
        path = parts.path
        if not path.startswith("/"):
            return None
        try:
            endpoint, values = self.adapter.match(unquote(path), method="GET")
        except (HTTPException, RequestRedirect):
            return None
        if endpoint in LIVE_ONLY:
            return "dynamic"
        export = self.exports.get(endpoint)
        if export is None:
            return None
        return export(endpoint, path, parse_qs(parts.query, keep_blank_values=True), **values)

    # -- what each endpoint is exported as --

    def _fixed(self, endpoint: str, path: str, query: dict, **values) -> Target:
        return Target(path, path[1:], "fixed", path.rsplit(".", 1)[-1])

    def _home(self, endpoint: str, path: str, query: dict) -> Target:
        return Target("/", "index.html", "fixed", "html")

    def _static(self, endpoint: str, path: str, query: dict, filename: str) -> Target | None:
        return None if ".." in filename.split("/") else self._fixed(endpoint, path, query)

    def _representation(self, endpoint: str, path: str, query: dict, ext: str, slug=None):
        """A document at its suffix URL, for the suffixes the view answers at."""
        if ext not in self.suffixes[endpoint]:
            return None
        if slug is None:
            return self._fixed(endpoint, path, query)
        _check_name(slug, path)
        return Target(path, path[1:], "data", ext, (("slug", slug),))

    def _version(self, endpoint: str, path: str, query: dict, version: str) -> Target | str:
        # the app's 303 to /ontology, where a web server can write the version into a location
        if re.fullmatch(r"[A-Za-z0-9._~-]+", version):
            return Target(path, "", "redirect", "")
        return "dynamic"

    def _page(self, endpoint: str, path: str, query: dict, slug: str) -> Target:
        _check_name(slug, path)
        return Target(path, f"page/{slug}.html", "page", "html", (("slug", slug),))

    def _links(self, endpoint: str, path: str, query: dict, slug: str) -> Target | None:
        prop = query.get("property", [""])[0]
        direction = query.get("direction", ["out"])[0]
        page = query.get("page", ["1"])[0]
        if not prop or direction not in ("in", "out") or not _PAGE.fullmatch(page):
            return None
        _check_name(slug, f"/page/{slug}/links")
        url = f"/page/{slug}/links?" + urlencode(
            {"property": prop, "direction": direction, "page": page}
        )
        file = f"page/{slug}/links/{direction}-{property_key(prop)}-{page}.html"
        variables = (("slug", slug), ("property", prop), ("direction", direction), ("page", page))
        return Target(url, file, "links", "html", variables)

    def _browse_index(self, endpoint: str, path: str, query: dict) -> Target | str | None:
        if set(query) - {"format"}:
            return "dynamic"
        return self._list("browse-index", "/browse", "browse/index", INDEX, query, ())

    def _browse_listing(self, endpoint: str, path: str, query: dict, name: str):
        if set(query) - {"format", "page"}:
            return "dynamic"  # facet filters
        page = query.get("page", ["1"])[0]
        if not _PAGE.fullmatch(page):
            return None
        variables = (("name", name), ("page", page))
        return self._list("browse", path, f"browse/{name}/{page}", LIST, query, variables)

    def _source(self, endpoint: str, path: str, query: dict, slug: str) -> Target | None:
        if set(query) - {"format"}:
            return None
        return self._list("source", path, f"source/{slug}", LIST, query, (("slug", slug),))

    def _list(self, route, path, stem, negotiation, query, variables) -> Target | None:
        """A list URL: one Target for its format (every format is expanded by the crawler)."""
        for _, value in variables:
            _check_name(value, path)
        formats = self.offers[negotiation]
        word = query.get("format", [""])[0]
        fmt = by_keyword(word, formats) if word else formats[0]
        if fmt is None:
            return None
        page = dict(variables).get("page")
        args = {"page": page} if page and page != "1" else {}
        args["format"] = fmt.keywords[0]
        url = f"{path}?{urlencode(args)}"
        return Target(url, f"{stem}.{fmt.suffix}", route, fmt.suffix, variables)

    def siblings(self, target: Target) -> list[Target]:
        """The same resource in every format its URL space offers (lists are negotiated)."""
        if target.route not in ("browse-index", "browse", "source"):
            return []
        formats = self.offers[INDEX if target.route == "browse-index" else LIST]
        out = []
        for fmt in formats:
            path = target.url.split("?")[0]
            query = parse_qs(urlsplit(target.url).query)
            query["format"] = [fmt.keywords[0]]
            found = self.classify(f"{path}?{urlencode(query, doseq=True)}")
            if isinstance(found, Target):
                out.append(found)
        return out


def _check_name(name: str, url: str) -> None:
    if not SAFE_NAME.fullmatch(name):
        raise BuildError(
            f"{url}: {name!r} cannot be exported safely; slugs and class names must match "
            f"{SAFE_NAME.pattern}"
        )


# -- header templates ------------------------------------------------------------------------------


def generalise(headers: dict[str, str], variables: dict[str, str]) -> dict[str, str]:
    """``headers`` with the values of ``variables`` replaced by ``{name}`` placeholders."""
    out = {}
    for name, value in headers.items():
        for var in ("slug", "name"):
            if var in variables:
                found = r"(?<=/)" + re.escape(variables[var]) + r'(?=[>.?/"&;,]|$)'
                value = re.sub(found, "{" + var + "}", value)
        if "page" in variables:
            found = r"(?<=[?&]page=)" + re.escape(variables["page"]) + r'(?=[&>"])'
            value = re.sub(found, "{page}", value)
        out[name] = value
    return out


def render(template: dict[str, str], variables: dict[str, str]) -> dict[str, str]:
    """A header template with its placeholders filled in (what the web server will send)."""
    out = {}
    for name, value in template.items():
        for var, filled in variables.items():
            value = value.replace("{" + var + "}", filled)
        out[name] = value
    return out


# -- the build -------------------------------------------------------------------------------------


class _Client:
    """The app called as a WSGI application, returning (status, headers, body).

    A GET is one call of the app with a plain WSGI environ (PEP 3333), as a server would make
    it: Flask's test client builds a request object, cookies and a response object around each
    call, which cost a third of a small document's time. ``client`` is that test client, for
    the few other requests the build makes.
    """

    def __init__(self, app) -> None:
        self.app = app
        self.client = app.test_client()

    def get(self, url: str, headers: dict[str, str] | None = None):
        path, _, query = url.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "SCRIPT_NAME": "",
            # PEP 3333: the path percent-decoded, its bytes as latin-1 characters
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "localhost",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in (headers or {}).items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        started: list = []

        def start_response(status: str, response_headers: list, exc_info=None):
            started[:] = [status, response_headers]

        chunks = self.app(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # static files are sent from an open file
        status, response_headers = started
        return int(status.split(" ", 1)[0]), Headers(response_headers), body


@dataclass
class _Fetched:
    """What one worker learnt about one target (the file itself is written by the worker)."""

    target: Target
    status: int
    headers: dict[str, str]  # the managed headers, Content-Type and Location
    links: list[str]
    body: bytes = b""  # kept only for refusals (406)


#: The app and the folder the forked workers fetch with (set before the pool forks).
_WORKER: dict = {}


class _Documents:
    """The RDF documents of things (``/data/{slug}.{ext}``) serialised straight from the store.

    A document's bytes are the describer's quads in the format of its suffix, as the app's view
    makes them (:func:`frkg.formats.serialize` with the serving base's prefixes), and its
    headers are those the app sent for the documents fetched through it first, with the slug
    filled in: the request cycle is skipped, and each thing is described once for all its
    formats (they come one after another). Whatever is not such a plain 200 (an unknown thing,
    a format that cannot express the description) is fetched through the app instead.
    """

    def __init__(self, app, templates: dict[str, dict[str, str]]) -> None:
        kg = app.extensions["frkg"]
        self.describer = app.extensions["frkg.describer"]
        self.prefixes = prefixes(kg.base)
        self.templates = templates
        self.modified = http_date(kg.modified)
        self.last: tuple[str | None, object] = (None, None)

    def fetch(self, target: Target) -> tuple[dict[str, str], bytes] | None:
        """The headers and body of ``target``, or None when the app must answer it."""
        template = self.templates.get(target.variant)
        fmt = by_suffix(target.ext, RDF_FORMATS)
        if template is None or fmt is None:
            return None
        variables = dict(target.variables)
        slug = variables["slug"]
        if self.last[0] != slug:
            self.last = (slug, self.describer.describe(slug))
        description = self.last[1]
        if description is None:
            return None
        try:
            body = formats.serialize(fmt, description.quads, self.prefixes)
        except formats.Unrepresentable:
            return None
        headers = render(template, variables)
        headers["Content-Type"] = fmt.content_type
        headers["Last-Modified"] = self.modified
        return headers, body


def _fetch(target: Target) -> _Fetched:
    """Fetch ``target`` through the app (or, for a thing's document, straight from the store:
    :class:`_Documents`); write its file when it is a 200 (runs in a worker)."""
    client, public = _WORKER["client"], _WORKER["public"]
    documents = _WORKER.get("documents")
    made = documents.fetch(target) if documents is not None and target.route == "data" else None
    if made is not None:
        headers, body = made
        _write(public / target.file, body, headers)
        kept = {k: v for k, v in headers.items() if k != "Last-Modified"}
        return _Fetched(target, 200, kept, list(_links(headers, body)))
    status, headers, body = client.get(target.url)
    kept = {k: headers[k] for k in (*MANAGED_HEADERS, "Content-Type", "Location") if k in headers}
    if status != 200:
        return _Fetched(target, status, kept, [], body if status == 406 else b"")
    _write(public / target.file, body, headers)
    return _Fetched(target, status, kept, list(_links(headers, body)))


@dataclass
class _Batches:
    """Fetch a batch of targets (called), or run another worker function over items (``run``)."""

    fetch: Callable[[list[Target]], Iterator[_Fetched]]
    run: Callable[[Callable, Iterable], Iterator]

    def __call__(self, batch: list[Target]) -> Iterator[_Fetched]:
        return self.fetch(batch)


@contextmanager
def _workers(app, public: Path, jobs: int, documents: _Documents | None = None):
    """A function that fetches a batch of targets, with ``jobs`` forked processes (its ``run``
    maps any worker function over items, in order)."""
    _WORKER.update(client=_Client(app), public=public, documents=documents)
    try:
        if jobs <= 1:
            yield _Batches(lambda batch: map(_fetch, batch), map)
            return
        # fork: the workers share the loaded store and indexes copy-on-write, as gunicorn's do
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            yield _Batches(
                lambda batch: pool.imap_unordered(_fetch, batch, chunksize=32),
                lambda function, items: pool.imap(function, items, chunksize=256),
            )
    finally:
        _WORKER.clear()


def build(app, outdir: Path, jobs: int = 1, reuse: bool = True) -> Layout:
    """Export everything ``app`` serves that a static host can serve into ``outdir/public``.

    ``jobs`` processes fetch and write in parallel (forked from this one, after the app is
    built); the walk goes breadth first, one level of links at a time. ``reuse`` memoises the
    view models files share (:mod:`frkg.export.reuse`); without it every file is computed as
    ``frkg serve`` computes it, which is slower and must give the same site.
    """
    if not reuse:
        return _build(app, outdir, jobs)
    with reused(app):
        return _build(app, outdir, jobs)


def _build(app, outdir: Path, jobs: int) -> Layout:
    published = app.extensions["frkg.publication"]
    published.warm()  # before the fork: the workers share every part instead of each building it
    public = outdir / "public"
    if public.exists():
        shutil.rmtree(public)
    public.mkdir(parents=True)
    urls = UrlSpace(app)
    layout = Layout(urls.base, negotiations(app), urls.offers, urls.live_only)
    frontier = _Frontier(urls, layout)
    for seed in _seeds(app, published):
        frontier.add(seed)
    # The first thing's documents through the app: their headers are the template the others
    # are written with (straight from the store) and checked against.
    first = [t for t in frontier.queue if t.route == "data"][: len(RDF_FORMATS)]
    with _workers(app, public, 1) as fetch_all:
        for fetched in fetch_all(first):
            _record(layout, public, fetched)
            for link in fetched.links:
                frontier.add(link)
    frontier.queue = [t for t in frontier.queue if t not in first]
    documents = _Documents(app, layout.templates.get("data", {}))
    with _workers(app, public, jobs, documents) as fetch_all:
        while batch := frontier.take():
            for fetched in fetch_all(batch):
                _record(layout, public, fetched)
                for link in fetched.links:
                    frontier.add(link)
        _thing_headers(fetch_all.run, layout, published)
    client = _Client(app)
    _error_pages(app, client, public, layout)
    _messages(urls, client, layout)
    layout.settle()
    return layout


class _Frontier:
    """The targets still to fetch: each file once, however often and however it is linked."""

    def __init__(self, urls: UrlSpace, layout: Layout) -> None:
        self.urls = urls
        self.layout = layout
        self.queue: list[Target] = []
        self.seen: set[str] = set()
        self.looked_at: set[str] = set()  # pages link the same URLs again and again

    def add(self, link: str) -> None:
        """Queue the file ``link`` is exported to, and its siblings in the other formats."""
        if link in self.looked_at:
            return
        self.looked_at.add(link)
        found = self.urls.classify(link)
        if found == "dynamic":
            self.layout.dynamic[urlsplit(link).path] += 1
        elif isinstance(found, Target) and found.file not in self.seen:
            for t in [found, *self.urls.siblings(found)]:
                if t.file not in self.seen:
                    self.seen.add(t.file)
                    self.queue.append(t)

    def take(self) -> list[Target]:
        """Everything queued so far (the next level of the walk)."""
        batch, self.queue = self.queue, []
        return batch


def _record(layout: Layout, public: Path, fetched: _Fetched) -> None:
    """What the web-server configuration needs to know about one fetched target."""
    target, status, headers = fetched.target, fetched.status, fetched.headers
    if status == 406 and target.route in ("data", "fixed"):
        layout.refused[target.url] = _write_error(public, f"refused{target.url}.txt", fetched.body)
        return
    managed = {k: headers[k] for k in MANAGED_HEADERS if k in headers}
    if status in (301, 302, 303, 307, 308) and target.route == "redirect":
        layout.redirects[target.url] = (status, headers["Location"], managed)
        return
    if status != 200:
        # a page links something the app does not have: the static site will not either
        layout.missing[target.url] = status
        return
    layout.counts[target.route] += 1
    _check_content_type(target, headers.get("Content-Type", ""))
    if target.route == "fixed":
        if target.url.startswith("/static/"):
            managed.pop("Content-Disposition", None)  # Flask's send_file adds it; not ours
        layout.fixed[target.url] = (target.file, managed)
    else:
        _template(layout, target, managed)
    if target.route == "links":
        prop = dict(target.variables)["property"]
        spellings = {quote(prop, safe=""), quote_plus(prop, safe=""), quote(prop, safe="/:")}
        known = layout.properties.setdefault(property_key(prop), [])
        known += sorted(spellings - set(known))


def _seeds(app, published) -> Iterator[str]:
    yield from ("/", "/robots.txt", "/sitemap.xml", "/browse?format=json", "/browse?format=html")
    for fmt in (HTML, *RDF_FORMATS):
        for stem in ("ontology", "void", "shapes"):
            yield f"/{stem}.{fmt.suffix}"
    for dump in published.dumps:
        yield f"/dumps/{dump.spec.filename}"
    static = Path(app.static_folder)
    for path in sorted(static.rglob("*")):
        if path.is_file():
            yield "/static/" + path.relative_to(static).as_posix()
    for entity in published.index.entities:
        slug = published.index.slug(entity)
        yield f"/page/{slug}"
        for fmt in RDF_FORMATS:
            yield f"/data/{slug}.{fmt.suffix}"


_HREF = re.compile(rb'(?:href|src)="([^"]+)"')
_LINK = re.compile(r"<([^>]+)>")
_LOC = re.compile(rb"<loc>([^<]+)</loc>")


def _links(headers, body: bytes) -> Iterator[str]:
    """Every URL a response points at: in its Link header, its HTML and a sitemap index."""
    yield from _LINK.findall(headers.get("Link", ""))
    content_type = headers.get("Content-Type", "")
    if content_type.startswith("text/html"):
        for raw in _HREF.findall(body):
            yield html.unescape(raw.decode())
    elif content_type.startswith("application/xml") and b"<sitemapindex" in body:
        for raw in _LOC.findall(body):
            yield html.unescape(raw.decode())


def _check_content_type(target: Target, content_type: str) -> None:
    expected = content_type_of(target.file)
    if expected is not None and expected != content_type:
        raise BuildError(
            f"{target.url}: the app sends Content-Type {content_type!r}, the web server would "
            f"send {expected!r} for {target.file}"
        )


def _template(layout: Layout, target: Target, headers: dict[str, str]) -> None:
    variables = dict(target.variables)
    variants = layout.templates.setdefault(target.route, {})
    if target.variant not in variants:
        variants[target.variant] = generalise(headers, variables)
    expected = render(variants[target.variant], variables)
    if expected != headers:
        raise BuildError(
            f"{target.url}: the app's headers {headers} differ from the template's {expected}"
        )


def _write(path: Path, body: bytes, headers) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    written = [path]
    media_type = headers.get("Content-Type", "").split(";")[0].strip()
    if media_type in COMPRESSIBLE and len(body) >= COMPRESS_MIN_SIZE:
        packed = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        if _pays(len(body), len(packed)):
            zipped = path.with_name(path.name + ".gz")
            zipped.write_bytes(packed)
            written.append(zipped)
    modified = headers.get("Last-Modified")
    if modified:
        stamp = parsedate_to_datetime(modified).timestamp()
        for p in written:
            os.utime(p, (stamp, stamp))


#: gzip level of the twins: 6 (zlib's default) makes files a few percent larger than 9 in a
#: fraction of the time.
GZIP_LEVEL = 6
#: A twin is written when it saves at least this many bytes and this share of the file: less
#: than a TCP segment saved is not worth a second file per document (issue 17).
TWIN_SAVES_BYTES = 1460
TWIN_SAVES_SHARE = 0.2


def _pays(size: int, packed: int) -> bool:
    """True when a gzip twin of ``packed`` bytes is worth writing beside ``size`` bytes."""
    saved = size - packed
    return saved >= TWIN_SAVES_BYTES and saved >= TWIN_SAVES_SHARE * size


def _write_error(public: Path, name: str, body: bytes) -> str:
    path = public / INTERNAL / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return f"/{INTERNAL}/{name}"


#: The 404 a static site answers for what the app would name by its IRI, and for live-only URLs.
UNKNOWN_THING = "nothing is known about this thing"
UNKNOWN_LIST = "there is no such list here"
LIVE_ONLY_HERE = (
    "this is a static copy of the dataset: search, SPARQL queries, filtered lists and "
    "server status need the live server"
)


def _error_pages(app, client: _Client, public: Path, layout: Layout) -> None:
    """The error bodies the web server answers with, made by the app itself."""
    from frkg.web import respond

    def save(name: str, body: bytes) -> None:
        layout.errors[name] = _write_error(public, name, body)

    # An unknown path, as the app answers it to scripts and to browsers.
    for ext, accept in (("txt", "text/plain"), ("html", "text/html")):
        status, _, body = client.get(f"/{INTERNAL}/no-such-path", {"Accept": accept})
        assert status == 404
        save(f"not-found.{ext}", body)
    views = base.views(app)
    with app.test_request_context("/"):
        for stem, message, offered in (
            ("thing-404", UNKNOWN_THING, (HTML, *RDF_FORMATS)),
            ("list-404", UNKNOWN_LIST, (JSON, HTML, *RDF_FORMATS)),
        ):
            for fmt in offered:
                save(f"{stem}.{fmt.suffix}", respond.error(404, "Not Found", message, fmt).data)
            save(f"{stem}.txt", respond.error(404, "Not Found", message).data)
        for name, endpoints in NEGOTIATED_ENDPOINTS.items():
            save(f"406-{name}.txt", views[endpoints[0]].not_acceptable().data)
        save("dynamic.html", respond.error(404, "Not Found", LIVE_ONLY_HERE, HTML).data)
        save("dynamic.txt", respond.error(404, "Not Found", LIVE_ONLY_HERE).data)


def _messages(urls: UrlSpace, client: _Client, layout: Layout) -> None:
    """The app's answers to requests a web server refuses by itself (400, 404, 405)."""
    for name, endpoints in NEGOTIATED_ENDPOINTS.items():
        # each negotiation's first endpoint decides ?format= before it looks at anything else
        url = urls.path(endpoints[0], **urls.placeholders(endpoints[0]))
        layout.unknown_format[name] = _asked(client, f"{url}?format=WORD", 400).replace(
            "'WORD'", "'{word}'"
        )
    for key, query in (
        ("property", ""),
        ("direction", "?property=p&direction=x"),
        ("page", "?property=p&page=0"),
    ):
        layout.bad_request[key] = _asked(client, f"/page/x/links{query}", 400)
    asked = _asked(client, "/data/x.SUFFIX", 404)
    layout.unknown_suffix = asked.replace(".SUFFIX", ".{suffix}")
    refused = client.client.post("/id/x")
    assert refused.status_code == 405
    layout.method_not_allowed = refused.get_data(as_text=True)


def _asked(client: _Client, url: str, expected: int) -> str:
    """The app's plain-text answer to ``url``, which must have the status ``expected``."""
    status, _, body = client.get(url, {"Accept": "text/plain"})
    if status != expected:
        raise BuildError(f"{url}: the app answers {status}, where the export expects {expected}")
    return body.decode()


def _see_other(slug: str) -> dict[str, str]:
    """The managed headers of the 303 of /id/{slug} (runs in a worker)."""
    status, headers, _ = _WORKER["client"].get(f"/id/{slug}", {"Accept": "text/html"})
    assert status == 303
    return {k: headers[k] for k in MANAGED_HEADERS if k in headers}


def _thing_headers(run, layout: Layout, published) -> None:
    """The 303 of /id/{slug}: its headers as a template, checked against every entity (asked
    by the workers: ``run`` maps a worker function over items)."""
    slugs = [published.index.slug(entity) for entity in published.index.entities]
    for slug, managed in zip(slugs, run(_see_other, slugs), strict=True):
        if not layout.thing_headers:
            layout.thing_headers = generalise(managed, {"slug": slug})
        if render(layout.thing_headers, {"slug": slug}) != managed:
            raise BuildError(f"/id/{slug}: the 303's headers differ from the template's")
