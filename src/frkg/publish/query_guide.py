"""The SPARQL page's guide: the example queries grouped by the question a researcher brings, each
described in a researcher's words, written without the PREFIX lines the server declares.

The queries themselves are :func:`frkg.sparql.example_queries`; this module only arranges them.
An example not named here goes to a last group with its own description, less any sentence that
points at the project's working files (a reader of the page cannot open them). Nothing here
imports Flask.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: The questions, in page order: (heading, [(example name, what it answers)]).
QUESTIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Which policies were adopted where, and when?",
        (
            (
                "adopted-policies",
                "Every policy that was enacted or took effect, where it applies and the first "
                "day a source dates that step.",
            ),
            (
                "debate-policies",
                "Every policy in the data, one row each: its kind, where it applies, who adopted "
                "or proposed it, its bill or ordinance numbers and its status.",
            ),
            (
                "debate-bans-in-massachusetts",
                "The bans of one state and of every place inside it; change the place to ask "
                "about another state or country.",
            ),
            (
                "debate-policy-timeline",
                "Every dated step of every policy in date order: introduced, voted (with the "
                "tally), signed, took effect, expired.",
            ),
        ),
    ),
    (
        "What was in force on a given day?",
        (
            (
                "debate-policies-in-force-on-date",
                "The policies in force on one day; change the date to ask about another.",
            ),
            (
                "debate-policy-status-on-date",
                "Where every policy stood on one day, and the step that put it there.",
            ),
        ),
    ),
    (
        "Who said what, when and where?",
        (
            (
                "quotes",
                "Every quote word for word, with who said it, for which organization, when, "
                "and each source that reports it.",
            ),
            (
                "debate-quotes",
                "Every quote with where it was first said (a letter, a press release, an event) "
                "and the source's address.",
            ),
            (
                "debate-paraphrases",
                "Positions a source words itself (not the speaker's own words), with their "
                "stances and sources.",
            ),
        ),
    ),
    (
        "Who opposed bans, and what did they propose instead?",
        (
            (
                "opponents-of-bans",
                "Everyone who argued against a ban, and the policies they put forward instead.",
            ),
            (
                "open-letter-signatories",
                "Each open letter with its date and every organization that signed it.",
            ),
            (
                "debate-organizations-and-people",
                "Every organization and person, with the roles and titles the sources give them.",
            ),
        ),
    ),
    (
        "What is the evidence, and where else is it described?",
        (
            (
                "debate-studies",
                "The studies and reports of the debate, with authors, publishers, dates and DOIs.",
            ),
            (
                "debate-wikidata-links",
                "Every entity that is also an item of Wikidata, with its identifier.",
            ),
        ),
    ),
)
OTHER = "More examples"
#: A sentence of a description that points at the project's own files or notes.
_INTERNAL = re.compile(r"facts(-2)?\.md|README|\bsee \w+\.md|section \d+\.\d+|\brow \d+", re.I)
_PREFIX = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>\s*$", re.I)


@dataclass(frozen=True)
class Example:
    """One example as the page offers it."""

    name: str
    title: str
    description: str
    query: str


@dataclass(frozen=True)
class Question:
    """A question and the examples that answer it."""

    heading: str
    examples: tuple[Example, ...]


def without_declared_prefixes(query: str, prefixes: Mapping[str, str]) -> str:
    """``query`` without the PREFIX lines that say what the server declares anyway."""
    kept = []
    for line in query.splitlines():
        m = _PREFIX.match(line)
        if m and prefixes.get(m.group(1) or "") == m.group(2):
            continue
        kept.append(line)
    return "\n".join(kept).lstrip("\n") + ("\n" if query.endswith("\n") else "")


def public_description(text: str) -> str:
    """``text`` without the sentences that point at the project's working files."""
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    return " ".join(s for s in sentences if s and not _INTERNAL.search(s))


def questions(examples: Iterable, prefixes: Mapping[str, str], base: str) -> tuple[Question, ...]:
    """The examples (:class:`frkg.sparql.examples.ExampleQuery`) grouped by question, in
    page order, each query moved under the serving ``base`` and without declared prefixes."""
    by_name = {e.name: e for e in examples}
    placed: set[str] = set()
    out = []
    for heading, entries in QUESTIONS:
        found = []
        for name, words in entries:
            e = by_name.get(name)
            if e is None:
                continue
            placed.add(name)
            text = without_declared_prefixes(e.for_base(base), prefixes)
            found.append(Example(name, e.title, words, text))
        if found:
            out.append(Question(heading, tuple(found)))
    rest = [
        Example(
            e.name,
            e.title,
            public_description(e.description),
            without_declared_prefixes(e.for_base(base), prefixes),
        )
        for name, e in sorted(by_name.items())
        if name not in placed
    ]
    if rest:
        out.append(Question(OTHER, tuple(rest)))
    return tuple(out)
