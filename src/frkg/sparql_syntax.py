"""SPARQL 1.1 query syntax: parse a query text, decide on the parse, and write it back canonically.

:func:`parse` reads a query the way the SPARQL 1.1 grammar does
(https://www.w3.org/TR/sparql11-query/#sparqlGrammar, section 19) and returns a
:class:`ParsedQuery`: its form, its dataset clause with the IRIs resolved, and its tokens.
It raises :class:`UpdateOperation` for SPARQL Update text, :class:`ServiceClause` for a query
that uses SERVICE anywhere (subqueries, EXISTS, OPTIONAL, a variable as the endpoint) and
:class:`SyntaxProblem` for anything else that is not a SPARQL 1.1 query.

The engine is never given the text a client sent: :meth:`ParsedQuery.text` writes the query
back from its tokens, one space between tokens, without comments or codepoint escapes, strings
and IRIs in one safe spelling, so that any SPARQL parser reads the tokens the checker read. A
parser that splits text differently (pyoxigraph's reads ``trueSERVICE<x>`` as ``true SERVICE
<x>``, and ``?a <?b&&?c> ?d`` as ``?a < ?b && ?c > ?d``) can therefore only run what was checked.

How the text is read, and where this is stricter than the grammar so that no text has two
readings:

- Codepoint escapes (``\\uXXXX``, ``\\UXXXXXXXX``) are decoded first, everywhere, as section
  19.2 says. A character that came from an escape may only be content -- inside a string, an
  IRI, or a name -- never a delimiter: an escaped quote, backslash, ``>``, white space, ``:``
  or the newline ending a comment is a syntax error, because parsers disagree on it
  (pyoxigraph keeps ``"\\\\u0041"`` as a backslash and ``u0041``, section 19.2 would decode it).
- A bare word is the longest run of name characters, and it must be a keyword of the grammar
  (case-insensitively; ``a`` only in lower case): ``trueSERVICE``, ``SERVICESILENT`` and
  ``LIMIT1`` are syntax errors, not two keywords. A number may not be followed directly by a
  name character (``1AS``).
- Nesting (brackets, braces, parentheses) is limited to :data:`MAX_DEPTH` levels, and strings
  may not hold control characters that have no escape (U+0000..U+0008 and the like).
- Only SPARQL 1.1: SPARQL 1.2's triple terms and pyoxigraph's extensions are syntax errors.

Linear time: the scanner moves forward only. Its regular expressions are each a single
character class under one ``*`` (``[...]*``), matched at a position with ``re.match``: such a
pattern has no alternative to backtrack into, so each match costs the length it consumes. The
parser is LL(1) (two tokens of look-ahead at most) and consumes a token in every loop, so it
never backtracks either; :attr:`ParsedQuery.steps` counts the work done.
Nothing here imports Flask.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass

import pyoxigraph as ox

#: The deepest nesting of brackets, braces and parentheses accepted.
MAX_DEPTH = 64
#: The most patterns in one group, things selected, FROM clauses: pyoxigraph 0.5 builds a
#: nested plan from a sequence of these, and overflows its stack (a segmentation fault) on a
#: few thousand (about 3000 BINDs, MINUS or projected expressions: a 40 KiB query).
MAX_ITEMS = 1000

# -- refusals -------------------------------------------------------------------------------------


class Refusal(Exception):
    """Why a text will not be run; ``str(refusal)`` is meant for the user."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.steps = 0  # work done before refusing (see ParsedQuery.steps)


class SyntaxProblem(Refusal):
    """The text is not a SPARQL 1.1 query (as this checker reads it)."""


class UpdateOperation(Refusal):
    """The text is (or holds) a SPARQL 1.1 Update operation."""


class ServiceClause(Refusal):
    """The query uses SERVICE somewhere."""


# -- characters (SPARQL 1.1 Query, section 19.8, rules [164]-[173]) -------------------------------

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_VARNAME_REST = _PN_CHARS_U + "0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"

# Each pattern is one character class under one star: linear, nothing to backtrack into.
_WS_RUN = re.compile(r"[ \t\r\n]*")
_COMMENT_RUN = re.compile(r"[^\r\n]*")
_IRI_RUN = re.compile(r'[^<>"{}|^`\\\x00-\x20]*')
_NAME_RUN = re.compile(f"[{_PN_CHARS}.]*")  # PN_PREFIX and keywords (trailing dots cut after)
_VARNAME_RUN = re.compile(f"[{_VARNAME_REST}]*")
_LOCAL_RUN = re.compile(f"[{_PN_CHARS}.:]*")  # PN_LOCAL between its escapes
_DIGITS = re.compile(r"[0-9]*")
_LETTERS = re.compile(r"[A-Za-z]*")
_ALNUM = re.compile(r"[A-Za-z0-9]*")
_SHORT1 = re.compile(r"[^'\\\n\r]*")
_SHORT2 = re.compile(r'[^"\\\n\r]*')
_LONG1 = re.compile(r"[^'\\]*")
_LONG2 = re.compile(r'[^"\\]*')
_HEX = frozenset("0123456789abcdefABCDEF")
_DIGIT = frozenset("0123456789")
_ESCAPE = re.compile(r"\\[uU]")  # where a codepoint escape may start

_IS_PN_CHARS_BASE = re.compile(f"[{_PN_CHARS_BASE}]")
_IS_VARNAME_START = re.compile(f"[{_PN_CHARS_U}0-9]")
_IS_NAME_CHAR = re.compile(f"[{_PN_CHARS}]")
_IS_LOCAL_START = re.compile(f"[{_PN_CHARS_U}:0-9]")
_LOCAL_ESCAPABLE = frozenset("_~.-!$&'()*+,;=/?#@%")
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
# Control characters a string may not hold: they have no ECHAR, and this module writes no
# codepoint escapes.
_UNWRITABLE = frozenset(chr(c) for c in (*range(0, 8), 0x0B, *range(0x0E, 0x20), 0x7F))

# -- keywords -----------------------------------------------------------------------------------

