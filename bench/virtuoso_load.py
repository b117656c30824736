"""Time Virtuoso's start and its two ways of loading Turtle, against pyoxigraph's bulk load.

    python bench/virtuoso_load.py bench/scratch/1m          # a folder written by bench/generate.py

Each method gets a fresh server (a new database), so the times do not depend on the order. The
ontology is loaded with the data, as the tests do. Prints a Markdown table.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click
import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the throwaway Virtuoso the tests use

from virtuoso_server import SERVER, Virtuoso  # noqa: E402

GRAPH = "https://w3id.org/frkg/graph/bench"


def _count(server: Virtuoso) -> int:
    output = server.sql(f"sparql select count(*) from <{GRAPH}> where {{ ?s ?p ?o }};\n")
    return int(next(line for line in output.split() if line.isdigit()))


@click.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--buffers", default=200_000, show_default=True, help="Virtuoso NumberOfBuffers.")
def main(folder: Path, buffers: int) -> None:
    """Time Virtuoso start, bulk loader and TTLP_MT on FOLDER's Turtle files."""
    files = [ROOT / "ontology" / "frkg.ttl", *sorted(folder.glob("*.ttl"))]
    started = time.perf_counter()
    store = ox.Store()
    for path in files:
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    oxigraph_seconds = time.perf_counter() - started
    rows = [("pyoxigraph bulk_load (in memory)", "", oxigraph_seconds, len(store))]
    for method in ("bulk", "ttlp"):
        with tempfile.TemporaryDirectory() as directory:
            server = Virtuoso(directory, buffers=buffers)
            started = time.perf_counter()
            server.start()
            start_seconds = time.perf_counter() - started
            try:
                started = time.perf_counter()
                server.load(files, GRAPH, method=method)
                load_seconds = time.perf_counter() - started
                rows.append((f"Virtuoso {method}", start_seconds, load_seconds, _count(server)))
            finally:
                server.stop()
    about = subprocess.run([SERVER, "-?"], capture_output=True, text=True)
    version = next(line for line in (about.stdout + about.stderr).splitlines() if "Version" in line)
    click.echo(f"{len(store):,} triples from {folder}; {os.cpu_count()} cores {platform.machine()}")
    click.echo(f"pyoxigraph {ox.__version__}; Virtuoso {version.strip()}\n")
    click.echo("| loader | server start (s) | load (s) | triples | load vs pyoxigraph |")
    click.echo("|---|---|---|---|---|")
    for name, start, seconds, triples in rows:
        start_text = f"{start:.1f}" if start != "" else ""
        ratio = seconds / oxigraph_seconds
        click.echo(f"| {name} | {start_text} | {seconds:.1f} | {triples:,} | {ratio:.1f}x |")


if __name__ == "__main__":
    main()
