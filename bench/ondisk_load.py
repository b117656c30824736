"""Time and peak memory of `frkg load --store` against pyoxigraph's own bulk load, and the memory
of the server processes of `frkg serve --store` against `frkg serve` loading into memory.

    python bench/generate.py --triples 1M --out bench/scratch/1m
    python bench/ondisk_load.py bench/scratch/1m

Each load runs in a fresh process (peak resident memory is the process's own); the two loaders get
the same files (the ontology and the folder's Turtle files, each file into its own named graph).
Prints a Markdown table.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import click
import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent

# pyoxigraph's bulk loader alone: every file into its graph, then flushed to disk.
BULK_LOAD = """
import resource, sys, time
import pyoxigraph as ox
target, files = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
store = ox.Store(target)
for path in files:
    store.bulk_load(path=path, format=ox.RdfFormat.TURTLE,
                    to_graph=ox.NamedNode("https://w3id.org/frkg/graph/bench/" + path))
store.flush()
del store
print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

FRKG_LOAD = """
import resource, sys, time
from frkg.cli import main
started = time.perf_counter()
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


# The store alone, as a worker uses it: open it, then read what N entity documents need.
STORE_ONLY = """
import resource, sys
import pyoxigraph as ox
kind, where, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
if kind == "disk":
    store = ox.Store.read_only(where)
else:
    store = ox.Store()
    for path in sys.argv[4:]:
        store.bulk_load(path=path, format=ox.RdfFormat.TURTLE)
query = 'SELECT ?s { ?s a ?c FILTER(STRSTARTS(STR(?s), "https://w3id.org/frkg/id/")) }'
things = [r["s"] for r, _ in zip(store.query(query, use_default_graph_as_union=True), range(count))]
quads = sum(len(list(store.quads_for_pattern(t, None, None, None)))
            + len(list(store.quads_for_pattern(None, None, t, None))) for t in things)
