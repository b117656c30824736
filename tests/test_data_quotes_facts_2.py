"""Quotes of facts-2.md section C: every word is the reference file's, character for character.

Each quote in data/statements-facts-2.ttl must occur verbatim in ../shared/reference/facts-2.md
(the stored excerpts), so an edit that "fixes" a typographic quote mark or a word fails here.
"""

from __future__ import annotations

from frkg import CANONICAL_BASE

from conftest import reference_text

GRAPH = CANONICAL_BASE + "graph/data/statements-facts-2"


def quotes(kg) -> dict[str, str]:
    rows = kg.store.query(
        f"SELECT ?q ?t {{ GRAPH <{GRAPH}> {{ ?q a <{CANONICAL_BASE}ontology#Quote> ; "
        f"<{CANONICAL_BASE}ontology#verbatimText> ?t }} }}"
    )
    return {row["q"].value: row["t"].value for row in rows}


def test_there_are_quotes_from_section_c(kg):
    assert len(quotes(kg)) == 9


def test_every_quote_is_a_substring_of_the_reference_file(kg):
    text = reference_text("facts-2.md")
    section_c = text[text.index("## C. Further quotes") : text.index("## D. UNVERIFIED")]
    missing = [q for q, words in quotes(kg).items() if words not in section_c]
    assert missing == []
