"""`frkg validate`'s SHACL engines side by side: pyshacl-turbo (the default) against pySHACL.

    nice -n 10 .venv/bin/python bench/validate_engines.py --sizes 10k,100k          # both engines
    nice -n 10 .venv/bin/python bench/validate_engines.py --sizes 1M --pyshacl-max 100k

Never run as a test. For each size it takes the generated debate of ``bench/run.py`` (seed 1, in
``bench/scratch/``, made now when missing) with the repository's ontology and shapes, and runs
``validate_files`` once per engine, each in a fresh process (pySHACL only up to ``--pyshacl-max``:
it takes about 100 s per 100k triples). It checks that both engines give the same findings
(conformance and the number of results: tests/test_validate_engines.py compares them result by
result on every fixture) and reports the seconds per stage (load: parse the files and build the
graphs; targets, part of validate: the SPARQL targets run on pyoxigraph, to skip the shapes that
select nothing; validate: the engine; report: results with file and line), the peak memory, and
turbo's speed-up.
Writes a Markdown report into ``bench/results/``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import parse_count  # noqa: E402
from bench.run import dataset  # noqa: E402

RESULTS = ROOT / "bench" / "results"
STAGES = ("load", "targets", "validate", "report", "total")


def probe(engine: str, data: Path) -> dict:
    """One validation in this process: timings, results, peak memory."""
    from frkg import validate as validation
    from frkg.config import expand_paths

    report = validation.validate_files(
        ontology=expand_paths([str(ROOT / "ontology")]),
        data=expand_paths([str(data)]),
        shapes=expand_paths([str(ROOT / "shapes")]),
        engine=engine,
    )
    return {
        "conforms": report.conforms,
        "results": len(report.results),
        "triples": report.triple_count,
        "timings": report.timings,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measure(engine: str, data: Path, timeout: float) -> dict | None:
    """:func:`probe` in a fresh process; None when it took longer than ``timeout``."""
    args = [sys.executable, __file__, "--probe", engine, str(data)]
    started = time.perf_counter()
    try:
        out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        raise click.ClickException(f"{engine} on {data} failed:\n{out.stderr[-2000:]}")
    found = json.loads(out.stdout)
    found["wall"] = time.perf_counter() - started
    return found


def versions() -> dict[str, str]:
    info = {
        "CPU": _cpu(),
        "cores": str(os.cpu_count()),
        "Python": platform.python_version(),
    }
    for package in ("frkg", "pyshacl-turbo", "pyshacl", "pyoxigraph", "rdflib"):
        info[package] = metadata.version(package)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    info["frkg commit"] = commit or "?"
    info["load average at start"] = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return info


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def secs(value: float | None) -> str:
    return "" if value is None else f"{value:.1f} s"


@click.command()
@click.option("--sizes", default="10k,100k", show_default=True, help="Comma-separated sizes.")
@click.option(
    "--pyshacl-max",
    default="100k",
    show_default=True,
    help="Largest size pySHACL runs on (it takes about 100 s per 100k triples).",
)
@click.option("--timeout", default=600.0, show_default=True, help="Seconds per run at most.")
@click.option("--probe", nargs=2, hidden=True, default=None)
def main(sizes: str, pyshacl_max: str, timeout: float, probe: tuple[str, str] | None) -> None:
    """Measure both engines and write bench/results/<date>-validate-<sizes>.md."""
    if probe:
        print(json.dumps(globals()["probe"](probe[0], Path(probe[1]))))
        return
    started = time.perf_counter()
    info = versions()
    labels = [s.strip() for s in sizes.split(",") if s.strip()]
    rows = []
    for label in labels:
        data = dataset(label)
        engines = ["turbo"]
        if parse_count(label) <= parse_count(pyshacl_max):
            engines.append("pyshacl")
        found = {}
        for engine in engines:
            print(f"{label}: {engine} ...", flush=True)
            found[engine] = measure(engine, data, timeout)
            print(f"{label}: {engine} {found[engine]}", flush=True)
        rows.append((label, found))
    report = write_report(rows, info, " ".join(sys.argv[1:]), time.perf_counter() - started)
    print(f"wrote {report.relative_to(ROOT)}")


def write_report(rows: list, info: dict, command: str, seconds: float) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now()
    labels = "-".join(label for label, _ in rows)
    path = RESULTS / f"{now:%Y-%m-%d-%H%M}-validate-{labels}.md"
    lines = [
        f"# frkg validate: SHACL engines, {now:%Y-%m-%d %H:%M}",
        "",
        f"Command: `nice -n 10 python bench/validate_engines.py {command}` "
        f"({seconds / 60:.1f} minutes)",
        "",
        "## Machine and versions",
        "",
        "| | |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in info.items()],
        f"| load average at end | {', '.join(f'{x:.1f}' for x in os.getloadavg())} |",
        "",
        "## Results",
        "",
        "The generated debate (`bench/generate.py`, seed 1) with the repository's ontology and "
        "shapes, each run in a fresh process. Stages: load (parse, build the graphs), targets "
        "(turbo only, part of validate: SPARQL targets on pyoxigraph, to skip the shapes that "
        "select nothing), validate (the engine), report (results with file and line); wall is "
        "the process, imports included. Target of issue 17: under 60 s at 1M with pySHACL's "
        "findings.",
        "",
        "| size | engine | results | load | targets | validate | report | total | wall "
        "| peak memory | pySHACL / turbo |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    notes = []
    for label, found in rows:
        reference = found.get("pyshacl")
        for engine, run in found.items():
            if run is None:
                lines.append(f"| {label} | {engine} | | | | | | > timeout | | | |")
                continue
            t = run["timings"]
            ratio = ""
            if engine == "turbo" and reference:
                ratio = f"{reference['timings']['total'] / t['total']:.1f}x"
            lines.append(
                f"| {label} | {engine} | {run['results']} "
                f"({'conforms' if run['conforms'] else 'does not conform'}) | "
                + " | ".join(secs(t.get(stage)) for stage in STAGES)
                + f" | {secs(run['wall'])} | {run['peak_mb']:.0f} MB | {ratio} |"
            )
        if reference and found.get("turbo"):
            same = all(
                reference[k] == found["turbo"][k] for k in ("conforms", "results", "triples")
            )
            notes.append(
                f"- {label}: the engines {'agree' if same else '**disagree**'} "
                f"(conformance, number of results, triples read)."
            )
    lines += ["", *notes]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    main()
