"""Content negotiation as an ordered list of regular expressions, for web servers without q-values.

nginx's ``map`` and Apache's ``RewriteCond`` can only test the ``Accept`` header against regular
expressions, first match wins. :func:`accept_rules` turns one negotiation of the app (its offers
in order of preference, decided by :func:`frkg.negotiate.choose`) into such a list, arranged so
that the first matching rule gives the answer the app gives:

1. q-values are compared in buckets of one decimal (1, 0.9, ..., 0.1, then anything above 0):
   all rules of a higher bucket come before any rule of a lower one;
2. in a bucket, a named media type comes before ``type/*``, which comes before ``*/*``
   (RFC 9110 section 12.5.1: the more specific range applies);
3. among equals, the offers' own order (the server's preference) decides;
4. a wildcard gives a format only for a media type of it that the header does not name
   explicitly (a named type carries its own q, ``q=0`` included, which the wildcard cannot
   raise);
5. no ``Accept`` header (or an empty one) gives the first offer; nothing matching gives the
   fallback (406 where there is none).

What a first-match list cannot do (documented in docs/static-export.md and asserted by
``tests/test_static_export.py``): two q-values in the same bucket (``0.85`` and ``0.8``) count as
equal, so the server's order decides between them; media-type parameters other than ``q``
(``text/html;level=1``) never match, as in werkzeug. Nothing here imports Flask.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from frkg.formats import Format, by_keyword
from frkg.negotiate import choose

#: q-value buckets, highest first: (name, the ``;q=...`` part a media range must carry).
#: Bucket "1" also takes a range without a q parameter (q defaults to 1).
Q_BUCKETS: tuple[tuple[str, str], ...] = (
    ("1", r"(?:;\s*q=1(?:\.0*)?\s*)?"),
    *((f"0.{d}", rf";\s*q=0?\.{d}\d*\s*") for d in range(9, 0, -1)),
    ("0.0x", r";\s*q=0?\.0+[1-9]\d*\s*"),
)


@dataclass(frozen=True)
class Rule:
    """One case-insensitive regular expression over the Accept header and the choice it gives."""

    pattern: str
    choice: str
    why: str  # a short comment for the generated configuration


@dataclass(frozen=True)
class Negotiation:
    """One negotiation of the app: named choices (file suffixes) and their media types.

    ``decide`` is the app's own decision for an Accept header (None: nothing acceptable);
    ``fallback`` is what the web server answers when no rule matches ("" means 406).
    """

    name: str
    choices: tuple[tuple[str, tuple[str, ...]], ...]
    decide: Callable[[str | None], str | None]
    fallback: str = ""

    @property
    def first(self) -> str:
        """What a request without Accept gets."""
        return self.decide(None) or self.fallback

    @property
    def media_types(self) -> list[str]:
        """Every media type offered, in the server's order of preference (first owner wins)."""
        seen: list[str] = []
        for _, types in self.choices:
            seen.extend(m for m in types if m not in seen)
        return seen


def for_formats(name: str, offers: Sequence[Format]) -> Negotiation:
    """The negotiation among ``offers`` as :func:`frkg.negotiate.choose` does it."""
    offers = tuple(offers)

    def decide(accept: str | None) -> str | None:
        parsed = parse_accept_header(accept, MIMEAccept) if accept else MIMEAccept()
        found = choose(offers, parsed)
        return found.suffix if found else None

    return Negotiation(name, tuple((f.suffix, f.media_types) for f in offers), decide)


def for_error_pages() -> Negotiation:
    """HTML for browsers, plain text for everything else (as :mod:`frkg.web.errors` decides)."""

    def decide(accept: str | None) -> str:
        parsed = parse_accept_header(accept, MIMEAccept) if accept else MIMEAccept()
        return "html" if parsed.best_match(["text/plain", "text/html"]) == "text/html" else "txt"

    return Negotiation(
        "error", (("txt", ("text/plain",)), ("html", ("text/html",))), decide, fallback="txt"
    )


def _token(media_range: str, q: str) -> str:
    return rf"(?:^|,)\s*{re.escape(media_range)}\s*{q}(?:,|$)"


def _named(media_type: str) -> str:
    # the media type named with any parameters, q=0 included
    return rf"(?:^|,)\s*{re.escape(media_type)}\s*(?:;[^,]*)?(?:,|$)"


def accept_rules(negotiation: Negotiation) -> list[Rule]:
    """The ordered rules that reproduce ``negotiation`` on the Accept header (see module doc)."""
    types = negotiation.media_types
    owner = {m: negotiation.decide(m) for m in types}
    majors = list(dict.fromkeys(m.split("/")[0] + "/*" for m in types))
    # First, and cheap: a header that names no offered type and no wildcard covering one gets
    # the fallback at once, instead of after every rule below.
    anything = "|".join(_named(m) for m in (*types, *majors, "*/*"))
    rules: list[Rule] = [
        Rule(rf"^(?!.*(?:{anything}))", negotiation.fallback, "nothing offered is named")
    ]
    for bucket, q in Q_BUCKETS:
        for m in types:
            rules.append(Rule(_token(m, q), owner[m], f"{m} at q {bucket}"))
        # type/* before */*; each in the server's order of the media types it covers
        for m in types:
            major = m.split("/")[0] + "/*"
            rules.append(
                Rule(
                    rf"^(?!.*{_named(m)}).*{_token(major, q)}",
                    owner[m],
                    f"{major} at q {bucket}, {m} not named",
                )
            )
        for m in types:
            major = m.split("/")[0] + "/*"
            rules.append(
                Rule(
                    rf"^(?!.*(?:{_named(m)}|{_named(major)})).*{_token('*/*', q)}",
                    owner[m],
                    f"*/* at q {bucket}, neither {m} nor {major} named",
                )
            )
    return rules


def simulate(negotiation: Negotiation, accept: str | None) -> str:
    """What the generated rules answer for ``accept`` ("" for 406), as the web server would."""
    if not accept:
        return negotiation.first
    for pattern, choice in _compiled(negotiation):
        if pattern.search(accept):
            return choice
    return negotiation.fallback


@cache
def _compiled(negotiation: Negotiation) -> list[tuple[re.Pattern, str]]:
    return [(re.compile(r.pattern, re.IGNORECASE), r.choice) for r in accept_rules(negotiation)]


def format_words(offers: Sequence[Format]) -> dict[str, str]:
    """``?format=`` values (as they arrive in a query string, raw and percent-encoded) -> suffix.

    The same words :func:`frkg.formats.by_keyword` accepts: keywords, media types, aliases and
    suffixes; the first offer naming a word owns it.
    """
    words: dict[str, str] = {}
    for f in offers:
        for word in (*f.keywords, *f.media_types, f.suffix):
            if not word:
                continue
            found = by_keyword(word, tuple(offers))
            if found is None:
                continue
            for spelling in (word, quote(word, safe=""), quote(word, safe="/")):
                words.setdefault(spelling.lower(), found.suffix)
    return words
