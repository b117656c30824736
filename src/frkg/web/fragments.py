"""``/fragments``: Triple Pattern Fragments (the Linked Data Fragments specification).

``/fragments?subject=&predicate=&object=&page=N``: the triples of the default graph matching
one pattern, :data:`~frkg.publish.fragments.PAGE_SIZE` a page, with the exact count and the
Hydra controls (search template, first/previous/next/last pages), in HTML or RDF by
``?format=`` or Accept. A fragment is a cheap, bounded question whose answer is the same until
the data changes: every answer has an ETag and may be reused for a day
(``Cache-Control: public, max-age=86400``).
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, request
from werkzeug.exceptions import BadRequest

from frkg import formats
from frkg.formats import HTML, RDF_FORMATS
from frkg.namespaces import prefixes
from frkg.publish import fragments
from frkg.web import base, headers, respond
from frkg.web.base import View
from frkg.web.context import knowledge_graph

bp = Blueprint("fragments", __name__)

FRAGMENTS = View(
    offers=(*RDF_FORMATS, HTML),
    what="this fragment",
    public=True,
    twins=base.with_format("fragments.fragment"),
)
#: Seconds a fragment may be reused without asking again.
MAX_AGE = 86400
#: The highest page number asked for (far past the last page of any pattern here).
MAX_PAGE = 1_000_000


@base.route(bp, "/fragments", FRAGMENTS)
def fragment() -> Response:
    """One page of the fragment of ``?subject=&predicate=&object=``."""
    fmt = FRAGMENTS.choose()
    try:
        pattern = tuple(
            fragments.parse_term(position, request.args.get(position))
            for position in fragments.POSITIONS
        )
    except fragments.BadPattern as e:
        raise BadRequest(
            f'{e} (use an IRI, a literal such as "text"@en, or leave it empty)'
        ) from None
    page = base.whole_number("page", 1, 1, MAX_PAGE)
    if fmt is None:
        return FRAGMENTS.not_acceptable()
    kg = knowledge_graph()
    query = request.query_string.decode("latin-1")
    requested = fragments.fragments_url(kg.base) + (f"?{query}" if query else "")
    found = fragments.select(kg, pattern, page, requested)
    values = {k: v for k, v in request.args.items() if k != "format"}
    alternates = FRAGMENTS.alternates(fmt, **values)
    if fmt is HTML:
        response = respond.html(
            "fragments.html",
            fragment=found,
            terms=[fragments.explicit(t) if t is not None else "" for t in pattern],
            rows=[tuple(str(x) for x in (t.subject, t.predicate, t.object)) for t in found.triples],
            links=_page_links(found),
            alternates=FRAGMENTS.alternates(HTML, **values),
        )
    else:
        quads = fragments.quads(found, with_graphs=fmt.holds_quads)
        body = formats.serialize(fmt, quads, prefixes(kg.base))
        response = Response(body, content_type=fmt.content_type)
    headers.link_alternates(response, alternates, None)
    digest = hashlib.sha1(found.page_url.encode()).hexdigest()[:16]
    headers.cacheable(response, f"fragment-{digest}-{fmt.name}")
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


def _page_links(found: fragments.Fragment) -> list[tuple[str, str]]:
    """(label, path) of the first, previous, next and last pages, as the page shows them."""
    kg = knowledge_graph()
    root = request.script_root + "/"

    def path(number: int) -> str:
        return root + found.page_link(number)[len(kg.base) :]

    links = [("first", path(1))]
    if found.page > 1:
        links.append(("previous", path(min(found.page, found.pages + 1) - 1)))
    if found.page < found.pages:
        links.append(("next", path(found.page + 1)))
    links.append(("last", path(found.pages)))
    return links
