"""The documentation as tests read it: pages, sections, fenced examples, heading anchors, links.

Every example a test runs is read from the page it is written on (README.md or docs/*.md), so a
test runs what a reader copies. ``RUN_COMMANDS`` and ``RUN_BLOCKS`` say how many runnable examples
each page holds; ``tests/test_docs.py`` fails when a page loses one, or gains one no test runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Commands of fenced ``sh`` blocks that tests run: (page, first words) -> how many the page has.
RUN_COMMANDS: dict[tuple[str, str], int] = {
    ("docs/urls-and-formats.md", "curl "): 6,  # tests/test_readme_and_serve.py
    ("docs/discovery.md", "curl "): 6,  # tests/test_readme_discovery.py
    ("docs/discovery.md", "frkg "): 4,  # tests/test_readme_discovery.py
    ("docs/discovery.md", "gunicorn "): 1,  # its text: tests/test_readme_discovery.py
    ("docs/scaling.md", "frkg load"): 2,  # tests/test_ondisk.py
    ("docs/sparql.md", "curl "): 2,  # tests/test_sparql_examples.py
    ("docs/command-line.md", "frkg query"): 6,  # tests/test_cli_query.py
}

#: Whole fenced blocks that tests run or compare: (page, info string) -> how many the page has.
RUN_BLOCKS: dict[tuple[str, str], int] = {
    ("docs/sparql.md", "python"): 1,  # tests/test_sparql_examples.py runs it
    ("docs/validating.md", "text"): 2,  # tests/test_validate.py compares them with real reports
}

_FENCE = re.compile(r"^```")
_HEADING = re.compile(r"^(#{1,6}) +(.*?) *#* *$")
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?: +\"[^\"]*\")?\)")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def page_text(page: str) -> str:
    """The text of a page, named by its path in the repository (``docs/sparql.md``)."""
    return (ROOT / page).read_text(encoding="utf-8")


def _prose_lines(text: str) -> Iterable[tuple[int, str]]:
    """(index, line) of every line outside fenced code blocks."""
    fenced = False
    for i, line in enumerate(text.splitlines()):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            yield i, line


def headings(text: str) -> list[tuple[int, int, str]]:
    """(line index, level, title) of every ATX heading outside fenced code blocks."""
    found = []
    for i, line in _prose_lines(text):
        match = _HEADING.match(line)
        if match:
            found.append((i, len(match.group(1)), match.group(2)))
    return found


def section(text: str, title: str) -> str:
    """The text under the heading ``title`` (any level), up to the next heading of its level or
    higher; an AssertionError names the heading when the page has none of that title."""
    lines = text.splitlines()
    found = headings(text)
    starts = [(i, level) for i, level, t in found if t == title]
    assert len(starts) == 1, f"expected one heading {title!r}, found {len(starts)}"
    start, level = starts[0]
    end = next((i for i, lv, _ in found if i > start and lv <= level), len(lines))
    return "\n".join(lines[start + 1 : end]) + "\n"


def fenced_blocks(text: str, info: str | None = None) -> list[tuple[str, str]]:
    """(info string, body) of every fenced code block, or only those whose info string is
    ``info``."""
    blocks, current, body = [], None, []
    for line in text.splitlines():
        if _FENCE.match(line):
            if current is None:
                current, body = line[3:].strip(), []
            else:
                blocks.append((current, "\n".join(body) + "\n"))
                current = None
        elif current is not None:
            body.append(line)
    return [b for b in blocks if info is None or b[0] == info]


def commands(text: str, prefix: str) -> list[str]:
    """The lines of ``text``'s fenced ``sh`` blocks that start with ``prefix``."""
    return [
        line
        for _, body in fenced_blocks(text, "sh")
        for line in body.splitlines()
        if line.startswith(prefix)
    ]


def page_commands(page: str, prefix: str) -> list[str]:
    """The commands of ``page``'s ``sh`` blocks that start with ``prefix``."""
    return commands(page_text(page), prefix)


def anchor(title: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every heading anchor of a page; a repeated heading gets ``-1``, ``-2``... as on GitHub."""
    seen: dict[str, int] = {}
    result = set()
    for _, _, title in headings(text):
        base = anchor(title)
        n = seen.get(base, 0)
        seen[base] = n + 1
        result.add(base if n == 0 else f"{base}-{n}")
    return result


def relative_links(text: str) -> list[str]:
    """The targets of the page's Markdown links that are relative (no scheme), outside code."""
    targets = []
    for _, line in _prose_lines(text):
        line = re.sub(r"`[^`]*`", "", line)
        targets += [t for t in _LINK.findall(line) if not _SCHEME.match(t)]
    return targets


def broken_links(pages: Iterable[Path], root: Path = ROOT) -> list[str]:
    """``page: target (why)`` for every relative link that leads to no file inside ``root``, or
    to a heading anchor its page does not have."""
    broken = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for target in relative_links(text):
            path_part, _, fragment = target.partition("#")
            where = (page.parent / path_part).resolve() if path_part else page.resolve()
            name = f"{page.relative_to(root)}: {target}"
            if not where.is_relative_to(root.resolve()):
                broken.append(f"{name} (outside the repository)")
            elif not where.exists():
                broken.append(f"{name} (no such file)")
            elif fragment and where.suffix != ".md":
                broken.append(f"{name} (an anchor into a file that is not Markdown)")
            elif fragment and fragment not in anchors(where.read_text(encoding="utf-8")):
                broken.append(f"{name} (no such heading)")
    return broken
