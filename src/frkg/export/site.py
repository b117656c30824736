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
and ``/browse?class=`` need a live server (:data:`DYNAMIC`). Text files of 1 KiB or more get a
gzip twin (``file.gz``) that the web server sends to clients accepting gzip, and every file's
modification time is the ``Last-Modified`` the app sent, so validators agree with the data.

This module defines no view and no Flask API of its own: it is a client of the app, through
Flask's test client (the code ``frkg serve`` runs). The few error bodies the app only makes
for a particular IRI are rendered by the app's own :func:`frkg.web.respond.error`, with a
message that names no IRI.
"""

from __future__ import annotations

import gzip
import html
import multiprocessing
import os
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from hashlib import sha1
from pathlib import Path
from urllib.parse import parse_qs, quote, quote_plus, urlencode, urlsplit

from frkg.export import conneg_rules
from frkg.export.conneg_rules import Negotiation
from frkg.formats import HTML, JSON, RDF_FORMATS, by_keyword, content_type_of

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
#: Paths only a live server answers (and lists with facet filters, and ``/browse?class=``).
DYNAMIC = ("/search", "/sparql", "/health")
#: Slugs and class names a web server can put in a path and a header safely.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~:-]*")
#: Where the web server finds the error bodies (never served directly).
INTERNAL = "_frkg"

#: Offers of each negotiated URL space, from the web modules (the same objects they use).
THING, RDF, LIST, INDEX, ERROR = "thing", "rdf", "list", "index", "error"


def negotiations() -> dict[str, Negotiation]:
    """Every negotiation a static site reproduces, by name, built from the app's own offers."""
    from frkg.web import browse, entities, ontology, shapes, void

    # /ontology, /void and /shapes negotiate among the same formats as things; the static
    # configuration relies on it, so say so loudly if that ever changes.
    assert ontology.OFFERS == void.OFFERS == shapes.OFFERS == entities.THING_OFFERS
    return {
        THING: conneg_rules.for_formats(THING, entities.THING_OFFERS),
        RDF: conneg_rules.for_formats(RDF, RDF_FORMATS),
        LIST: conneg_rules.for_formats(LIST, browse.OFFERS),
        INDEX: conneg_rules.for_formats(INDEX, browse.INDEX_OFFERS),
        ERROR: conneg_rules.for_error_pages(),
    }


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


_SUFFIXES = "|".join(f.suffix for f in (HTML, *RDF_FORMATS))


