"""Jinja2 setup: autoescape (Flask's default for .html), helpers the templates share."""

from __future__ import annotations

import functools
from urllib.parse import quote

from flask import Flask, current_app, request, url_for
from markupsafe import Markup

from frkg.formats import RDF_FORMATS
from frkg.publish.terms import Term


def init_app(app: Flask) -> None:
    """Register the template helpers on ``app``."""
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals.update(href=href, rdf_formats=RDF_FORMATS, url_for=cached_url_for)
    app.jinja_env.filters["script_json"] = script_json


def cached_url_for(endpoint: str, **values) -> str:
    """``url_for``, remembered: a page links to the same few URLs on every request.

    A relative URL depends only on the app's routes, the endpoint, the values and the script
    root, which are the key. Building one through the routing machinery took longer than
    rendering the rest of a small page.
    """
    if values.get("_external"):
        return url_for(endpoint, **values)
    try:
        key = tuple(sorted(values.items()))
        hash(key)
    except TypeError:  # a list value: not a key, and rare
        return url_for(endpoint, **values)
    return _remembered(id(current_app._get_current_object()), request.script_root, endpoint, key)


@functools.lru_cache(maxsize=4096)
def _remembered(app: int, root: str, endpoint: str, values: tuple) -> str:
    return url_for(endpoint, **dict(values))


#: What werkzeug's URL converters leave unquoted in a path segment (``url_for`` does the same).
PATH_SAFE = "!$&'()*+,/:;=@"


def href(term: Term) -> str | None:
    """Where a link to ``term`` goes: its page here, its ontology entry, or its web address."""
    if term.slug is not None:
        # What url_for("entities.page", slug=...) gives, written directly (a page has hundreds).
        return f"{request.script_root}/page/{quote(term.slug, safe=PATH_SAFE)}"
    if term.fragment is not None:
        return cached_url_for("ontology.representation", ext="html") + "#" + term.fragment
    return term.url


def script_json(text: str) -> Markup:
    """JSON made safe inside ``<script>``: no ``<``, ``>`` or ``&`` can end or confuse the block.

    Each is written as its JSON ``\\u`` escape, which parses to the same string, so a literal
    containing ``</script>`` or ``<!--`` stays data (HTML, "script data" parsing state).
    """
    safe = (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return Markup(safe)
