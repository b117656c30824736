"""Pick a representation: an explicit ``format=`` or URL suffix wins, else the Accept q-values.

Uses werkzeug's Accept parsing (RFC 9110 section 12.5.1); nothing here knows about Flask.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from frkg.formats import Format, family


class UnknownFormat(ValueError):
    """A ``format=`` value that names none of the offered formats."""

    def __init__(self, word: str, offers: Sequence[Format]) -> None:
        self.word = word
        self.offers = tuple(offers)
        names = ", ".join(f.keywords[0] if f.keywords else f.name for f in offers)
        super().__init__(f"unknown format {word!r}; available: {names}")


def choose(
    offers: Sequence[Format], accept: MIMEAccept, override: str | None = None
) -> Format | None:
    """The best of ``offers`` for a request, or None when nothing is acceptable (406).

    ``offers`` is in order of preference: on equal quality the earlier one wins, and a request
    without an Accept header (or with a bare ``*/*``) gets the first.
    ``override`` (a ``format=`` word) wins over Accept: it names one format, or a family
    (``n3``: Turtle and N-Triples), within which Accept still chooses; when Accept allows no
    member, the family's first. Raises :class:`UnknownFormat` when it names no offered format.
    """
    if override:
        members = family(override, tuple(offers))
        if not members:
            raise UnknownFormat(override, offers)
        if len(members) > 1 and accept:
            media = accept.best_match([m for f in members for m in f.media_types])
            if media is not None:
                return next(f for f in members if media in f.media_types)
        return members[0]
    if not accept:
        return offers[0]
    media = accept.best_match([m for f in offers for m in f.media_types])
    if media is None:
        return None
    return next(f for f in offers if media in f.media_types)


def choose_for_header(
    offers: tuple[Format, ...], accept: str | None, override: str | None = None
) -> Format | None:
    """:func:`choose` for a raw Accept header, remembering the answer for each header.

    Clients send the same few Accept headers again and again; parsing and matching one took
    a good part of a small response's time.
    """
    return _choose_cached(offers, accept or "", override or None)


@functools.lru_cache(maxsize=512)
def _choose_cached(
    offers: tuple[Format, ...], accept: str, override: str | None = None
) -> Format | None:
    # A profile parameter asks for a form of the format, not another format (JSON-LD 1.1
    # section 9): werkzeug would count it part of the type, and match no offer without it.
    return choose(offers, parse_accept_header(_PROFILE.sub("", accept), MIMEAccept), override)


#: ``;profile=...`` (quoted or not) in an Accept header.
_PROFILE = re.compile(r';\s*profile\s*=\s*(?:"[^"]*"|[^,;]*)', re.I)
#: The JSON-LD forms a ``profile`` parameter names (JSON-LD 1.1 section 9).
JSONLD_PROFILE = "http://www.w3.org/ns/json-ld#"
JSONLD_FORMS = ("expanded", "compacted", "flattened")


@functools.lru_cache(maxsize=256)
def jsonld_form(accept: str | None, word: str | None = None) -> str:
    """The JSON-LD form a request asks for: ``expanded``, ``compacted`` or ``flattened``.

    ``word`` (a ``?profile=`` value: a form's name or its profile URI) wins; else the
    ``profile`` parameter of the ``application/ld+json`` entry of ``accept`` with the highest
    q-value (its value is a space-separated list of URIs, JSON-LD 1.1 section 9). Compacted
    documents are flattened too, so a list naming both gets them. No profile: expanded.
    """
    if word:
        name = word.strip().removeprefix(JSONLD_PROFILE)
        return name if name in JSONLD_FORMS else "expanded"
    best: tuple[float, str] = (-1.0, "expanded")
    for entry in (accept or "").split(","):
        media, *params = [p.strip() for p in entry.split(";")]
        if media.lower() != "application/ld+json":
            continue
        values = dict(p.partition("=")[::2] for p in params)
        try:
            quality = float(values.get("q", "1"))
        except ValueError:
            quality = 0.0
        uris = values.get("profile", "").strip('"').split()
        forms = [u.removeprefix(JSONLD_PROFILE) for u in uris if u.startswith(JSONLD_PROFILE)]
        forms = [f for f in forms if f in JSONLD_FORMS]
        if quality > 0 and forms and quality > best[0]:
            chosen = "compacted" if "compacted" in forms else forms[0]
            best = (quality, chosen)
    return best[1]
