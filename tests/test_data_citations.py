"""Every citation of the repository's data can be checked without the web (issue 13, "A source
and its excerpt on every claim"): its excerpt is a verbatim stretch of the reference text it names
(the row of facts.md or facts-2.md, or the seed article), and a quote's words are in the excerpt
that backs them. The shapes (shapes/citations.ttl) check the form; this checks the words, which a
shape cannot read."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest

from frkg.namespaces import DCT, RDF_TYPE
from tests.conftest import ROOT, SHARED_REFERENCE, reference_text

FRKG = "https://w3id.org/frkg/ontology#"
PROV = "http://www.w3.org/ns/prov#"
CITATION = ox.NamedNode(FRKG + "citation")
ENTRY = re.compile(
    r"^(?P<file>facts(-2)?\.md) "
    r"(?:#?(?P<row>[A-Z]?[0-9]+)|§?(?P<section>[0-9]\.[0-9]|(?<=§)[0-9]))$"
)


@cache
def data() -> ox.Store:
    store = ox.Store()
    for path in sorted((ROOT / "data").glob("*.ttl")):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


def citations() -> list[tuple[str, ox.BlankNode | ox.NamedNode]]:
    found = [(q.subject.value, q.object) for q in data().quads_for_pattern(None, CITATION, None)]
    return sorted(found, key=lambda c: c[0])


def one(node, prop: str) -> str | None:
    values = [q.object.value for q in data().quads_for_pattern(node, ox.NamedNode(prop), None)]
    return values[0] if len(values) == 1 else None


def flat(text: str) -> str:
    """Whitespace runs as one space; a Markdown table's escaped bar as the bar it stands for."""
    return re.sub(r"\s+", " ", text.replace("\\|", "|")).strip()


@cache
def seed_article() -> str:
    reference_text("facts.md")  # skips the test when ../shared is not beside the clone
    (article,) = sorted(SHARED_REFERENCE.glob("*.txt"))
    return flat(Path(article).read_text(encoding="utf-8"))


@cache
def entry_text(entry: str) -> str:
    """The text of the reference entry a citation names: a table row, a section or the article."""
    if entry == "seed article":
        return seed_article()
    m = ENTRY.match(entry)
    assert m, f"frkg:checkedIn {entry!r} names no reference entry"
    lines = reference_text(m["file"]).splitlines()
    if m["row"]:
        rows = [line for line in lines if re.match(rf"^\|\s*{m['row']}\s*\|", line)]
        assert len(rows) == 1, f"{m['file']} has {len(rows)} rows {m['row']!r}"
        return flat(rows[0])
    # "1.1" is a "### 1.1 ..." subsection, "§4" a "## 4. ..." section (to the next heading).
    heading = re.compile(rf"^#{{2,3}} {re.escape(m['section'])}[ .]")
    start = next(i for i, line in enumerate(lines) if heading.match(line))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("#")), len(lines))
    return flat("\n".join(lines[start:end]))


def test_some_claims_are_cited():
    assert len(citations()) >= 1


@pytest.mark.parametrize("subject, citation", citations(), ids=lambda v: getattr(v, "value", v))
def test_excerpt_is_verbatim_in_the_reference_entry_it_names(subject, citation):
    """The source's words (frkg:excerpt), or the reference file's record where it kept none
    (frkg:referenceNote), are in the entry frkg:checkedIn names, character for character."""
    words = [one(citation, FRKG + p) for p in ("excerpt", "referenceNote")]
    excerpt, entry = next(filter(None, words), None), one(citation, FRKG + "checkedIn")
    assert excerpt and entry, f"{subject}: a citation without one excerpt and one entry"
    assert flat(excerpt) in entry_text(entry), (
        f"{subject}: the excerpt is not, character for character, in {entry}: {excerpt!r}"
    )


def test_every_quote_is_in_an_excerpt_that_backs_it():
    """A quote's words are checkable: some citation of the quote holds them verbatim."""
    quote = ox.NamedNode(FRKG + "Quote")
    missing = []
    for q in data().quads_for_pattern(None, RDF_TYPE, quote):
        words = [
            flat(w.object.value)
            for w in data().quads_for_pattern(q.subject, ox.NamedNode(FRKG + "verbatimText"), None)
        ]
        excerpts = [
            flat(one(c.object, FRKG + "excerpt") or "")
            for c in data().quads_for_pattern(q.subject, CITATION, None)
        ]
        for w in words:
            if not any(w in e for e in excerpts):
                missing.append(f"{q.subject.value}: {w!r}")
    assert not missing, "quotes whose words no citation's excerpt holds:\n" + "\n".join(missing)


def test_a_citation_quotes_one_of_the_nodes_sources():
    wrong = []
    for subject, citation in citations():
        source = one(citation, PROV + "wasQuotedFrom")
        listed = {
            q.object.value
            for q in data().quads_for_pattern(
                ox.NamedNode(subject), ox.NamedNode(DCT + "source"), None
            )
        }
        if source not in listed:
            wrong.append(f"{subject}: quotes {source}")
    assert not wrong, "\n".join(wrong)