#: Update operations (SPARQL 1.1 Update, section 3): text holding one is refused as an update.
UPDATE_OPERATIONS = frozenset("LOAD CLEAR DROP CREATE ADD MOVE COPY INSERT DELETE WITH".split())
_UPDATE_WORDS = frozenset("INTO TO DATA USING DEFAULT ALL".split())
_ONE_ARG = frozenset(
    """STR LANG DATATYPE IRI URI ABS CEIL FLOOR ROUND STRLEN UCASE LCASE ENCODE_FOR_URI YEAR
    MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ MD5 SHA1 SHA256 SHA384 SHA512 ISIRI ISURI
    ISBLANK ISLITERAL ISNUMERIC""".split()
)
_TWO_ARGS = frozenset(
    "LANGMATCHES CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER STRLANG STRDT SAMETERM".split()
)
_NO_ARGS = frozenset("RAND NOW UUID STRUUID".split())
_LIST_ARGS = frozenset("CONCAT COALESCE".split())
_AGGREGATES = frozenset("COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT".split())
_BUILTINS = (
    _ONE_ARG
    | _TWO_ARGS
    | _NO_ARGS
    | _LIST_ARGS
    | _AGGREGATES
    | frozenset("IF BOUND BNODE REGEX SUBSTR REPLACE EXISTS NOT".split())
)
KEYWORDS = (
    frozenset(
        """BASE PREFIX SELECT DISTINCT REDUCED AS CONSTRUCT WHERE DESCRIBE ASK FROM NAMED GROUP BY
    HAVING ORDER ASC DESC LIMIT OFFSET VALUES UNDEF OPTIONAL GRAPH SERVICE SILENT BIND MINUS
    UNION FILTER TRUE FALSE IN SEPARATOR""".split()
    )
    | _BUILTINS
    | UPDATE_OPERATIONS
    | _UPDATE_WORDS
)
QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")

# -- tokens -------------------------------------------------------------------------------------

# Token kinds
KEYWORD, A, IRI, PNAME, BNODE, VAR, LANGTAG, NUMBER, STRING, PUNCT = (
    "keyword",
    "a",
    "iri",
    "pname",
    "bnode",
    "var",
    "langtag",
    "number",
    "string",
    "punct",
)
_PUNCT2 = frozenset(["^^", "!=", "<=", ">=", "&&", "||"])
_PUNCT1 = frozenset("{}()[];,.*/|^!=<>+-?")
_PUNCT_ONLY = frozenset("{}()[];,*/|^!=>&")  # characters that can start nothing but punctuation


@dataclass(frozen=True, slots=True)
class Token:
    """One terminal of the grammar: its kind, its value and where it starts in the text.

    ``value`` is the keyword in upper case, the IRI or string without delimiters and escapes,
    the variable's name, the prefixed name or blank node label as written, the number as
    written, the punctuation itself.
    """

    kind: str
    value: str
    start: int  # index in the original text

    def canonical(self) -> str:
        """The token as it is written back: one spelling every SPARQL parser reads alike."""
        kind, value = self.kind, self.value
        if kind == KEYWORD:
            return value.lower() if value in ("TRUE", "FALSE") else value
        if kind == IRI:
            return f"<{value}>"
        if kind == VAR:
            return "?" + value
        if kind == STRING:
            return '"' + "".join(_WRITE.get(c, c) for c in value) + '"'
        return value


