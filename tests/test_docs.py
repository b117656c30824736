"""The README and docs/ hold together: every relative link leads somewhere, both maps list every
page, and each page still holds the examples the tests run from it."""

from __future__ import annotations

import pytest

from doc_examples import (
    ROOT,
    RUN_BLOCKS,
    RUN_COMMANDS,
    anchors,
    broken_links,
    fenced_blocks,
    page_commands,
    page_text,
    relative_links,
)

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TOPICS = sorted(p for p in (ROOT / "docs").glob("*.md") if p.name != "README.md")


def test_every_relative_link_in_the_readme_and_docs_leads_to_a_file_and_heading():
    assert len(TOPICS) >= 10
    assert sum(len(relative_links(p.read_text(encoding="utf-8"))) for p in PAGES) >= 30
    assert broken_links(PAGES) == []


def test_the_link_check_names_a_missing_file_a_missing_heading_and_a_way_out(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "b.md").write_text("# B page\n\n## Known engine differences\n")
    page = tmp_path / "docs" / "a.md"
    page.write_text(
        "# A\n\n## Seen twice\n\n## Seen twice\n\n"
        "[ok](b.md) [ok](b.md#known-engine-differences) [ok](#seen-twice-1) [ok](../docs/)\n"
        "[gone](missing.md) [gone](b.md#no-such-part) [gone](#a-missing) [out](../../etc/x.md)\n"
        "[anchor](../out.txt#part) [web](https://example.org/missing.md) `[code](missing.md)`\n"
        "```sh\n[fenced](missing.md)\n```\n"
    )
    (tmp_path / "out.txt").write_text("")
    assert broken_links([page], root=tmp_path) == [
        "docs/a.md: missing.md (no such file)",
        "docs/a.md: b.md#no-such-part (no such heading)",
        "docs/a.md: #a-missing (no such heading)",
        "docs/a.md: ../../etc/x.md (outside the repository)",
        "docs/a.md: ../out.txt#part (an anchor into a file that is not Markdown)",
    ]


def test_heading_anchors_are_githubs():
    text = "# Scaling: on-disk store\n\n## Targets (issue 7), met or not\n\n## `frkg` tools\n"
    assert anchors(text) == {
        "scaling-on-disk-store",
        "targets-issue-7-met-or-not",
        "frkg-tools",
    }


@pytest.mark.parametrize("index", ["README.md", "docs/README.md"])
def test_both_maps_of_the_docs_link_every_page(index):
    here = (ROOT / index).parent
    linked = {(here / t.partition("#")[0]).resolve() for t in relative_links(page_text(index))}
    assert [p.name for p in TOPICS if p.resolve() not in linked] == []


@pytest.mark.parametrize(("page", "prefix"), sorted(RUN_COMMANDS))
def test_each_page_still_holds_the_commands_the_tests_run(page, prefix):
    assert len(page_commands(page, prefix)) == RUN_COMMANDS[page, prefix]


@pytest.mark.parametrize(("page", "info"), sorted(RUN_BLOCKS))
def test_each_page_still_holds_the_code_blocks_the_tests_run(page, info):
    assert len(fenced_blocks(page_text(page), info)) == RUN_BLOCKS[page, info]


@pytest.mark.parametrize("page", sorted({page for page, _ in RUN_COMMANDS}))
def test_no_runnable_command_hides_in_a_block_that_is_not_sh(page):
    # A command moved into a ```bash or bare ``` block would silently stop being run.
    prefixes = tuple(prefix for p, prefix in RUN_COMMANDS if p == page)
    hidden = [
        line
        for info, body in fenced_blocks(page_text(page))
        if info != "sh"
        for line in body.splitlines()
        if line.startswith(prefixes)
    ]
    assert hidden == []
