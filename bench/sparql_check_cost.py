"""What checking one hostile query costs: the old token scan against the parser.

    python -m bench.sparql_check_cost [--size 65536] [--old-limit 20] [--old-rev REV]

For each shape of tests/hostile_queries.py, prints the seconds the checker spends on a body of
``--size`` bytes, and on one of half that size: the ratio says how the cost grows (2 is linear,
4 quadratic). "old" is the regular-expression token scan that decided before the parser
(``scan`` of ``src/frkg/sparql_syntax.py`` at ``--old-rev``, read with ``git show``; the old
service ran it twice per request); it runs in a child, stopped after ``--old-limit`` seconds.
"""

from __future__ import annotations

import argparse
import multiprocessing
import subprocess
import sys
import time
import types
from pathlib import Path

from frkg import sparql_syntax

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the tests' shapes
from hostile_queries import SHAPES  # noqa: E402

_OLD = types.ModuleType("old_sparql_syntax")


def _load_old(rev: str) -> None:
    source = subprocess.run(
        ["git", "show", f"{rev}:src/frkg/sparql_syntax.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    sys.modules[_OLD.__name__] = _OLD  # dataclasses look their module up there
    exec(compile(source, "old_sparql_syntax.py", "exec"), _OLD.__dict__)  # noqa: S102


def _old(text: str) -> None:
    _OLD.scan(text)


def _new(text: str) -> None:
    try:
        sparql_syntax.parse(text, base_iri="http://example.org/sparql")
    except sparql_syntax.Refusal:
        pass


def _timed(check, text: str) -> float:
    started = time.perf_counter()
    check(text)
    return time.perf_counter() - started


def _in_child(check, text: str, limit: float) -> float | None:
    with multiprocessing.get_context("fork").Pool(1) as pool:
        pending = pool.apply_async(_timed, (check, text))
        try:
            return pending.get(limit)
        except multiprocessing.TimeoutError:
            return None


def main() -> None:
    """Print the table."""
    args = argparse.ArgumentParser()
    args.add_argument("--size", type=int, default=65536)
    args.add_argument("--old-limit", type=float, default=20.0)
    args.add_argument("--old-rev", default="ff4e3b0")
    options = args.parse_args()
    _load_old(options.old_rev)
    size = options.size
    _new(SHAPES["many-triples"](1024))  # warm: the first parse of a process pays for imports
    print(f"{'shape':22} {'old s':>9} {'old 2x':>7} {'new s':>9} {'new 2x':>7}")
    for name, make in SHAPES.items():
        big, half = make(size), make(size // 2)
        old = _in_child(_old, big, options.old_limit)
        old_half = _in_child(_old, half, options.old_limit)
        new, new_half = _timed(_new, big), _timed(_new, half)
        old_s = f"{old:9.3f}" if old is not None else f">{options.old_limit:7.0f}s"
        old_r = f"{old / old_half:7.1f}" if old and old_half else "      -"
        print(f"{name:22} {old_s} {old_r} {new:9.4f} {new / new_half:7.1f}")


if __name__ == "__main__":
    main()
