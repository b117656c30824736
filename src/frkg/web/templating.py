"""Jinja2 setup: autoescape (Flask's default for .html), helpers the templates share."""

from __future__ import annotations

from flask import Flask, url_for
from markupsafe import Markup

from frkg.describe import Term
from frkg.formats import RDF_FORMATS


def init_app(app: Flask) -> None:
    """Register the template helpers on ``app``."""
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals.update(href=href, rdf_formats=RDF_FORMATS)
    app.jinja_env.filters["script_json"] = script_json


def href(term: Term) -> str | None:
    """Where a link to ``term`` goes: its page here, its ontology entry, or its web address."""
    if term.slug is not None:
        return url_for("entities.page", slug=term.slug)
    if term.fragment is not None:
        return url_for("ontology.representation", ext="html") + "#" + term.fragment
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