def classify(url: str, base: str) -> Target | str | None:
    """The file an app URL is exported to, "dynamic" for live-only URLs, or None (no file)."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        if not url.startswith(base):
            return None  # another site
        parts = urlsplit("/" + url[len(base) :])
    path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
    rdf = "|".join(f.suffix for f in RDF_FORMATS)
    if path == "/":
        return Target("/", "index.html", "fixed", "html")
    if path in ("/robots.txt", "/sitemap.xml") or re.fullmatch(r"/sitemap-\d+\.xml", path):
        return Target(path, path[1:], "fixed", path.rsplit(".", 1)[1])
    if m := re.fullmatch(rf"/(ontology|void|shapes)\.({_SUFFIXES})", path):
        return Target(path, path[1:], "fixed", m[2])
    if m := re.fullmatch(r"/(dumps|static)/([^?#]+)", path):
        if ".." in m[2].split("/"):
            return None
        return Target(path, path[1:], "fixed", path.rsplit(".", 1)[-1])
    if re.fullmatch(r"/ontology/[A-Za-z0-9._~-]+", path):
        return Target(path, "", "redirect", "")
    if path in DYNAMIC or path.startswith("/ontology/"):
        return "dynamic"
    if m := re.fullmatch(r"/page/([^/]+)", path):
        return _entity_target(path, "page", m[1], "html", f"page/{m[1]}.html")
    if m := re.fullmatch(r"/page/([^/]+)/links", path):
        return _links_target(m[1], query)
    if m := re.fullmatch(rf"/data/([^/]+)\.({rdf})", path):
        return _entity_target(path, "data", m[1], m[2], path[1:])
    if path == "/browse":
        if set(query) - {"format"}:
            return "dynamic"
        return _list_targets("browse-index", "/browse", "browse/index", INDEX, query, ())
    if m := re.fullmatch(r"/browse/([^/]+)", path):
        if set(query) - {"format", "page"}:
            return "dynamic"  # facet filters
        page = query.get("page", ["1"])[0]
        if not re.fullmatch(r"[1-9]\d*", page):
            return None
        variables = (("name", m[1]), ("page", page))
        return _list_targets("browse", path, f"browse/{m[1]}/{page}", LIST, query, variables)
    if m := re.fullmatch(r"/source/([^/]+)", path):
        if set(query) - {"format"}:
            return None
        return _list_targets("source", path, f"source/{m[1]}", LIST, query, (("slug", m[1]),))
    return None


def _entity_target(path: str, route: str, slug: str, ext: str, file: str) -> Target:
    _check_name(slug, path)
    return Target(path, file, route, ext, (("slug", slug),))


def _check_name(name: str, url: str) -> None:
    if not SAFE_NAME.fullmatch(name):
        raise BuildError(
            f"{url}: {name!r} cannot be exported safely; slugs and class names must match "
            f"{SAFE_NAME.pattern}"
        )


def _links_target(slug: str, query: dict) -> Target | None:
    prop = query.get("property", [""])[0]
    direction = query.get("direction", ["out"])[0]
    page = query.get("page", ["1"])[0]
    if not prop or direction not in ("in", "out") or not re.fullmatch(r"[1-9]\d*", page):
        return None
    _check_name(slug, f"/page/{slug}/links")
    url = f"/page/{slug}/links?" + urlencode(
        {"property": prop, "direction": direction, "page": page}
    )
    file = f"page/{slug}/links/{direction}-{property_key(prop)}-{page}.html"
    variables = (("slug", slug), ("property", prop), ("direction", direction), ("page", page))
    return Target(url, file, "links", "html", variables)


def _list_targets(route, path, stem, offers_name, query, variables) -> Target | None:
    """A list URL: one Target for its format (every format is expanded by the crawler)."""
    for _, value in variables:
        _check_name(value, path)
    word = query.get("format", [""])[0]
    fmt = by_keyword(word, _offers(offers_name)) if word else _offers(offers_name)[0]
    if fmt is None:
        return None
    page = dict(variables).get("page")
    args = {"page": page} if page and page != "1" else {}
    args["format"] = fmt.keywords[0]
    return Target(f"{path}?{urlencode(args)}", f"{stem}.{fmt.suffix}", route, fmt.suffix, variables)


def _offers(name: str):
    from frkg.web import browse

    return browse.INDEX_OFFERS if name == INDEX else browse.OFFERS


def _siblings(target: Target) -> list[Target]:
    """The same resource in every format its URL space offers (lists are negotiated)."""
    if target.route not in ("browse-index", "browse", "source"):
        return []
    offers = _offers(INDEX if target.route == "browse-index" else LIST)
    out = []
    for fmt in offers:
        path = target.url.split("?")[0]
        query = parse_qs(urlsplit(target.url).query)
        query["format"] = [fmt.keywords[0]]
        found = classify(f"{path}?{urlencode(query, doseq=True)}", "")
        if isinstance(found, Target):
            out.append(found)
    return out


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
    """The app's WSGI test client, returning (status, headers, body) with managed headers only."""

    def __init__(self, app) -> None:
        self.client = app.test_client()

    def get(self, url: str, headers: dict[str, str] | None = None):
        response = self.client.get(url, headers=headers or {})
        try:
            return response.status_code, response.headers, response.get_data()
        finally:
            response.close()  # static files are sent from an open file


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


def _fetch(target: Target) -> _Fetched:
    """Fetch ``target`` through the app; write its file when it is a 200 (runs in a worker)."""
    client, public = _WORKER["client"], _WORKER["public"]
    status, headers, body = client.get(target.url)
    kept = {k: headers[k] for k in (*MANAGED_HEADERS, "Content-Type", "Location") if k in headers}
    if status != 200:
        return _Fetched(target, status, kept, [], body if status == 406 else b"")
    _write(public / target.file, body, headers)
    return _Fetched(target, status, kept, list(_links(headers, body)))


@contextmanager
def _workers(app, public: Path, jobs: int):
    """A function that fetches a batch of targets, with ``jobs`` forked processes."""
    _WORKER.update(client=_Client(app), public=public)
    try:
        if jobs <= 1:
            yield lambda batch: map(_fetch, batch)
            return
        # fork: the workers share the loaded store and indexes copy-on-write, as gunicorn's do
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            yield lambda batch: pool.imap_unordered(_fetch, batch, chunksize=32)
    finally:
        _WORKER.clear()