print(quads, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _run(code: str, *args: str) -> tuple[float, float]:
    """(seconds, peak resident MB) of ``code`` run in a new interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, check=True
    )
    seconds, kilobytes = result.stdout.split()[-2:]
    return float(seconds), int(kilobytes) / 1024


def _tree_memory(pid: int) -> dict[int, tuple[int, float, float]]:
    """pid -> (depth below ``pid``, resident MB, proportional MB) for ``pid`` and every process
    below it. Forked processes share pages: the proportional set size (PSS) splits each shared
    page between the processes that map it, so the PSS of all of them adds up."""
    found: dict[int, tuple[int, float, float]] = {}
    todo = [(pid, 0)]
    while todo:
        p, depth = todo.pop()
        try:
            rollup = Path(f"/proc/{p}/smaps_rollup").read_text()
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        values = {line.split(":")[0]: int(line.split()[1]) for line in rollup.splitlines()[1:]}
        found[p] = (depth, values["Rss"] / 1024, values["Pss"] / 1024)
        todo += [(int(c), depth + 1) for c in children]
    return found


def _serve(args: list[str], warm: list[str]) -> tuple[float, dict[int, tuple[int, float, float]]]:
    """Start `frkg serve ARGS`, request every ``warm`` path, and return (seconds until it
    answered, the memory of its processes)."""
    with _free_port() as port:
        pass
    cmd = [sys.executable, "-m", "frkg", "serve", "--port", str(port), "--workers", "2", *args]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRKG_")}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    started = time.perf_counter()
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            try:
                with urllib.request.urlopen(url + "health", timeout=5):
                    break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("the server exited") from None
                time.sleep(0.1)
        up = time.perf_counter() - started
        for path in warm:
            with urllib.request.urlopen(url + path, timeout=60) as r:
                r.read()
        return up, _tree_memory(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


class _free_port:
    def __enter__(self) -> int:
        import socket

        self._s = socket.socket()
        self._s.bind(("127.0.0.1", 0))
        return self._s.getsockname()[1]

    def __exit__(self, *exc) -> None:
        self._s.close()


@click.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--requests", default=300, show_default=True, help="Entity documents to warm with.")
@click.option(
    "--serve/--no-serve",
    default=True,
    show_default=True,
    help="Also start both servers (their start-up builds every per-load index: slow on big data).",
)
def main(folder: Path, requests: int, serve: bool) -> None:
    """Time and memory of the on-disk store for FOLDER's Turtle files."""
    ontology = ROOT / "ontology" / "frkg.ttl"
    data = sorted(folder.glob("*.ttl"))
    files = [str(ontology), *map(str, data)]
    work = Path(tempfile.mkdtemp(prefix="frkg-ondisk-bench-"))
    no_shapes = work / "no-shapes"
    no_shapes.mkdir()
    try:
        rows = []
        bulk_seconds, bulk_mb = _run(BULK_LOAD, str(work / "bulk"), *files)
        rows.append(("pyoxigraph bulk_load to disk", bulk_seconds, bulk_mb))
        args = ["load", "--store", str(work / "store"), "--ontology", str(ontology)]
        args += ["--shapes", str(no_shapes), *[a for p in data for a in ("--data", str(p))]]
        seconds, mb = _run(FRKG_LOAD, *args)
        rows.append(("frkg load --store", seconds, mb))
        disk_mb = sum(p.stat().st_size for p in (work / "store").rglob("*") if p.is_file()) / 2**20
        click.echo(
            f"{folder}: {len(files)} files; {os.cpu_count()} cores {platform.machine()}; "
            f"pyoxigraph {ox.__version__}; Python {platform.python_version()}\n"
        )
        click.echo("| loader | seconds | peak resident MB | vs pyoxigraph (time / memory) |")
        click.echo("|---|---|---|---|")
        for name, seconds, mb in rows:
            click.echo(
                f"| {name} | {seconds:.1f} | {mb:.0f} | "
                f"{seconds / bulk_seconds:.2f}x / {mb / bulk_mb:.2f}x |"
            )
        click.echo(f"\nstore on disk: {disk_mb:.0f} MB\n")
        click.echo(f"| the store alone, after reading {requests} entities | peak resident MB |")
        click.echo("|---|---|")
        for kind in ("disk", "memory"):
            where = str(work / "store" / "oxigraph")
            _, mb = _run(STORE_ONLY, kind, where, str(requests), *files)
            label = "read-only on-disk store" if kind == "disk" else "in-memory store (loaded)"
            click.echo(f"| {label} | {mb:.0f} |")
        click.echo()
        if not serve:
            return

        store = ox.Store.read_only(str(work / "store" / "oxigraph"))
        query = (
            'SELECT ?s { ?s a ?c FILTER(STRSTARTS(STR(?s), "https://w3id.org/frkg/id/")) } '
            f"LIMIT {requests}"
        )
        found = store.query(query, use_default_graph_as_union=True)
        warm = [f"data/{r['s'].value.rsplit('/', 1)[1]}.ttl" for r in found]
        del store
        serving = {}
        for name, serve_args in (
            ("frkg serve --store", ["--store", str(work / "store")]),
            (
                "frkg serve (in memory)",
                [
                    *("--base-iri", "https://w3id.org/frkg/", "--ontology", str(ontology)),
                    *("--shapes", str(no_shapes)),
                    *[a for p in data for a in ("--data", str(p))],
                ],
            ),
        ):
            serving[name] = _serve(serve_args, warm)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    click.echo(
        f"| server, after {len(warm)} entity documents | seconds to first answer | "
        "master RSS / PSS MB | each worker RSS / PSS MB | query-worker zygotes PSS MB |"
    )
    click.echo("|---|---|---|---|---|")
    for name, (up, memory) in serving.items():
        by_depth: dict[int, list] = {}
        for depth, rss, pss in memory.values():
            by_depth.setdefault(depth, []).append((rss, pss))
        (master,) = by_depth[0]
        click.echo(
            f"| {name} | {up:.1f} | {master[0]:.0f} / {master[1]:.0f} | "
            + ", ".join(f"{r:.0f} / {p:.0f}" for r, p in sorted(by_depth.get(1, [])))
            + " | "
            + ", ".join(f"{p:.0f}" for _, p in sorted(by_depth.get(2, [])))
            + " |"
        )


if __name__ == "__main__":
    main()
