"""SPARQL SELECT results as a text table for a terminal (``frkg query --format table``).

Reads the W3C SPARQL 1.1 Query Results JSON Format (section 3) and writes one aligned column per
variable: IRIs shortened with the dataset's prefixes, literals as their text. A terminal obeys
control characters, so a value is never written raw: controls and bidirectional overrides are
shown as ``\\x1b``-style escapes, and a line break as ``\\n``.
"""

from __future__ import annotations

import json
import textwrap
import unicodedata
from collections.abc import Mapping

MAX_WIDTH = 60  # a column wider than this wraps its cells onto more lines
_BIDI_CONTROLS = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {0x200E, 0x200F}


def render(results_json: bytes, prefixes: Mapping[str, str]) -> str:
    """The table of a SELECT answer, or ``true``/``false`` for an ASK answer."""
    results = json.loads(results_json)
    if "boolean" in results:
        return ("true" if results["boolean"] else "false") + "\n"
    names = results["head"].get("vars", [])
    rows = [
        [cell(binding.get(name), prefixes) for name in names]
        for binding in results["results"]["bindings"]
    ]
    if not names:
        return f"({_rows(len(rows))}, no variables)\n"
    widths = [
        min(MAX_WIDTH, max([len(name), *(len(row[i]) for row in rows)]))
        for i, name in enumerate(names)
    ]
    lines = [_line(names, widths), _line(["-" * w for w in widths], widths)]
    for row in rows:
        wrapped = [
            textwrap.wrap(text, w, break_on_hyphens=False) or [""]
            for text, w in zip(row, widths, strict=True)
        ]
        for i in range(max(len(parts) for parts in wrapped)):
            lines.append(_line([parts[i] if i < len(parts) else "" for parts in wrapped], widths))
    lines.append(f"({_rows(len(rows))})")
    return "\n".join(lines) + "\n"


def cell(term: Mapping[str, str] | None, prefixes: Mapping[str, str]) -> str:
    """One RDF term of the JSON results (section 3.2.2) as a table cell."""
    if term is None:
        return ""
    value = term["value"]
    if term["type"] == "uri":
        return safe(compact(value, prefixes))
    if term["type"] == "bnode":
        return "_:" + safe(value)
    return safe(value)


def compact(iri: str, prefixes: Mapping[str, str]) -> str:
    """``prefix:local`` when a prefix's namespace starts the IRI, else ``<iri>``."""
    for prefix, namespace in sorted(prefixes.items(), key=lambda kv: -len(kv[1])):
        local = iri[len(namespace) :]
        if iri.startswith(namespace) and local and all(c.isalnum() or c in "-_." for c in local):
            return f"{prefix}:{local}"
    return f"<{iri}>"


def safe(text: str) -> str:
    """``text`` with every character a terminal would act on written as an escape."""
    out = []
    for char in text:
        code = ord(char)
        if char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif unicodedata.category(char) == "Cc" or code in _BIDI_CONTROLS:
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def _line(cells: list[str], widths: list[int]) -> str:
    return "  ".join(text.ljust(width) for text, width in zip(cells, widths, strict=True)).rstrip()


def _rows(n: int) -> str:
    return f"{n} row{'' if n == 1 else 's'}"
