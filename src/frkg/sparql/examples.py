"""The example queries shipped in ``frkg/sparql/queries/``: a title, a description, the text."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

from frkg import CANONICAL_BASE


@dataclass(frozen=True)
class ExampleQuery:
    """One example query from ``sparql/queries/<name>.rq``: ``# Title``, ``#`` description."""

    name: str
    title: str
    description: str
    text: str

    def for_base(self, base: str) -> str:
        """The query with IRIs under the canonical base moved under the serving ``base``."""
        return self.text.replace(CANONICAL_BASE, base) if base != CANONICAL_BASE else self.text


def parse_example(name: str, source: str) -> ExampleQuery:
    """Read an example file: a ``# Title`` line, more ``#`` lines of description, then the query."""
    lines = source.splitlines()
    if not lines or not lines[0].startswith("# "):
        raise ValueError(f"{name}.rq: the first line must be '# <Title>'")
    title = lines[0][2:].strip()
    description: list[str] = []
    rest = 1
    for rest, line in enumerate(lines[1:], start=1):  # noqa: B007 - rest is used below
        if not line.startswith("#"):
            break
        description.append(line[1:].strip())
    else:
        rest = len(lines)
    text = "\n".join(lines[rest:]).strip() + "\n"
    return ExampleQuery(name, title, " ".join(d for d in description if d), text)


@functools.cache
def example_queries() -> tuple[ExampleQuery, ...]:
    """Every example query shipped in ``frkg/queries``, sorted by file name."""
    folder = resources.files("frkg.sparql").joinpath("queries")
    found = [
        parse_example(entry.name[:-3], entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".rq")
    ]
    return tuple(sorted(found, key=lambda q: q.name))
