"""What checking one hostile query costs: the old token scan (sparql.check) against the parser.

    python bench/sparql_check_cost.py [--size 65536] [--old-limit 20]

For each shape of bench/hostile_queries.py, prints the seconds the checker spends on a body of
``--size`` bytes, and on one of half that size: the ratio says how the cost grows (2 is linear,
4 quadratic). The old checker is stopped after ``--old-limit`` seconds (it runs in a child).
"""

from __future__ import annotations

import argparse
import multiprocessing
import time

from bench.hostile_queries import SHAPES


def _old(text: str) -> None:
    from frkg import sparql

    try:
        sparql.check(text, 1 << 30)
    except sparql.SparqlError:
        pass


def _new(text: str) -> None:
    from frkg import sparql_syntax

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
    options = args.parse_args()
    size = options.size
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
