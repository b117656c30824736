"""For crawlers: ``/sitemap.xml`` lists every entity page; ``/robots.txt`` points at it.

The sitemap follows the sitemaps.org protocol 0.9: at most 50,000 URLs per file, so a larger
dataset gets a sitemap index (``/sitemap.xml``) of numbered sitemaps (``/sitemap-{n}.xml``).
Every entity of the dataset has its page there, with the data's modification date; so do the
pages about the dataset (home, ontology, shapes, VoID, the class lists). ``robots.txt`` keeps
crawlers off URLs without end (search results, SPARQL queries, facet combinations).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, url_for

from frkg.namespaces import page_iri
from frkg.web import base, headers
from frkg.web.base import View
from frkg.web.context import knowledge_graph, publication

bp = Blueprint("crawlers", __name__)

#: Files for crawlers: not negotiated, not meant for cross-origin scripts.
FILE = View()

#: The sitemaps.org limit of URLs per sitemap file.
SITEMAP_LIMIT = 50_000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XML = "application/xml; charset=utf-8"


def _absolute(path: str) -> str:
    return knowledge_graph().base + path.lstrip("/")


def sitemap_urls() -> list[str]:
    """Every URL the sitemap lists: the site's own pages, then every entity page."""
    published = publication()
    browser = published.browser
    pages = [
        url_for("home.index"),
        url_for("browse.index"),
        url_for("ontology.representation", ext="html"),
        url_for("shapes.representation", ext="html"),
        url_for("void.representation", ext="html"),
    ]
    for cls in published.index.listed_classes():
        name = browser.class_name(cls)
        if name:
            pages.append(url_for("browse.listing", name=name))
    base = knowledge_graph().base
    own = [_absolute(p) for p in pages]
    return own + [page_iri(base, published.index.slug(e)) for e in published.index.entities]


def _xml(body: str) -> Response:
    response = Response(body, 200, content_type=XML)
    return headers.cacheable(response, "sitemap")


@base.route(bp, "/sitemap.xml", FILE)
def sitemap() -> Response:
    """The sitemap, or a sitemap index when there are more URLs than one sitemap may hold."""
    urls = sitemap_urls()
    if len(urls) <= SITEMAP_LIMIT:
        return _xml(_urlset(urls))
    parts = -(-len(urls) // SITEMAP_LIMIT)
    lastmod = knowledge_graph().modified.date().isoformat()
    entries = "".join(
        f"<sitemap><loc>{escape(_absolute(url_for('crawlers.part', number=n)))}</loc>"
        f"<lastmod>{lastmod}</lastmod></sitemap>\n"
        for n in range(1, parts + 1)
    )
    return _xml(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">\n'
        f"{entries}</sitemapindex>\n"
    )


@base.route(bp, "/sitemap-<int:number>.xml", FILE)
def part(number: int) -> Response:
    """One numbered sitemap of a sitemap index."""
    urls = sitemap_urls()
    chunk = urls[(number - 1) * SITEMAP_LIMIT : number * SITEMAP_LIMIT]
    if number < 1 or not chunk or len(urls) <= SITEMAP_LIMIT:
        abort(404, f"there is no sitemap {number}; start from /sitemap.xml")
    return _xml(_urlset(chunk))


def _urlset(urls: list[str]) -> str:
    lastmod = knowledge_graph().modified.date().isoformat()
    entries = "".join(
        f"<url><loc>{escape(u)}</loc><lastmod>{lastmod}</lastmod></url>\n" for u in urls
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n'
        f"{entries}</urlset>\n"
    )


@base.route(bp, "/robots.txt", FILE)
def robots() -> Response:
    """Allow all but endless URL spaces (RFC 9309); name the sitemap (sitemaps.org)."""
    lines = [
        "User-agent: *",
        "Disallow: /search",
        "Disallow: /sparql?",
        "Disallow: /browse/*?",
        "Disallow: /page/*/links",
        "",
        f"Sitemap: {_absolute(url_for('crawlers.sitemap'))}",
    ]
    response = Response("\n".join(lines) + "\n", 200, content_type="text/plain; charset=utf-8")
    return headers.cacheable(response, "robots")