_WRITE = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _position(text: str, index: int) -> tuple[int, int]:
    """Line and column (from 1) of ``index`` in ``text``."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


class _Decoded:
    """The text with codepoint escapes decoded (section 19.2), and where each came from."""

    def __init__(self, original: str) -> None:
        self.original = original
        self.escaped: set[int] = set()  # indexes (in ``text``) of characters from an escape
        self.escapes_at: list[int] = []  # decoded index of each escape, ascending
        self._shift: list[int] = []  # characters saved by this escape and those before it
        if _ESCAPE.search(original) is None:
            self.text = original
            return
        out: list[str] = []
        i = last = length = saved = 0
        while (m := _ESCAPE.search(original, i)) is not None:
            j = m.start()
            width = 4 if original[j + 1] == "u" else 8
            digits = original[j + 2 : j + 2 + width]
            if len(digits) != width or not all(c in _HEX for c in digits):
                i = j + 2  # a backslash and a letter u: left for the grammar to judge
                continue
            code = int(digits, 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                line, column = _position(original, j)
                raise SyntaxProblem(
                    f"Syntax error at line {line}, column {column}: \\{original[j + 1]}"
                    f"{digits} is not a Unicode character",
                    line,
                    column,
                )
            out.append(original[last:j])
            length += j - last
            out.append(chr(code))
            self.escaped.add(length)
            self.escapes_at.append(length)
            length += 1
            saved += 1 + width
            self._shift.append(saved)
            last = i = j + 2 + width
        out.append(original[last:])
        self.text = "".join(out)

    def original_index(self, index: int) -> int:
        """The index in the original text of the character at ``index`` of the text."""
        k = bisect.bisect_left(self.escapes_at, index)  # escapes strictly before ``index``
        before = self._shift[k - 1] if k else 0
        return index + before


class _Scanner:
    """Splits a decoded text into tokens, forward only."""

    def __init__(self, decoded: _Decoded) -> None:
        self.d = decoded
        self.text = decoded.text
        self.escaped = decoded.escaped
        self.tokens: list[Token] = []
        self.steps = 0

    def fail(self, index: int, message: str) -> SyntaxProblem:
        start = self.d.original_index(index)
        line, column = _position(self.d.original, start)
        return SyntaxProblem(
            f"Syntax error at line {line}, column {column}: {message}", line, column
        )

    def plain(self, index: int, what: str) -> None:
        """Refuse a delimiter that came from a codepoint escape."""
        if self.escaped and index in self.escaped:
            raise self.fail(
                index,
                f"a codepoint escape (\\u...) cannot stand for {what}: write the character itself",
            )

    def emit(self, kind: str, value: str, start: int) -> None:
        if self.escaped:
            start = self.d.original_index(start)
        self.tokens.append(Token(kind, value, start))

    def span(self, pattern: re.Pattern[str], start: int) -> int:
        """Where the run of ``pattern`` (one character class under a star) from ``start`` ends.

        Each character it reads counts as a step: the steps measure the real work done.
        """
        end = pattern.match(self.text, start).end()
        self.steps += end - start + 1
        return end

    def escaped_in(self, start: int, end: int) -> int | None:
        """The index of the first character from an escape in ``[start, end)``, if any."""
        if not self.escaped:
            return None
        at = self.d.escapes_at
        k = bisect.bisect_left(at, start)
        return at[k] if k < len(at) and at[k] < end else None

    def plain_run(self, start: int, end: int, what: str) -> None:
        """Refuse a run of delimiters of which one came from a codepoint escape."""
        k = self.escaped_in(start, end)
        if k is not None:
            self.plain(k, what)

    def run(self) -> list[Token]:
        text = self.text
        n = len(text)
        i = 0
        ws = _WS_RUN.match
        escaped = self.escaped
        append = self.tokens.append
        steps = 0
        depth = 0  # brackets, braces and parentheses open
        while True:
            end = ws(text, i).end()
            steps += end - i + 1
            if escaped:
                self.plain_run(i, end, "white space")
            i = end
            if i >= n:
                self.steps += steps
                return self.tokens
            c = text[i]
            if c in _PUNCT_ONLY:  # the most frequent tokens first, inline
                two = text[i : i + 2]
                if two in _PUNCT2:
                    if escaped:
                        self.plain_run(i, i + 2, "punctuation")
                    self.emit(PUNCT, two, i)
                    i += 2
                else:
                    if c in "([{":
                        # Nesting is bounded here already (the parser bounds it too), so that
                        # a body of 64 KiB of brackets is refused before it is all read.
                        depth += 1
                        if depth > MAX_DEPTH:
                            raise self.fail(i, f"the query nests more than {MAX_DEPTH} levels deep")
                    elif c in ")]}" and depth:
                        depth -= 1
                    if escaped:
                        self.plain(i, "punctuation")
                        self.emit(PUNCT, c, i)
                    else:
                        append(Token(PUNCT, c, i))
                    i += 1
            elif c == "#":
                self.plain(i, "the start of a comment")
                end = self.span(_COMMENT_RUN, i)
                if end < n:
                    self.plain(end, "the end of a comment")
                i = end
            elif c == "<":
                i = self.iri_or_less(i)
            elif c in "\"'":
                i = self.string(i)
            elif c in "?$":
                i = self.variable(i)
            elif c == "@":
                i = self.langtag(i)
            elif c == "_" and text.startswith("_:", i):
                i = self.bnode(i)
            elif c in _DIGIT or (c == "." and _digit_at(text, i + 1)):
                i = self.number(i, i)
            elif c in "+-" and (
                _digit_at(text, i + 1) or (text.startswith(".", i + 1) and _digit_at(text, i + 2))
            ):
                i = self.number(i + 1, i)
            elif c == ":" or _IS_PN_CHARS_BASE.match(c):
                i = self.name(i)
            elif c in _PUNCT1:  # . + - ? that start no number or variable
                self.plain(i, "punctuation")
                self.emit(PUNCT, c, i)
                i += 1
            else:
                raise self.fail(i, f"unexpected character {c!r} (U+{ord(c):04X})")

    def iri_or_less(self, i: int) -> int:
        self.plain(i, "'<'")
        text = self.text
        end = self.span(_IRI_RUN, i + 1)
        if end < len(text) and text[end] == ">":
            # IRIREF, the longest match (section 19.8): '<' as less-than cannot be glued to
            # characters that would make an IRI, and this checker never writes it so.
            self.plain(end, "'>'")
            self.emit(IRI, text[i + 1 : end], i)
            return end + 1
        if text.startswith("<=", i):
            self.plain(i + 1, "'='")
            self.emit(PUNCT, "<=", i)
            return i + 2
        self.emit(PUNCT, "<", i)
        return i + 1

    def string(self, i: int) -> int:
        text = self.text
        quote = text[i]
        self.plain(i, "a quote")
        long = text.startswith(quote * 3, i)
        j = i + (3 if long else 1)
        run = (
            (_LONG1 if quote == "'" else _LONG2) if long else (_SHORT1 if quote == "'" else _SHORT2)
        )
        value: list[str] = []
        n = len(text)
        while True:
            self.steps += 1
            end = self.span(run, j)
            value.append(text[j:end])
            j = end
            if j >= n:
                raise self.fail(i, "this string is not closed")
            c = text[j]
            if c == "\\":
                self.plain(j, "a backslash")
                e = text[j + 1] if j + 1 < n else ""
                if j + 1 < n:
                    self.plain(j + 1, "the character after a backslash")
                if e not in _ECHAR:
                    raise self.fail(
                        j,
                        "a backslash in a string must start one of \\t \\b \\n "
                        "\\r \\f \\\" \\' \\\\",
                    )
                value.append(_ECHAR[e])
                j += 2
            elif c == quote:
                self.plain(j, "a quote")
                if not long:
                    j += 1
                    break
                k = j
                while k < n and text[k] == quote and k - j < 3:
                    k += 1
                if k - j == 3:
                    j = k
                    break
                if k < n and text[k] == quote:  # unreachable: three were counted
                    j = k
                    break
                self.plain_run(j, k, "a quote")
                value.append(text[j:k])
                j = k
            else:  # a line break in a short string
                raise self.fail(
                    j, "a line break in a '...' or \"...\" string (use \\n, or a '''long''' string)"
                )
        content = "".join(value)
        bad = next((c for c in content if c in _UNWRITABLE), None)
        if bad is not None:
            raise self.fail(i, f"a string may not hold the control character U+{ord(bad):04X}")
        if any(0xD800 <= ord(c) <= 0xDFFF for c in content):
            raise self.fail(i, "a string holds half a surrogate pair")
        self.emit(STRING, content, i)
        return j

    def variable(self, i: int) -> int:
        text = self.text
        self.plain(i, "'?' or '$'")
        if i + 1 < len(text) and _IS_VARNAME_START.match(text[i + 1]):
            end = self.span(_VARNAME_RUN, i + 1)
            self.emit(VAR, text[i + 1 : end], i)
            return end
        if text[i] == "$":
            raise self.fail(i, "'$' must start a variable name")
        self.emit(PUNCT, "?", i)  # a path modifier
        return i + 1

    def langtag(self, i: int) -> int:
        text = self.text
        self.plain(i, "'@'")
        end = self.span(_LETTERS, i + 1)
        if end == i + 1:
            raise self.fail(i, "'@' must start a language tag")
        while (
            text.startswith("-", end)
            and end + 1 < len(text)
            and text[end + 1].isascii()
            and text[end + 1].isalnum()
        ):
            self.plain(end, "'-'")
            end = self.span(_ALNUM, end + 1)
        self.glued(end, "a language tag")
        self.emit(LANGTAG, text[i:end], i)
        return end

    def bnode(self, i: int) -> int:
        text = self.text
        self.plain(i, "'_'")
        self.plain(i + 1, "':'")
        j = i + 2
        if j >= len(text) or not _IS_VARNAME_START.match(text[j]):
            raise self.fail(i, "'_:' must be followed by a blank node label")
        end = self.span(_NAME_RUN, j)
        while text[end - 1] == ".":
            end -= 1
        self.emit(BNODE, text[i:end], i)
        return end

    def number(self, j: int, start: int) -> int:
        text = self.text
        end = self.span(_DIGITS, j)
        whole = end > j
        kind_end = end
        if text.startswith(".", end) and (
            _digit_at(text, end + 1) or (whole and _exponent_at(text, end + 1))
        ):
            end = self.span(_DIGITS, end + 1)
            kind_end = end
        e = _exponent_at(text, kind_end)
        if e:
            kind_end = e
        self.plain_run(start, kind_end, "part of a number")
        self.glued(kind_end, "a number")
        self.emit(NUMBER, text[start:kind_end], start)
        return kind_end

    def glued(self, end: int, what: str) -> None:
        """Refuse a name character straight after a token: the text would read two ways."""
        if end < len(self.text) and _IS_NAME_CHAR.match(self.text[end]):
            raise self.fail(end, f"{what} must be followed by a space or punctuation here")

    def name(self, i: int) -> int:
        text = self.text
        end = self.span(_NAME_RUN, i)
        while end > i and text[end - 1] == ".":
            end -= 1
        if end < len(text) and text[end] == ":":
            self.plain(end, "':'")
            return self.local(i, end + 1)
        word = text[i:end]
        upper = word.upper()
        if word == "a":
            self.emit(A, "a", i)
        elif upper in KEYWORDS and upper != "A":
            self.emit(KEYWORD, upper, i)
        else:
            shown = word if len(word) <= 40 else word[:37] + "..."
            raise self.fail(
                i,
                f"'{shown}' is not a SPARQL keyword (keywords are separated from what follows "
                "by a space or punctuation; names need a prefix, as in ex:name)",
            )
        return end

    def local(self, start: int, j: int) -> int:
        """PN_LOCAL after a prefix's ':' at ``j``, then emit the whole prefixed name."""
        text = self.text
        n = len(text)
        if j < n and not (_IS_LOCAL_START.match(text[j]) or text[j] in "%\\"):
            self.emit(PNAME, text[start:j], start)  # PNAME_NS alone
            return j
        last = j  # end of the name without trailing dots
        while True:
            self.steps += 1
            end = self.span(_LOCAL_RUN, j)
            k = self.escaped_in(j, end)
            while k is not None:
                if text[k] == ":":
                    self.plain(k, "':'")
                k = self.escaped_in(k + 1, end)
            stripped = end
            while stripped > j and text[stripped - 1] == ".":
                stripped -= 1
            if stripped > j:
                last = stripped
            j = end
            if j < n and text[j] == "%":
                self.plain(j, "'%'")
                if not (j + 2 < n and text[j + 1] in _HEX and text[j + 2] in _HEX):
                    raise self.fail(j, "'%' in a name must be followed by two hex digits")
                self.plain_run(j + 1, j + 3, "a hex digit after '%'")
                j += 3
                last = j
            elif j < n and text[j] == "\\":
                self.plain(j, "a backslash")
                if j + 1 >= n or text[j + 1] not in _LOCAL_ESCAPABLE:
                    raise self.fail(j, "this backslash escape is not allowed in a prefixed name")
                self.plain(j + 1, "an escaped character")
                j += 2
                last = j
            else:
                break
        first = text[start : text.index(":", start) + 1]
        local = text[len(first) + start : last]
        if local and (
            local[0] in "-.\u00b7"
            or "\u0300" <= local[0] <= "\u036f"
            or "\u203f" <= local[0] <= "\u2040"
        ):
            raise self.fail(start, "a local name may not start with this character")
        self.emit(PNAME, text[start:last], start)
        return last


