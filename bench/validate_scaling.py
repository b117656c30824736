"""How `frkg validate` scales with the size of the data: the good fixture copied N times.

Each copy renames every id: IRI, so the copies are independent but valid data of the real shape.
Prints seconds per phase for each size. Run: .venv/bin/python bench/validate_scaling.py [N ...]
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from frkg.config import expand_paths
from frkg.validate import validate_files

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "tests" / "fixtures" / "good"


def synthetic(folder: Path, copies: int) -> None:
    """Write ``copies`` renamed copies of the good fixture into ``folder``."""
    for source in sorted(GOOD.glob("*.ttl")):
        text = source.read_text(encoding="utf-8")
        for n in range(copies):
            renamed = re.sub(r"\bid:([a-z0-9-]+)", rf"id:\1-copy{n}", text)
            (folder / f"{source.stem}-{n}.ttl").write_text(renamed, encoding="utf-8")


def main(sizes: list[int]) -> None:
    """Validate the synthetic data at each size and print the timings."""
    print("copies  triples  load_s  validate_s  total_s  results")
    for copies in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            synthetic(Path(tmp), copies)
            report = validate_files(
                ontology=expand_paths([str(ROOT / "ontology")]),
                data=expand_paths([tmp]),
                shapes=expand_paths([str(ROOT / "shapes")]),
            )
            t = report.timings
            print(
                f"{copies:6d} {report.triple_count:8d} {t['load']:7.2f} {t['validate']:11.2f} "
                f"{t['total']:8.2f} {len(report.results):8d}"
            )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1, 5, 20])
