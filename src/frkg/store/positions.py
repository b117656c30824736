"""Where things are written in a Turtle or N-Triples file: the line each statement starts on.

pyoxigraph's parsers say where a syntax error is but not where a triple came from, so this cuts
the text into its top-level statements (W3C RDF 1.1 Turtle section 2.1: a statement is a
directive, or a subject with its predicate-object lists up to the final ``.``) and lets
pyoxigraph parse each one, under the directives seen before it, to learn its triples. Nothing
here decides what a file means: the whole-file parse of :func:`frkg.store.parse_file` stays the
one that counts, and a statement this cannot cut or parse alone is simply not located.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from frkg import CANONICAL_BASE

LOCATABLE_SUFFIXES = (".ttl", ".nt")

# One token of Turtle, as far as cutting statements needs (Turtle section 6.4's terminals,
# grouped): the long strings first, so that '"""' is not read as an empty string and a quote.
_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>\#[^\n]*)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'''(?:[^'\\]|\\.|'(?!''))*'''
               |"(?:[^"\\\n\r]|\\.)*"
               |'(?:[^'\\\n\r]|\\.)*')
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<punct>[\[\]()\{\};,]|\^\^)
    | (?P<word>(?:[^\s<>"'{}()\[\];,\#^\\]|\\.)+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Statement:
    """One top-level statement: its text, the line and column it starts on, and its kind."""

    text: str
    line: int
    column: int
    directive: bool


def statements(text: str) -> list[Statement]:
    """The top-level statements of a Turtle document, in order.

    A statement ends at a ``.`` outside brackets, parentheses and strings (a ``.`` inside a
    prefixed name or a number is part of it); a SPARQL-style ``PREFIX`` or ``BASE`` directive
    ends after its IRI.
    """
    found: list[Statement] = []
    depth = 0
    start: int | None = None  # offset of the current statement's first token
    first = ""  # its first token
    sparql_directive = False
    line_starts = _LineStarts(text)

    def close(end: int) -> None:
        nonlocal start, depth, first, sparql_directive
        if start is not None:
            line, column = line_starts.position(start)
            directive = sparql_directive or first.lower() in ("@prefix", "@base")
            found.append(Statement(text[start:end], line, column, directive))
        start, depth, first, sparql_directive = None, 0, "", False

    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind in ("space", "comment"):
            continue
        value = m.group()
        if kind == "word":
            # A name ends before its final dots (PN_LOCAL cannot end with one): each is a
            # statement's end, as is a dot standing alone.
            body = value.rstrip(".") if not value.endswith("\\.") else value
            if body:
                if start is None:
                    start, first = m.start(), body
                    sparql_directive = body.upper() in ("PREFIX", "BASE")
            for i in range(len(body), len(value)):
                if depth == 0:
                    close(m.start() + i + 1)
            continue
        if start is None:
            start, first = m.start(), value
        if kind == "punct" and value in "[({":
            depth += 1
        elif kind == "punct" and value in "])}":
            depth = max(0, depth - 1)
        elif kind == "iri" and sparql_directive:
            close(m.end())
    close(len(text))
    return found


class _LineStarts:
    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer(r"\r\n|\n|\r", text)]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in characters) of ``offset``."""
        index = bisect.bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1


_ANY_BLANK = ox.BlankNode("any")  # stands for every blank node object in a key


@dataclass
class SourceMap:
    """Where one file describes what: the lines of each subject's blocks, and of each triple.

    Keys are pyoxigraph terms; a blank node object is keyed as :data:`_ANY_BLANK` (the file's
    blank nodes get new names in each parse, so only their place in the text identifies them).
    A block whose subject is a blank node is keyed by its signature: the set of its
    (predicate, object) pairs whose object is no blank node.
    """

    path: Path
    blocks: dict[object, list[int]] = field(default_factory=dict)
    triples: dict[tuple, int] = field(default_factory=dict)
    objects: dict[object, int] = field(default_factory=dict)
    triple_count: int = 0  # triples of the statements located
    unlocated: int = 0  # statements that could not be parsed on their own (so not located)

    def block(self, subject: object) -> int | None:
        """The first line of the first block describing ``subject`` (an IRI or a signature)."""
        lines = self.blocks.get(subject)
        return lines[0] if lines else None

    def triple(self, subject: ox.NamedNode, predicate: ox.NamedNode, obj) -> int | None:
        """The first line of the block that states this triple (a blank ``obj``: any)."""
        if isinstance(obj, ox.BlankNode):
            obj = _ANY_BLANK
        return self.triples.get((subject, predicate, obj))

    def mention(self, obj: object) -> int | None:
        """The first line of a block that uses ``obj`` as an object."""
        return self.objects.get(obj)


def signature(pairs) -> frozenset:
    """The key of a blank-node block: its (predicate, object) pairs, blank objects left out."""
    return frozenset((p, o) for p, o in pairs if not isinstance(o, ox.BlankNode))


def source_map(path: Path, content: bytes) -> SourceMap | None:
    """Where ``path`` (Turtle or N-Triples, already known to parse) describes each subject; None
    for other syntaxes (RDF/XML, JSON-LD), which are not located."""
    if path.suffix not in LOCATABLE_SUFFIXES:
        return None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    found = SourceMap(path)
    directives: list[str] = []
    for statement in statements(text):
        if statement.directive:
            directives.append(statement.text)
            continue
        try:
            triples = list(
                ox.parse(
                    "\n".join([*directives, statement.text]),
                    format=ox.RdfFormat.TURTLE,
                    base_iri=CANONICAL_BASE,
                )
            )
        except (SyntaxError, ValueError):
            found.unlocated += 1  # cut wrongly (the whole file parses): not located
            continue
        found.triple_count += len(triples)
        _record(found, triples, statement.line)
    return found


def _record(found: SourceMap, triples: list[ox.Quad], line: int) -> None:
    objects = {q.object for q in triples if isinstance(q.object, ox.BlankNode)}
    roots: dict[ox.BlankNode, list] = {}
    for q in triples:
        s, p, o = q.subject, q.predicate, q.object
        if isinstance(s, ox.NamedNode):
            found.blocks.setdefault(s, [])
            if line not in found.blocks[s]:
                found.blocks[s].append(line)
            key = (s, p, _ANY_BLANK if isinstance(o, ox.BlankNode) else o)
            found.triples.setdefault(key, line)
        elif s not in objects:
            roots.setdefault(s, []).append((p, o))
        if not isinstance(o, (ox.BlankNode, ox.Literal)):
            found.objects.setdefault(o, line)
    for pairs in roots.values():
        found.blocks.setdefault(signature(pairs), []).append(line)