def _digit_at(text: str, i: int) -> bool:
    return i < len(text) and text[i] in _DIGIT


def _exponent_at(text: str, i: int) -> int:
    """The end of an EXPONENT at ``i``, or 0."""
    if i < len(text) and text[i] in "eE":
        j = i + 1
        if j < len(text) and text[j] in "+-":
            j += 1
        if _digit_at(text, j):
            return _DIGITS.match(text, j).end()
    return 0


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text`` (comments and white space dropped); raises :class:`SyntaxProblem`."""
    return _Scanner(_Decoded(text)).run()


# -- the parsed query ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedQuery:
    """A query that parsed: what the checks need, and its tokens to write it back."""

    form: str  # SELECT, CONSTRUCT, DESCRIBE or ASK
    tokens: tuple[Token, ...]
    default_graphs: tuple[str, ...] = ()  # FROM, resolved
    named_graphs: tuple[str, ...] = ()  # FROM NAMED, resolved
    dataset_spans: tuple[tuple[int, int], ...] = ()  # token index ranges of the clauses
    declares_base: bool = False
    declared_prefixes: frozenset[str] = frozenset()
    steps: int = 0  # work done by scanner and parser (for the linearity tests)

    @property
    def has_dataset_clause(self) -> bool:
        """True when the query has FROM or FROM NAMED."""
        return bool(self.dataset_spans)

    @property
    def returns_graph(self) -> bool:
        """True for CONSTRUCT and DESCRIBE."""
        return self.form in ("CONSTRUCT", "DESCRIBE")

    def text(
        self, *, dataset_clause: bool = True, prefixes: Mapping[str, str] | None = None
    ) -> str:
        """The query written back from its tokens (without its FROM clauses if asked).

        ``prefixes`` (the server's defaults) are declared first, those the query uses and
        does not declare itself, so that the text stands on its own.
        """
        skip: set[int] = set()
        if not dataset_clause:
            for start, end in self.dataset_spans:
                skip.update(range(start, end))
        out: list[str] = []
        if prefixes:
            used = {t.value.split(":", 1)[0] for t in self.tokens if t.kind == PNAME} - set(
                self.declared_prefixes
            )
            for p in sorted(used & set(prefixes)):
                out.append(f"PREFIX {p}: <{prefixes[p]}>")
        previous: Token | None = None
        for i, tok in enumerate(self.tokens):
            if i in skip:
                continue
            written = tok.canonical()
            if previous is not None and _glued(previous, tok):
                out[-1] += written
            else:
                out.append(written)
            previous = tok
        return " ".join(out)


def _glued(before: Token, after: Token) -> bool:
    """True when ``after`` is written straight after ``before``, without a space.

    NIL ``()`` and ANON ``[]`` are written as one terminal, a built-in function's name with its
    ``(`` (pyoxigraph 0.5 reads ``CONCAT ("a")`` and ``COALESCE (1)`` as errors, although the
    grammar allows the space), and a literal as one piece: ``"x"@en``, ``"1"^^<t>``.
    """
    if before.kind == PUNCT and after.kind == PUNCT:
        return (before.value, after.value) in (("(", ")"), ("[", "]"))
    if after.kind == PUNCT and after.value == "(" and before.kind == KEYWORD:
        return before.value in _BUILTINS or before.value == "IN"
    if after.kind == LANGTAG or (after.kind == PUNCT and after.value == "^^"):
        return before.kind == STRING
    return before.kind == PUNCT and before.value == "^^"


# -- resolving the dataset clause's IRIs --------------------------------------------------------

_RESOLVER = ox.Store()  # empty: it only ever evaluates SELECT (<iri> AS ?g0) ... {}


def _resolve_sources(
    prologue: list[Token], sources: list[Token], base_iri: str | None, prefixes: Mapping[str, str]
) -> list[str]:
    """The IRIs of the FROM clauses' ``sources``, resolved as pyoxigraph resolves them.

    One query made of the checked prologue and ``SELECT (<source> AS ?g0) ... {}`` gives the
    engine's own reading of BASE, PREFIX and relative IRIs (RFC 3987), in one linear parse.
    """
    head = " ".join(t.canonical() for t in prologue)
    distinct = list(dict.fromkeys(t.canonical() for t in sources))
    resolved: dict[str, str] = {}
    for chunk in range(0, len(distinct), 100):  # a short SELECT clause: see MAX_ITEMS
        part = distinct[chunk : chunk + 100]
        projection = " ".join(f"({written} AS ?g{i})" for i, written in enumerate(part))
        try:
            row = next(
                iter(
                    _RESOLVER.query(
                        f"{head} SELECT {projection} {{}}",
                        base_iri=base_iri,
                        prefixes=dict(prefixes),
                    )
                )
            )
        except SyntaxError:
            raise SyntaxProblem(
                "The graphs of FROM and FROM NAMED must be absolute IRIs, or relative to a "
                "BASE: " + ", ".join(part[:5])
            ) from None
        for i, written in enumerate(part):
            node = row[f"g{i}"]
            if not isinstance(node, ox.NamedNode):
                raise SyntaxProblem(f"The FROM graph {written} is not a valid IRI")
            resolved[written] = node.value
    return [resolved[t.canonical()] for t in sources]


# -- the parser ---------------------------------------------------------------------------------

_VAR_OR_TERM_START = frozenset([IRI, PNAME, VAR, STRING, NUMBER, BNODE])
_EXPRESSION_STOP = frozenset([")", ",", ";"])


class _Parser:
    """Recursive descent over the tokens, following the grammar's rules [1]-[163]."""

    def __init__(self, tokens: list[Token], scanner: _Scanner, prefixes: Mapping[str, str]) -> None:
        self.t = tokens
        self.i = 0
        self.n = len(tokens)
        # What at() compares: a keyword's or punctuation's value, else nothing that is one; two
        # entries past the end so that look-ahead needs no bounds check.
        self.keys = [t.value if t.kind in (KEYWORD, PUNCT) else "" for t in tokens] + ["", ""]
        self.scanner = scanner
        self.depth = 0
        self.known_prefixes = set(prefixes)
        self.declared: set[str] = set()
        self.declares_base = False
        self.prologue_end = 0  # tokens [0, prologue_end) are BASE and PREFIX declarations
        self.services: list[Token] = []
        self.sources: list[tuple[bool, Token]] = []  # (named?, IRI or prefixed name)
        self.spans: list[tuple[int, int]] = []
        self.steps = 0

    # -- helpers ----------------------------------------------------------------------------

    def peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.t[j] if j < self.n else None

    def at(self, value: str, k: int = 0) -> bool:
        """True when the token ``k`` ahead is the keyword or punctuation ``value``."""
        return self.keys[self.i + k] == value

    def at_kind(self, *kinds: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind in kinds

    def take(self) -> Token:
        self.steps += 1
        tok = self.t[self.i]
        self.i += 1
        return tok

    def expect(self, value: str) -> Token:
        if self.keys[self.i] != value:
            raise self.error(f"expected {value}")
        return self.take()

    def accept(self, value: str) -> bool:
        if self.keys[self.i] == value:
            self.steps += 1
            self.i += 1
            return True
        return False

    def error(self, message: str) -> SyntaxProblem:
        tok = self.peek()
        if tok is None:
            line, column = _position(self.scanner.d.original, len(self.scanner.d.original))
            return SyntaxProblem(
                f"Syntax error at line {line}, column {column}: {message}, found the end of "
                "the query",
                line,
                column,
            )
        line, column = _position(self.scanner.d.original, tok.start)
        shown = tok.canonical()
        if len(shown) > 40:
            shown = shown[:37] + "..."
        return SyntaxProblem(
            f"Syntax error at line {line}, column {column}: {message}, found {shown}",
            line,
            column,
        )

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"the query nests more than {MAX_DEPTH} levels deep")

    def leave(self) -> None:
        self.depth -= 1

    # -- query ------------------------------------------------------------------------------

    def query(self) -> str:
        self.prologue()
        tok = self.peek()
        if tok is None or tok.kind != KEYWORD or tok.value not in QUERY_FORMS:
            raise self.error("expected SELECT, CONSTRUCT, DESCRIBE or ASK")
        form = tok.value
        if form == "SELECT":
            self.select_clause()
            self.dataset_clauses()
            self.where_clause()
            self.solution_modifier()
        elif form == "CONSTRUCT":
            self.take()
            if self.at("{"):
                self.construct_template()
                self.dataset_clauses()
                self.where_clause()
            else:
                self.dataset_clauses()
                self.expect("WHERE")
                self.expect("{")
                self.enter()
                if not self.at("}"):
                    self.triples_template()
                self.expect("}")
                self.leave()
            self.solution_modifier()
        elif form == "DESCRIBE":
            self.take()
            if not self.accept("*"):
                self.var_or_iri()
                while self.at_kind(VAR, IRI, PNAME):
                    self.var_or_iri()
            self.dataset_clauses()
            if self.at("WHERE") or self.at("{"):
                self.where_clause()
            self.solution_modifier()
        else:
            self.take()
            self.dataset_clauses()
            self.where_clause()
            self.solution_modifier()
        self.values_clause()
        if self.i < self.n:
            raise self.error("expected the end of the query")
        return form

    def prologue(self) -> None:
        while True:
            if self.accept("BASE"):
                self.iriref()
                self.declares_base = True
            elif self.accept("PREFIX"):
                tok = self.peek()
                if (
                    tok is None
                    or tok.kind != PNAME
                    or not tok.value.endswith(":")
                    or (tok.value.count(":") != 1)
                ):
                    raise self.error("expected a prefix such as ex: after PREFIX")
                self.take()
                self.iriref()
                self.known_prefixes.add(tok.value[:-1])
                self.declared.add(tok.value[:-1])
            else:
                self.prologue_end = self.i
                return

    def iriref(self) -> Token:
        if not self.at_kind(IRI):
            raise self.error("expected an IRI in <...>")
        return self.take()

    def select_clause(self) -> None:
        self.expect("SELECT")
        if not self.accept("DISTINCT"):
            self.accept("REDUCED")
        if self.accept("*"):
            return
        count = 0
        while True:
            if self.at_kind(VAR):
                self.take()
            elif self.at("("):
                self.take()
                self.enter()
                self.expression()
                self.expect("AS")
                self.var()
                self.expect(")")
                self.leave()
            else:
                break
            count += 1
            if count > MAX_ITEMS:
                raise self.error(f"a SELECT clause selects more than {MAX_ITEMS} things")
        if not count:
            raise self.error("expected * or the variables to select")

    def dataset_clauses(self) -> None:
        while self.at("FROM"):
            start = self.i
            self.take()
            named = self.accept("NAMED")
            self.sources.append((named, self.iri()))
            self.spans.append((start, self.i))
            if len(self.sources) > MAX_ITEMS:
                raise self.error(f"a query names more than {MAX_ITEMS} graphs with FROM")

    def where_clause(self) -> None:
        self.accept("WHERE")
        self.group_graph_pattern()

    def solution_modifier(self) -> None:
        if self.at("GROUP"):
            self.take()
            self.expect("BY")
            self.group_condition()
            while self.at_kind(VAR, IRI, PNAME) or self.at("(") or self.at_builtin():
                self.group_condition()
        if self.at("HAVING"):
            self.take()
            self.constraint()
            while self.at("(") or self.at_kind(IRI, PNAME) or self.at_builtin():
                self.constraint()
        if self.at("ORDER"):
            self.take()
            self.expect("BY")
            self.order_condition()
            while (
                self.at_kind(VAR, IRI, PNAME)
                or self.at("(")
                or self.at("ASC")
                or self.at("DESC")
                or self.at_builtin()
            ):
                self.order_condition()
        if self.at("LIMIT"):
            self.take()
            self.integer()
            if self.accept("OFFSET"):
                self.integer()
        elif self.at("OFFSET"):
            self.take()
            self.integer()
            if self.accept("LIMIT"):
                self.integer()

    def integer(self) -> None:
        tok = self.peek()
        if tok is None or tok.kind != NUMBER or not tok.value.isdigit():
            raise self.error("expected an integer")
        self.take()

    def group_condition(self) -> None:
        if self.at_kind(VAR):
            self.take()
        elif self.at("("):
            self.take()
            self.enter()
            self.expression()
            if self.accept("AS"):
                self.var()
            self.expect(")")
            self.leave()
        elif self.at_kind(IRI, PNAME):
            self.function_call()
        else:
            self.builtin_call()

    def order_condition(self) -> None:
        if self.at("ASC") or self.at("DESC"):
            self.take()
            self.bracketted()
        elif self.at_kind(VAR):
            self.take()
        else:
            self.constraint()

    def values_clause(self) -> None:
        if self.accept("VALUES"):
            self.data_block()

    # -- graph patterns -----------------------------------------------------------------------

    def group_graph_pattern(self) -> None:
        self.expect("{")
        self.enter()
        if self.at("SELECT"):
            self.select_clause()
            self.where_clause()
            self.solution_modifier()
            self.values_clause()
        else:
            self.group_graph_pattern_sub()
        self.expect("}")
        self.leave()

    def group_graph_pattern_sub(self) -> None:
        if self.at_triples_start():
            self.triples_block()
        count = 0
        while True:
            self.steps += 1
            if not self.graph_pattern_not_triples():
                return
            count += 1
            if count > MAX_ITEMS:
                raise self.error(
                    f"a group holds more than {MAX_ITEMS} patterns (FILTER, BIND, OPTIONAL, "
                    "MINUS, UNION ...); split the query"
                )
            self.accept(".")
            if self.at_triples_start():
                self.triples_block()

    def at_triples_start(self) -> bool:
        tok = self.peek()
        if tok is None:
            return False
        if tok.kind in _VAR_OR_TERM_START:
            return True
        if tok.kind == KEYWORD:
            return tok.value in ("TRUE", "FALSE")
        return tok.kind == PUNCT and tok.value in ("(", "[")

    def triples_block(self) -> None:
        while True:
            self.steps += 1
            self.triples_same_subject(path=True)
            if not self.accept("."):
                return
            if not self.at_triples_start():
                return

    def graph_pattern_not_triples(self) -> bool:
        tok = self.peek()
        if tok is None:
            return False
        if tok.kind == PUNCT and tok.value == "{":
            self.group_graph_pattern()
            while self.accept("UNION"):
                self.group_graph_pattern()
            return True
        if tok.kind != KEYWORD:
            return False
        word = tok.value
        if word in ("OPTIONAL", "MINUS"):
            self.take()
            self.group_graph_pattern()
        elif word == "GRAPH":
            self.take()
            self.var_or_iri()
            self.group_graph_pattern()
        elif word == "SERVICE":
            self.services.append(self.take())
            self.accept("SILENT")
            self.var_or_iri()
            self.group_graph_pattern()
        elif word == "FILTER":
            self.take()
            self.constraint()
        elif word == "BIND":
            self.take()
            self.expect("(")
            self.enter()
            self.expression()
            self.expect("AS")
            self.var()
            self.expect(")")
            self.leave()
        elif word == "VALUES":
            self.take()
            self.data_block()
        else:
            return False
        return True

    def data_block(self) -> None:
        if self.at_kind(VAR):
            self.take()
            self.expect("{")
            while self.at_data_value():
                self.data_value()
            self.expect("}")
            return
        self.expect("(")
        count = 0
        while self.at_kind(VAR):
            self.take()
            count += 1
        self.expect(")")
        self.expect("{")
        while self.at("("):
            self.take()
            for _ in range(count):
                self.data_value()
            self.expect(")")
        self.expect("}")

    def at_data_value(self) -> bool:
        tok = self.peek()
        return tok is not None and (
            tok.kind in (IRI, PNAME, STRING, NUMBER)
            or (tok.kind == KEYWORD and tok.value in ("TRUE", "FALSE", "UNDEF"))
        )

    def data_value(self) -> None:
        if not self.at_data_value():
            raise self.error("expected a value (an IRI, a literal or UNDEF)")
        tok = self.take()
        if tok.kind == STRING:
            self.literal_suffix()
        elif tok.kind == PNAME:
            self.check_prefix(tok)

    # -- triples ------------------------------------------------------------------------------

    def triples_template(self) -> None:
        while True:
            self.steps += 1
            self.triples_same_subject(path=False)
            if not self.accept(".") or self.at("}"):
                return

    def construct_template(self) -> None:
        self.expect("{")
        self.enter()
        if not self.at("}"):
            self.triples_template()
        self.expect("}")
        self.leave()

    def triples_same_subject(self, path: bool) -> None:
        if self.at("[") and not self.at("]", 1) or self.at("(") and not self.at(")", 1):
            self.triples_node(path)
            if self.at_verb(path):
                self.property_list(path)
        else:
            self.var_or_term()
            self.property_list(path, required=True)

    def at_verb(self, path: bool) -> bool:
        tok = self.peek()
        if tok is None:
            return False
        if tok.kind in (VAR, IRI, PNAME, A):
            return True
        return path and tok.kind == PUNCT and tok.value in ("^", "!", "(")

    def property_list(self, path: bool, required: bool = False) -> None:
        if not self.at_verb(path):
            if required:
                raise self.error("expected a predicate")
            return
        while True:
            self.steps += 1
            self.verb(path)
            self.object_list(path)
            if not self.at(";"):
                return
            while self.accept(";"):
                pass
            if not self.at_verb(path):
                return

    def verb(self, path: bool) -> None:
        if self.at_kind(VAR):
            self.take()
        elif not path:
            if self.at_kind(A):
                self.take()
            else:
                self.iri()
        else:
            self.path_alternative()

    def object_list(self, path: bool) -> None:
        self.graph_node(path)
        while self.accept(","):
            self.graph_node(path)

    def graph_node(self, path: bool) -> None:
        if self.at("[") and not self.at("]", 1) or self.at("(") and not self.at(")", 1):
            self.triples_node(path)
        else:
            self.var_or_term()

    def triples_node(self, path: bool) -> None:
        self.enter()
        if self.accept("["):
            self.property_list(path, required=True)
            self.expect("]")
        else:
            self.expect("(")
            self.graph_node(path)
            while not self.at(")"):
                if self.peek() is None:
                    raise self.error("expected )")
                self.graph_node(path)
            self.take()
        self.leave()

    def path_alternative(self) -> None:
        self.enter()
        self.path_sequence()
        while self.accept("|"):
            self.path_sequence()
        self.leave()

    def path_sequence(self) -> None:
        self.path_elt_or_inverse()
        while self.accept("/"):
            self.path_elt_or_inverse()

    def path_elt_or_inverse(self) -> None:
        self.accept("^")
        self.path_primary()
        if self.at("?") or self.at("*") or self.at("+"):
            self.take()

    def path_primary(self) -> None:
        if self.at_kind(A):
            self.take()
        elif self.accept("!"):
            if self.accept("("):
                if not self.at(")"):
                    self.path_one_in_property_set()
                    while self.accept("|"):
                        self.path_one_in_property_set()
                self.expect(")")
            else:
                self.path_one_in_property_set()
        elif self.accept("("):
            self.path_alternative()
            self.expect(")")
        else:
            self.iri()

    def path_one_in_property_set(self) -> None:
        self.accept("^")
        if self.at_kind(A):
            self.take()
        else:
            self.iri()

    def var_or_term(self) -> None:
        tok = self.peek()
        if tok is None:
            raise self.error("expected a variable or an RDF term")
        if tok.kind in (VAR, NUMBER, BNODE):
            self.take()
        elif tok.kind in (IRI, PNAME):
            self.iri()
        elif tok.kind == STRING:
            self.take()
            self.literal_suffix()
        elif tok.kind == KEYWORD and tok.value in ("TRUE", "FALSE"):
            self.take()
        elif self.at("[") and self.at("]", 1) or self.at("(") and self.at(")", 1):
            self.take()
            self.take()
        else:
            raise self.error("expected a variable or an RDF term")

    def var_or_iri(self) -> None:
        if self.at_kind(VAR):
            self.take()
        else:
            self.iri()

    def var(self) -> None:
        if not self.at_kind(VAR):
            raise self.error("expected a variable")
        self.take()

    def iri(self) -> Token:
        tok = self.peek()
        if tok is None or tok.kind not in (IRI, PNAME):
            raise self.error("expected an IRI")
        self.take()
        if tok.kind == PNAME:
            self.check_prefix(tok)
        return tok

    def check_prefix(self, tok: Token) -> None:
        prefix = tok.value.split(":", 1)[0]
        if prefix not in self.known_prefixes:
            raise SyntaxProblem(
                self.error_at(
                    tok,
                    f"the prefix {prefix}: is not declared (add PREFIX {prefix}: "
                    "<...> before the query)",
                ).message
            )

    def error_at(self, tok: Token, message: str) -> SyntaxProblem:
        line, column = _position(self.scanner.d.original, tok.start)
        return SyntaxProblem(
            f"Syntax error at line {line}, column {column}: {message}", line, column
        )

    def literal_suffix(self) -> None:
        if self.at_kind(LANGTAG):
            self.take()
        elif self.accept("^^"):
            self.iri()

    # -- expressions --------------------------------------------------------------------------

    def constraint(self) -> None:
        if self.at("("):
            self.bracketted()
        elif self.at_kind(IRI, PNAME):
            self.function_call()
        else:
            self.builtin_call()

    def bracketted(self) -> None:
        self.expect("(")
        self.enter()
        self.expression()
        self.expect(")")
        self.leave()

    def function_call(self) -> None:
        self.iri()
        self.arg_list(distinct=True)

    def arg_list(self, distinct: bool = False) -> None:
        self.expect("(")
        if self.accept(")"):
            return
        self.enter()
        if distinct:
            self.accept("DISTINCT")
        self.expression()
        while self.accept(","):
            self.expression()
        self.expect(")")
        self.leave()

    def expression(self) -> None:
        """ConditionalOrExpression down to UnaryExpression, one loop per precedence level."""
        self.steps += 1
        self.and_expression()
        while self.accept("||"):
            self.and_expression()

    def and_expression(self) -> None:
        self.relational()
        while self.accept("&&"):
            self.relational()

    def relational(self) -> None:
        self.additive()
        tok = self.peek()
        if tok is None:
            return
        if tok.kind == PUNCT and tok.value in ("=", "!=", "<", ">", "<=", ">="):
            self.take()
            self.additive()
        elif tok.kind == KEYWORD and tok.value == "IN":
            self.take()
            self.expression_list()
        elif tok.kind == KEYWORD and tok.value == "NOT" and self.at("IN", 1):
            self.take()
            self.take()
            self.expression_list()

    def expression_list(self) -> None:
        self.arg_list()

    def additive(self) -> None:
        self.multiplicative()
        while True:
            self.steps += 1
            tok = self.peek()
            if tok is None:
                return
            if tok.kind == PUNCT and tok.value in ("+", "-"):
                self.take()
                self.multiplicative()
            elif tok.kind == NUMBER and tok.value[0] in "+-":
                # ( NumericLiteralPositive | NumericLiteralNegative ) ( '*' | '/' Unary )*
                self.take()
                while self.at("*") or self.at("/"):
                    self.take()
                    self.unary()
            else:
                return

    def multiplicative(self) -> None:
        self.unary()
        while self.at("*") or self.at("/"):
            self.take()
            self.unary()

    def unary(self) -> None:
        if self.at("!") or self.at("+") or self.at("-"):
            self.take()
        self.primary()

    def primary(self) -> None:
        tok = self.peek()
        if tok is None:
            raise self.error("expected an expression")
        if tok.kind == PUNCT and tok.value == "(":
            self.bracketted()
        elif tok.kind in (IRI, PNAME):
            self.iri()
            if self.at("("):
                self.arg_list(distinct=True)
        elif tok.kind == STRING:
            self.take()
            self.literal_suffix()
        elif tok.kind in (NUMBER, VAR):
            self.take()
        elif tok.kind == KEYWORD and tok.value in ("TRUE", "FALSE"):
            self.take()
        elif tok.kind == KEYWORD and tok.value in _BUILTINS:
            self.builtin_call()
        else:
            raise self.error("expected an expression")

    def at_builtin(self) -> bool:
        tok = self.peek()
        return (
            tok is not None
            and tok.kind == KEYWORD
            and tok.value in _BUILTINS
            and not (tok.value == "NOT" and not self.at("EXISTS", 1))
        )

    def builtin_call(self) -> None:
        tok = self.peek()
        if tok is None or tok.kind != KEYWORD or tok.value not in _BUILTINS:
            raise self.error("expected a function call or an expression in (...)")
        word = self.take().value
        if word in _AGGREGATES:
            self.aggregate(word)
        elif word in _ONE_ARG:
            self.args(1)
        elif word in _TWO_ARGS:
            self.args(2)
        elif word == "IF":
            self.args(3)
        elif word in ("REGEX", "SUBSTR"):
            self.args(2, 3)
        elif word == "REPLACE":
            self.args(3, 4)
        elif word == "BOUND":
            self.expect("(")
            self.var()
            self.expect(")")
        elif word == "BNODE":
            if self.at("(") and self.at(")", 1):
                self.take()
                self.take()
            else:
                self.args(1)
        elif word in _NO_ARGS:
            self.expect("(")
            self.expect(")")
        elif word in _LIST_ARGS:
            self.expression_list()
        elif word == "EXISTS":
            self.group_graph_pattern()
        else:  # NOT EXISTS
            self.expect("EXISTS")
            self.group_graph_pattern()

    def args(self, least: int, most: int | None = None) -> None:
        most = most or least
        self.expect("(")
        self.enter()
        self.expression()
        count = 1
        while count < most and self.accept(","):
            self.expression()
            count += 1
        if count < least:
            raise self.error(f"expected {least} arguments")
        self.expect(")")
        self.leave()

    def aggregate(self, word: str) -> None:
        self.expect("(")
        self.enter()
        self.accept("DISTINCT")
        if word == "COUNT" and self.accept("*"):
            pass
        else:
            self.expression()
        if word == "GROUP_CONCAT" and self.accept(";"):
            self.expect("SEPARATOR")
            self.expect("=")
            if not self.at_kind(STRING):
                raise self.error("expected the separator as a string")
            self.take()
        self.expect(")")
        self.leave()


# -- the entry point ------------------------------------------------------------------------------


def parse(
    text: str, *, base_iri: str | None = None, prefixes: Mapping[str, str] | None = None
) -> ParsedQuery:
    """Parse the SPARQL 1.1 query ``text``; raise the :class:`Refusal` that says why not.

    ``base_iri`` and ``prefixes`` are the server's, as for pyoxigraph's ``Store.query``: the
    base of relative IRIs, and prefixes the query may use without declaring them.
    """
    counted: list[_Scanner | _Parser] = []
    try:
        return _parse(text, base_iri, prefixes or {}, counted)
    except Refusal as refusal:
        refusal.steps = sum(c.steps for c in counted)
        raise


def _parse(
    text: str, base_iri: str | None, prefixes: Mapping[str, str], counted: list
) -> ParsedQuery:
    scanner = _Scanner(_Decoded(text))
    counted.append(scanner)
    tokens = scanner.run()
    update = next((t for t in tokens if t.kind == KEYWORD and t.value in UPDATE_OPERATIONS), None)
    if update is not None:
        line, column = _position(text, update.start)
        raise UpdateOperation(
            f"{update.value} at line {line}, column {column} is a SPARQL Update operation",
            line,
            column,
        )
    parser = _Parser(tokens, scanner, prefixes)
    counted.append(parser)
    try:
        form = parser.query()
    except SyntaxProblem:
        service = (
            parser.services[0]
            if parser.services
            else next((t for t in tokens if t.kind == KEYWORD and t.value == "SERVICE"), None)
        )
        if service is None:
            raise
        _refuse_service(text, service)
    except RecursionError:
        raise SyntaxProblem(f"the query nests more than {MAX_DEPTH} levels deep") from None
    if parser.services:
        _refuse_service(text, parser.services[0])
    default: list[str] = []
    named: list[str] = []
    if parser.sources:
        iris = _resolve_sources(
            tokens[: parser.prologue_end], [t for _, t in parser.sources], base_iri, prefixes
        )
        for (is_named, _), iri in zip(parser.sources, iris, strict=True):
            (named if is_named else default).append(iri)
    return ParsedQuery(
        form=form,
        tokens=tuple(tokens),
        default_graphs=tuple(default),
        named_graphs=tuple(named),
        dataset_spans=tuple(parser.spans),
        declares_base=parser.declares_base,
        declared_prefixes=frozenset(parser.declared),
        steps=scanner.steps + parser.steps + len(tokens),
    )


def _refuse_service(text: str, token: Token) -> None:
    line, column = _position(text, token.start)
    raise ServiceClause(f"SERVICE at line {line}, column {column}", line, column)
