"""SPARQL 1.1 query text: its tokens, its form, whether it names SERVICE, its dataset clause.

Pure syntax, below every stage that reads query text: the SPARQL safety check
(:mod:`frkg.sparql.check`) decides on it, and the remote backend (:mod:`frkg.store.remote`)
forwards what it found. Nothing here runs a query or knows a store.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin

# SPARQL 1.1 terminals (https://www.w3.org/TR/sparql11-query/#sparqlGrammar), as far as needed to
# tell keywords apart from what only looks like one: strings, IRIs, comments, variables,
# prefixed names, blank node labels and language tags are single tokens.
_PN_CHARS_BASE = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"  # noqa: E501
_PN_CHARS = _PN_CHARS_BASE + "_\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_TOKEN = re.compile(
    rf"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''
               |\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'
               |"(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][{_PN_CHARS}]+)
    | (?P<bnode>_:[{_PN_CHARS}.]*)
    | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<pname>(?:[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)?
               :(?:[{_PN_CHARS}:%]|\\[^\s]|\.(?=[{_PN_CHARS}:%\\]))*)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_PROLOGUE = {"BASE", "PREFIX"}
QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
UPDATE_KEYWORDS = (
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "DROP",
    "CREATE",
    "ADD",
    "MOVE",
    "COPY",
    "WITH",
)


@dataclass(frozen=True)
class QueryShape:
    """What the tokenizer learnt about a query text, before anything parses or runs it."""

    form: str | None  # SELECT, CONSTRUCT, DESCRIBE, ASK, an update keyword, or None
    uses_service: bool
    has_dataset_clause: bool  # FROM or FROM NAMED

    @property
    def is_update(self) -> bool:
        """True when the text starts like a SPARQL update."""
        return self.form in UPDATE_KEYWORDS

    @property
    def returns_graph(self) -> bool:
        """True for CONSTRUCT and DESCRIBE (answered in an RDF format)."""
        return self.form in ("CONSTRUCT", "DESCRIBE")


def tokens(text: str) -> Iterator[re.Match[str]]:
    """The SPARQL tokens of ``text`` but white space and comments (``m.lastgroup`` names the
    kind: ``string``, ``iri``, ``var``, ``pname``, ``word`` ...)."""
    for m in _TOKEN.finditer(text):
        if m.lastgroup not in ("ws", "comment"):
            yield m


def _keywords(text: str) -> list[str]:
    return [m.group().upper() for m in _TOKEN.finditer(text) if m.lastgroup == "word"]


def scan(text: str) -> QueryShape:
    """Tokenize ``text`` and report its form, any SERVICE keyword and any dataset clause.

    Keywords are matched case-insensitively and only where SPARQL would read a keyword: not in
    strings, IRIs, comments, variables, prefixed names or language tags. The text is scanned a
    second time with ``\\uXXXX`` escapes decoded, as the SPARQL grammar (section 19.2) says a
    parser should, so that a SERVICE spelt with escapes is caught whichever way a parser reads it.
    """
    words = _keywords(text)
    if _UNICODE_ESCAPE.search(text):
        words += _keywords(_UNICODE_ESCAPE.sub(_unescape, text))
    form = next((w for w in words if w not in _PROLOGUE), None)
    return QueryShape(
        form=form if form in QUERY_FORMS or form in UPDATE_KEYWORDS else None,
        uses_service="SERVICE" in words,
        has_dataset_clause="FROM" in words,
    )


def _unescape(m: re.Match[str]) -> str:
    code = int(m.group(1) or m.group(2), 16)
    return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"


# -- the dataset clause ------------------------------------------------------------------------

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LOCAL_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class DatasetClause:
    """The ``FROM`` and ``FROM NAMED`` graphs a query names, and where they are in its text."""

    default: tuple[str, ...] = ()
    named: tuple[str, ...] = ()
    spans: tuple[tuple[int, int], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.spans)

    def strip(self, text: str) -> str:
        """``text`` without its dataset clauses (each replaced by a space)."""
        out, last = [], 0
        for start, end in self.spans:
            out.append(text[last:start])
            out.append(" ")
            last = end
        out.append(text[last:])
        return "".join(out)


def dataset_clause(
    text: str, base_iri: str | None = None, prefixes: Mapping[str, str] | None = None
) -> DatasetClause:
    """The dataset clauses of the query ``text``, their IRIs resolved.

    Prefixed names are expanded with the query's ``PREFIX`` declarations (after ``prefixes``, as
    pyoxigraph's ``prefixes`` argument), relative IRIs against ``BASE`` or ``base_iri``. A clause
    whose IRI cannot be resolved is left out: the query does not parse, and the parser says why.
    """
    known = dict(prefixes or {})
    base = base_iri
    found = list(tokens(text))
    default: list[str] = []
    named: list[str] = []
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(found):
        m = found[i]
        word = m.group().upper() if m.lastgroup == "word" else None
        after = found[i + 1] if i + 1 < len(found) else None
        if word == "PREFIX" and after is not None and after.lastgroup == "pname":
            value = found[i + 2] if i + 2 < len(found) else None
            if value is not None and value.lastgroup == "iri" and after.group().endswith(":"):
                resolved = _resolve(_iriref(value.group()), base)
                if resolved is not None:
                    known[after.group()[:-1]] = resolved
                i += 3
                continue
        if word == "BASE" and after is not None and after.lastgroup == "iri":
            base = _resolve(_iriref(after.group()), base) or base
            i += 2
            continue
        if word == "FROM":
            j = i + 1
            is_named = j < len(found) and found[j].group().upper() == "NAMED"
            if is_named:
                j += 1
            if j < len(found):
                source = found[j]
                iri = None
                if source.lastgroup == "iri":
                    iri = _resolve(_iriref(source.group()), base)
                elif source.lastgroup == "pname":
                    prefix, _, local = source.group().partition(":")
                    if prefix in known:
                        iri = known[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)
                if iri is not None:
                    (named if is_named else default).append(iri)
                    spans.append((m.start(), source.end()))
            i = j + 1
            continue
        i += 1
    return DatasetClause(tuple(default), tuple(named), tuple(spans))


def _iriref(token: str) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), token[1:-1])


def _resolve(iri: str, base: str | None) -> str | None:
    if _SCHEME.match(iri):
        return iri
    return urljoin(base, iri) if base else None