def build(app, outdir: Path, jobs: int = 1) -> Layout:
    """Export everything ``app`` serves that a static host can serve into ``outdir/public``.

    ``jobs`` processes fetch and write in parallel (forked from this one, after the app is
    built); the walk goes breadth first, one level of links at a time.
    """
    kg = app.extensions["frkg"]
    published = app.extensions["frkg.publication"]
    base = kg.base
    public = outdir / "public"
    if public.exists():
        shutil.rmtree(public)
    public.mkdir(parents=True)
    layout = Layout(base, negotiations())
    client = _Client(app)

    queue: list[Target] = []
    seen: set[str] = set()
    looked_at: set[str] = set()  # pages link the same URLs again and again

    def enqueue(link: str) -> None:
        if link in looked_at:
            return
        looked_at.add(link)
        found = classify(link, base)
        if found == "dynamic":
            layout.dynamic[urlsplit(link).path] += 1
        elif isinstance(found, Target) and found.file not in seen:
            for t in [found, *_siblings(found)]:
                if t.file not in seen:
                    seen.add(t.file)
                    queue.append(t)

    for seed in _seeds(app, published):
        enqueue(seed)

    with _workers(app, public, jobs) as fetch_all:
        while queue:
            batch, queue = queue, []
            for fetched in fetch_all(batch):
                _record(layout, public, fetched)
                for link in fetched.links:
                    enqueue(link)
    _errors(app, client, public, layout)
    _thing_headers(client, layout, published)
    layout.settle()
    return layout


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
    from frkg.web.headers import COMPRESS_MIN_SIZE, COMPRESSIBLE

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    written = [path]
    media_type = headers.get("Content-Type", "").split(";")[0].strip()
    if media_type in COMPRESSIBLE and len(body) >= COMPRESS_MIN_SIZE:
        zipped = path.with_name(path.name + ".gz")
        zipped.write_bytes(gzip.compress(body, compresslevel=9, mtime=0))
        written.append(zipped)
    modified = headers.get("Last-Modified")
    if modified:
        stamp = parsedate_to_datetime(modified).timestamp()
        for p in written:
            os.utime(p, (stamp, stamp))


def _write_error(public: Path, name: str, body: bytes) -> str:
    path = public / INTERNAL / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return f"/{INTERNAL}/{name}"


def _errors(app, client: _Client, public: Path, layout: Layout) -> None:
    """The error bodies the web server answers with, made by the app itself."""
    from frkg.negotiate import UnknownFormat
    from frkg.web import respond

    def save(name: str, body: bytes | str) -> None:
        data = body.encode() if isinstance(body, str) else body
        layout.errors[name] = _write_error(public, name, data)

    # An unknown path, as the app answers it to scripts and to browsers.
    for ext, accept in (("txt", "text/plain"), ("html", "text/html")):
        status, _, body = client.get(f"/{INTERNAL}/no-such-path", {"Accept": accept})
        assert status == 404
        save(f"not-found.{ext}", body)
    with app.test_request_context("/"):
        for fmt in (HTML, *RDF_FORMATS):
            save(
                f"thing-404.{fmt.suffix}",
                respond.error(404, "Not Found", "nothing is known about this thing", fmt).data,
            )
        save(
            "thing-404.txt",
            respond.error(404, "Not Found", "nothing is known about this thing").data,
        )
        for fmt in (JSON, HTML, *RDF_FORMATS):
            save(
                f"list-404.{fmt.suffix}",
                respond.error(404, "Not Found", "there is no such list here", fmt).data,
            )
        save("list-404.txt", respond.error(404, "Not Found", "there is no such list here").data)
        what = {THING: "a description of this thing", RDF: "this document", LIST: "this list"}
        what[INDEX] = "the index of classes"
        for name, offers in (
            (THING, (*RDF_FORMATS, HTML)),
            (RDF, RDF_FORMATS),
            (LIST, _offers(LIST)),
            (INDEX, _offers(INDEX)),
        ):
            save(f"406-{name}.txt", respond.not_acceptable(offers, what[name]).data)
            message = str(UnknownFormat("{word}", offers))
            layout.unknown_format[name] = f"400 Bad Request: {message}\n"
        static = (
            "this is a static copy of the dataset: search, SPARQL queries, filtered lists and "
            "server status need the live server"
        )
        save("dynamic.html", respond.error(404, "Not Found", static, HTML).data)
        save("dynamic.txt", respond.error(404, "Not Found", static).data)
    status, _, body = client.get("/data/x.SUFFIX")
    assert status == 404
    layout.unknown_suffix = body.decode().replace(".SUFFIX", ".{suffix}")
    refused = client.client.post("/id/x")
    assert refused.status_code == 405
    layout.method_not_allowed = refused.get_data(as_text=True)


def _thing_headers(client: _Client, layout: Layout, published) -> None:
    """The 303 of /id/{slug}: its headers as a template, checked against every entity."""
    for entity in published.index.entities:
        slug = published.index.slug(entity)
        status, headers, _ = client.get(f"/id/{slug}", {"Accept": "text/html"})
        assert status == 303
        managed = {k: headers[k] for k in MANAGED_HEADERS if k in headers}
        if not layout.thing_headers:
            layout.thing_headers = generalise(managed, {"slug": slug})
        if render(layout.thing_headers, {"slug": slug}) != managed:
            raise BuildError(f"/id/{slug}: the 303's headers differ from the template's")
