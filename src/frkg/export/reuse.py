"""What the export computes once per process and reuses, where `frkg serve` makes it per request.

A build asks the app for every format of every page one after another, and every list a thing is
in shows it again: the same terms, list items, list pages, source pages and facet links are made
over and over. The store is read-only once loaded, so each is a pure function of its arguments,
and :func:`reused` memoises them for the length of a build, on the app's describer and browser
and in the list view's module (in the process that forks the workers, so each worker has its
own memo). The bytes of every file stay those the app sends; only the repeated work goes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager

import pyoxigraph as ox

from frkg.web import browse as web_browse

#: The formats of one list or source page come one after another (siblings are queued together):
#: a few recent pages suffice.
RECENT = 32


@contextmanager
def reused(app) -> Iterator[None]:
    """Memoise the app's terms, list items, list and source pages and facet links."""
    describer = app.extensions["frkg.describer"]
    browser = app.extensions["frkg.publication"].browser
    patched = [
        (describer, "term", _terms(describer.term)),
        (browser, "item", _items(browser.item)),
        (browser, "listing", _listings(browser.listing)),
        (browser, "derived", _recent(browser.derived)),
        (web_browse, "_facet_links", _facet_links(web_browse._facet_links)),
    ]
    before = [(owner, name, getattr(owner, name)) for owner, name, _ in patched]
    for owner, name, memoised in patched:
        setattr(owner, name, memoised)  # on an instance, it hides the method
    try:
        yield
    finally:
        for owner, name, original in before:
            if owner is web_browse:
                setattr(owner, name, original)
            else:
                delattr(owner, name)  # the method again


def _terms(term: Callable) -> Callable:
    """``Describer.term`` memoised for IRIs (a blank node's or literal's term depends on more)."""
    known: dict[str, object] = {}

    def memoised(node, *, depth: int = 0, closure: dict | None = None):
        if type(node) is not ox.NamedNode:
            return term(node, depth=depth, closure=closure)
        found = known.get(node.value)
        if found is None:
            found = known[node.value] = term(node)
        return found

    return memoised


def _items(item: Callable) -> Callable:
    """``Browser.item`` memoised: a thing is an item of every list of its classes and sources."""
    known: dict[str, object] = {}

    def memoised(node: ox.NamedNode):
        found = known.get(node.value)
        if found is None:
            found = known[node.value] = item(node)
        return found

    return memoised


def _listings(listing: Callable) -> Callable:
    """``Browser.listing`` memoised for the last pages (filters are lists: keyed as tuples)."""
    recent = _recent(lambda cls, filters, page: listing(cls, dict(filters), page))

    def memoised(cls: str, filters: Mapping[str, Sequence[str]], page: int = 1):
        return recent(cls, tuple((k, tuple(v)) for k, v in filters.items()), page)

    return memoised


def _facet_links(facet_links: Callable) -> Callable:
    """A list page's facet links, made once per list and filters: they lead to each list's first
    page, so every page of a list has the same (a class's facets grow with the data)."""
    known: dict[tuple, tuple[object, list]] = {}

    def memoised(iri: str, result):
        key = (iri, tuple((k, tuple(v)) for k, v in result.filters.items()))
        found = known.get(key)
        if found is None or found[0] is not result.facets:
            found = known[key] = (result.facets, facet_links(iri, result))
        return found[1]

    return memoised


def _recent(function: Callable) -> Callable:
    """``function`` memoised for its last :data:`RECENT` distinct arguments (positional)."""
    known: OrderedDict = OrderedDict()

    def memoised(*args):
        if args in known:
            known.move_to_end(args)
            return known[args]
        found = known[args] = function(*args)
        if len(known) > RECENT:
            known.popitem(last=False)
        return found

    return memoised
