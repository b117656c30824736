"""frkg's benchmark suite: every measurement side by side with its reference, as ratios.

    .venv/bin/pip install -r bench/requirements.txt     # once: rdflib-endpoint and uvicorn
    .venv/bin/python bench/run.py                       # 10k, 100k and 1M triples, everything
    .venv/bin/python bench/run.py --sizes 10k --only documents,hub --duration 5

Never run as a test. For each size it generates the synthetic debate (``bench/generate.py``,
seed 1) or reuses it from ``bench/scratch/`` (git-ignored), then measures, in one run:

- **load**: time and peak memory of :func:`frkg.store.load_files` against pyoxigraph's own
  ``Store.load`` and ``Store.bulk_load`` of the same files, each in a fresh process
  (``bench/loadprobe.py``);
- **documents**: Turtle, JSON-LD and HTML throughput and p50/p99 latency of ``frkg serve``
  (gunicorn, the default workers and threads) under ``wrk`` spread over thousands of entities,
  against a trivial Flask app returning a document of the same size on the same server setup
  (``bench/ceiling.py``: the framework ceiling);
- **hub**: the latency of the page of the generator's hub organization (one connection);
- **search**: ``/search`` latency over a fixed set of label queries, against the SPARQL label
  scan it replaces;
- **sparql**: a fixed set of lookups and heavy aggregations through ``/sparql`` against the same
  queries on pyoxigraph in this process (the engine floor) and on ``rdflib-endpoint`` (uvicorn on
  127.0.0.1) over the same quads; answers are cross-checked between the three;
- **validate**: ``frkg validate`` on the generated data.

It prints every row as it is measured and writes a Markdown report to ``bench/results/`` (date,
machine, versions, the table with ratios and targets). Every server it starts listens on
127.0.0.1 and is stopped at the end.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import click
import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import GENERATOR_VERSION, generate, parse_count  # noqa: E402
from frkg import CANONICAL_BASE, store  # noqa: E402
from frkg.config import expand_paths  # noqa: E402

WORK = ROOT / "bench" / "scratch"
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
SEED = 1
PARTS = ("load", "documents", "hub", "search", "sparql", "validate")
ID = CANONICAL_BASE + "id/"
PREFIXES = f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX frkg: <{CANONICAL_BASE}ontology#>
"""
#: Label queries for /search: whole names, prefixes, words, accents, a short prefix, no match.
SEARCH_QUERIES = (
    "greer",
    "evan g",
    "müller",
    "o'brien",
    "civil liberties union",
    "police department",
    "gazette",
    "quote by",
    "ma",
    "zzzzqx",
)
#: Most entities a throughput run spreads its requests over.
SAMPLE = 5000
#: How many of them the ceiling app serves and the response-cache run asks for (a popular set).
POPULAR = 300
SERVER_START_TIMEOUT = 1800


# -- results ------------------------------------------------------------------------------------


@dataclass
class Row:
    """One measurement: frkg's value, the reference's, their ratio, the target and whether met."""

    size: str
    part: str
    measure: str
    value: str
    reference: str
    ratio: str
    target: str
    met: bool | None
    note: str = ""

    def markdown(self) -> str:
        """The row as a Markdown table row."""
        met = {True: "yes", False: "**no**", None: ""}[self.met]
        cells = (self.size, self.measure, self.value, self.reference, self.ratio, self.target, met)
        return "| " + " | ".join(cells) + " |"


HEADER = (
    "| size | measure | frkg | reference | ratio | target | met |\n|---|---|---|---|---|---|---|"
)


class Report:
    """The rows measured so far; prints each as it comes."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.notes: list[str] = []

    def add(self, row: Row) -> None:
        """Keep ``row`` and print it."""
        self.rows.append(row)
        met = {True: "met", False: "NOT MET", None: ""}[row.met]
        print(
            f"  {row.measure:<46} {row.value:>18}   vs {row.reference:<34} {row.ratio:>10} {met}",
            flush=True,
        )
        if row.note:
            self.note(f"{row.size} {row.measure}: {row.note}")

    def note(self, text: str) -> None:
        """Keep a remark for the report."""
        self.notes.append(text)
        print(f"  note: {text}", flush=True)


def ms(seconds: float) -> str:
    """Seconds as milliseconds, to a sensible precision."""
    value = seconds * 1000
    return (
        f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
    )


def mb(size: int) -> str:
    """Bytes as megabytes."""
    return f"{size / 1e6:.0f} MB"


# -- machine and versions -----------------------------------------------------------------------


def machine() -> dict[str, str]:
    """CPU model, cores, memory, OS and the versions of everything measured."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    info = {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
    }
    for name in (
        "frkg",
        "pyoxigraph",
        "rdflib",
        "pyshacl",
        "Flask",
        "Werkzeug",
        "Jinja2",
        "gunicorn",
        "flask-compress",
        "rdflib-endpoint",
        "uvicorn",
        "fastapi",
    ):
        try:
            info[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            info[name] = "not installed"
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    info["wrk"] = (wrk.stdout + wrk.stderr).split("Copyright")[0].strip()
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    )
    info["frkg commit"] = commit.stdout.strip() or "unknown"
    # Other work on the machine moves every figure: say how busy it was (ratios are taken side
    # by side, in turns, to cancel most of it).
    info["load average at start"] = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return info


# -- data ---------------------------------------------------------------------------------------


def dataset(label: str) -> Path:
    """The generated data of ``label`` triples, generated now unless already in bench/scratch."""
    folder = WORK / f"data-{label}"
    manifest = folder / "manifest.json"
    if manifest.exists():
        m = json.loads(manifest.read_text())
        if (
            m.get("generator") == GENERATOR_VERSION
            and m.get("seed") == SEED
            and m.get("requested_triples") == parse_count(label)
        ):
            return folder
    print(f"generating {label} triples into {folder.relative_to(ROOT)}", flush=True)
    generate(parse_count(label), folder, SEED)
    for stale in WORK.glob(f"*-{label}.*"):  # files derived from the old data
        stale.unlink()
    return folder


def sources(data: Path) -> dict[str, list[Path]]:
    """What ``frkg serve --data DATA`` loads, by kind (with the repository ontology and shapes)."""
    return {
        "ontology": expand_paths([str(ROOT / "ontology")]),
        "data": expand_paths([str(data)]),
        "shapes": expand_paths([str(ROOT / "shapes")]),
    }


def manifest(data: Path) -> dict:
    """The generator's manifest of ``data``."""
    return json.loads((data / "manifest.json").read_text())


# -- processes ----------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running(args: list[str], url: str, ready: Callable[[str], bool], log: Path) -> Iterator[None]:
    """Run ``args`` (in a session of its own) until the block ends; wait until ``ready(url)``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not ready(url):
            if proc.poll() is not None:
                raise RuntimeError(f"{args[2:4]} exited with {proc.returncode}; see {log}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{args[2:4]} did not start in time; see {log}")
            time.sleep(0.5)
        yield
    finally:
        # The server, its workers and their query processes share the session we gave it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def answers(path: str = "/health") -> Callable[[str], bool]:
    """A readiness check: GET ``path`` answers 200."""

    def check(url: str) -> bool:
        try:
            status, _, _ = get(url, path, timeout=5)
        except OSError:
            return False
        return status == 200

    return check


def get(
    url: str, path: str, headers: dict | None = None, timeout: float = 120
) -> tuple[int, dict, bytes]:
    """One GET on a new connection: status, headers, body."""
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


class Client:
    """One keep-alive HTTP connection that times each request."""

    def __init__(self, url: str, timeout: float = 600) -> None:
        host, port = url.removeprefix("http://").rstrip("/").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=timeout)

    def get(self, path: str, headers: dict | None = None) -> tuple[float, int, bytes]:
        """Seconds taken, status and body of one GET."""
        started = time.perf_counter()
        self.conn.request("GET", path, headers=headers or {})
        response = self.conn.getresponse()
        body = response.read()
        return time.perf_counter() - started, response.status, body

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


def repeat(run: Callable[[], object], runs: int, budget: float, least: int = 3) -> list[float]:
    """Seconds of each of up to ``runs`` calls after one warm-up, stopping after ``budget`` s."""
    started = time.perf_counter()
    run()  # warm-up: caches, templates, query plans
    times: list[float] = []
    while len(times) < runs and (len(times) < least or time.perf_counter() - started < budget):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
        if len(times) >= 1 and time.perf_counter() - started > budget * 4:
            break  # one call alone takes far longer than the budget
    return times


#: Sent to frkg to measure the work of building an answer: it makes the response cache step aside.
FRESH = ("Cache-Control", "no-cache")


def wrk(
    url: str,
    paths: list[str],
    seconds: float,
    connections: int,
    threads: int,
    header: tuple[str, str] | None = None,
) -> dict:
    """Run wrk over ``paths`` and return its JSON summary (``bench/paths.lua``), with ``split``:
    how wrk's connections were shared among the server's worker processes halfway through."""
    listing = WORK / "wrk-paths.txt"
    listing.write_text("\n".join(paths) + "\n")
    extra = ["-H", f"{header[0]}: {header[1]}"] if header else []
    duration = max(1, round(seconds))
    proc = subprocess.Popen(
        [
            "wrk",
            *extra,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "30s",
            "-s",
            str(ROOT / "bench" / "paths.lua"),
            url.rstrip("/"),
            "--",
            str(listing),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    split: list[int] = []
    if connections > 1:
        time.sleep(duration / 2)
        split = connection_split(urlsplit(url).port)
    stdout, stderr = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"wrk exited with {proc.returncode}: {stderr.strip()}")
    line = next(x for x in stdout.splitlines() if x.startswith("WRK-JSON "))
    result = json.loads(line.removeprefix("WRK-JSON "))
    result["rps"] = result["requests"] / result["seconds"]
    result["split"] = split
    return result


def connection_split(port: int) -> list[int]:
    """Established connections to ``port`` held by each process, most first (``ss``; empty when
    it is missing). gunicorn's gthread workers each accept until they hold 1,000 connections, so
    wrk's keep-alive connections can all land on one worker: that run then uses one core."""
    if not shutil.which("ss"):
        return []
    out = subprocess.run(
        ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
    ).stdout
    return sorted(Counter(re.findall(r"pid=(\d+)", out)).values(), reverse=True)


# -- load ---------------------------------------------------------------------------------------


def bench_load(report: Report, label: str, data: Path) -> None:
    """frkg's load against pyoxigraph's own, time and peak memory, each in a fresh process."""
    specs = [f"{kind}:{p}" for kind, paths in sources(data).items() for p in paths]

    def probe(way: str) -> dict:
        runs = []
        for _ in range(2):  # the better of two: the first may pay for a cold page cache
            out = subprocess.run(
                [PYTHON, "-m", "bench.loadprobe", way, *specs],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        return min(runs, key=lambda r: r["seconds"])

    frkg = probe("frkg")
    plain = probe("pyoxigraph")
    bulk = probe("pyoxigraph-bulk")
    rebased = probe("frkg-rebased")
    for ref_name, ref in (("pyoxigraph Store.load", plain), ("pyoxigraph bulk_load", bulk)):
        ratio = frkg["seconds"] / ref["seconds"]
        report.add(
            Row(
                label,
                "load",
                f"load time (vs {ref_name})",
                f"{frkg['seconds']:.2f} s",
                f"{ref_name} {ref['seconds']:.2f} s",
                f"{ratio:.2f}x",
                "≤ 1.2x",
                ratio <= 1.2,
            )
        )
        ratio = frkg["bytes"] / ref["bytes"]
        report.add(
            Row(
                label,
                "load",
                f"load peak memory (vs {ref_name})",
                mb(frkg["bytes"]),
                f"{ref_name} {mb(ref['bytes'])}",
                f"{ratio:.2f}x",
                "≤ 1.2x",
                ratio <= 1.2,
            )
        )
    ratio = rebased["seconds"] / frkg["seconds"]
    report.add(
        Row(
            label,
            "load",
            "load time, IRIs re-based to another base",
            f"{rebased['seconds']:.2f} s",
            f"canonical base {frkg['seconds']:.2f} s",
            f"{ratio:.2f}x",
            "",
            None,
        )
    )
    if frkg["quads"] <= plain["quads"]:
        report.note(
            f"{label}: frkg holds {frkg['quads']} quads, pyoxigraph {plain['quads']}: "
            "the inverse links frkg materialises are missing"
        )


# -- the HTTP benchmarks ------------------------------------------------------------------------


def entity_sample(kg: store.KnowledgeGraph, k: int) -> list[str]:
    """Up to ``k`` entity slugs, drawn with a fixed seed from every typed entity."""
    rows = kg.store.query(
        f'SELECT DISTINCT ?s WHERE {{ ?s a ?t FILTER(STRSTARTS(STR(?s), "{ID}")) }}',
        use_default_graph_as_union=True,
    )
    slugs = sorted(r["s"].value[len(ID) :] for r in rows)
    slugs = [s for s in slugs if "/" not in s and "#" not in s]
    return random.Random(SEED).sample(slugs, min(k, len(slugs)))


FORMATS = (
    ("Turtle document", "/data/{}.ttl", "text/turtle; charset=utf-8"),
    ("JSON-LD document", "/data/{}.jsonld", "application/ld+json"),
    ("HTML page", "/page/{}", "text/html; charset=utf-8"),
)


def bench_http(
    report: Report,
    label: str,
    data: Path,
    kg: store.KnowledgeGraph,
    parts: set[str],
    options: dict,
) -> None:
    """Everything measured against a running ``frkg serve``: documents, hub, search, SPARQL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    serve = [PYTHON, "-m", "frkg", "serve", "--host", "127.0.0.1", "--port", str(port)]
    serve += ["--base-iri", CANONICAL_BASE, "--data", str(data)]
    started = time.perf_counter()
    with running(serve, url, answers(), WORK / f"serve-{label}.log"):
        log = (WORK / f"serve-{label}.log").read_text(errors="replace").splitlines()
        built = next((line for line in log if "indexes built in" in line), "")
        report.note(
            f"{label}: frkg serve answered after {time.perf_counter() - started:.0f} s "
            f"(load and per-load indexes; {built.strip()})"
        )
        if "documents" in parts:
            bench_documents(report, label, url, kg, options)
        if "hub" in parts:
            bench_hub(report, label, url, data, options)
        if "search" in parts:
            bench_search(report, label, url, kg)
        if "sparql" in parts:
            queries = sparql_queries(kg, data)
            floor, through = {}, {}
            for name, text in queries.items():
                floor[name], through[name] = sparql_side_by_side(kg, url, text)
    if "sparql" in parts:
        rdflib = bench_rdflib(label, kg, queries, options) if options["rdflib"] else {}
        sparql_rows(report, label, queries, floor, through, rdflib)


def bench_documents(
    report: Report, label: str, url: str, kg: store.KnowledgeGraph, options: dict
) -> None:
    """Each document kind over many entities, against the ceiling app sending the same bytes.

    The ceiling app serves the documents of the first :data:`POPULAR` sampled entities as fixed
    bytes. frkg is measured twice: building every answer (the request says ``no-cache``, so the
    response cache steps aside) over every sampled entity, and answering those popular entities
    again and again (from its response cache). The three runs take turns for ``rounds`` rounds,
    so that a busy moment of the machine falls on all of them; medians are reported.
    """

    slugs = entity_sample(kg, SAMPLE)
    popular = slugs[:POPULAR]
    folders: dict[str, Path] = {}
    for name, pattern, _ in FORMATS:
        folder = WORK / f"ceiling-{label}-{len(folders)}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for i, slug in enumerate(popular):
            status, _, body = get(url, pattern.format(quote(slug)), {"Cache-Control": "no-cache"})
            if status != 200:
                raise RuntimeError(f"{pattern.format(slug)} answered {status}")
            (folder / str(i)).write_bytes(body)
        folders[name] = folder
    port = free_port()
    ceiling_url = f"http://127.0.0.1:{port}/"
    args = [PYTHON, "-m", "bench.ceiling", "--port", str(port)]
    for i, (name, _, content_type) in enumerate(FORMATS):
        args += ["--bodies", f"/fixed{i}={folders[name]}:{content_type}"]
    seconds, conns, threads = options["duration"], options["connections"], options["threads"]
    with running(args, ceiling_url, answers("/fixed0/0"), WORK / f"ceiling-{label}.log"):
        for i, (name, pattern, _) in enumerate(FORMATS):
            paths = [pattern.format(quote(s)) for s in slugs]
            fixed = [f"/fixed{i}/{n}" for n in range(len(popular))]
            size = sum(f.stat().st_size for f in folders[name].iterdir()) / len(popular)
            # Warm-ups: every worker's templates compiled, frkg's response cache filled.
            wrk(ceiling_url, fixed, 2, conns, threads)
            wrk(url, paths, 2, conns, threads, FRESH)
            wrk(url, paths[: len(popular)], 3, conns, threads)
            rounds: dict[str, list[dict]] = {"ceiling": [], "built": [], "cached": []}
            for _ in range(options["rounds"]):
                rounds["ceiling"].append(wrk(ceiling_url, fixed, seconds, conns, threads))
                rounds["built"].append(wrk(url, paths, seconds, conns, threads, FRESH))
                cached = wrk(url, paths[: len(popular)], seconds, conns, threads)
                rounds["cached"].append(cached)
            for result in (r for runs in rounds.values() for r in runs):
                if result["errors"] or result["status_errors"]:
                    report.note(f"{label} {name}: wrk saw errors: {result}")
            splits = "; ".join(
                f"{key} " + ", ".join("/".join(map(str, r["split"])) or "?" for r in runs)
                for key, runs in rounds.items()
            )
            report.note(f"{label} {name}s: wrk's connections per server worker, by round: {splits}")
            ceiling = _median_run(rounds["ceiling"])
            reference = f"trivial Flask {ceiling['rps']:.0f}/s (same bytes, {size:,.0f} B mean)"
            runs = (
                (f"built for each request ({len(slugs)} entities)", "built"),
                (f"from the response cache ({len(popular)} entities)", "cached"),
            )
            for how, key in runs:
                ours = _median_run(rounds[key])
                pairs = zip(rounds[key], rounds["ceiling"], strict=True)
                ratios = [o["rps"] / c["rps"] for o, c in pairs]
                ratio = statistics.median(ratios)
                report.add(
                    Row(
                        label,
                        "documents",
                        f"{name}s {how}: requests/s",
                        f"{ours['rps']:.0f}/s",
                        reference,
                        f"{ratio:.2f}x",
                        "≥ 0.9x",
                        ratio >= 0.9,
                    )
                )
                report.add(
                    Row(
                        label,
                        "documents",
                        f"{name}s {how.split(' (')[0]}: latency p50 / p99",
                        f"{ours['p50_us'] / 1000:.1f} / {ours['p99_us'] / 1000:.1f} ms",
                        f"trivial Flask {ceiling['p50_us'] / 1000:.1f} / "
                        f"{ceiling['p99_us'] / 1000:.1f} ms",
                        f"{ours['p50_us'] / ceiling['p50_us']:.2f}x",
                        "",
                        None,
                    )
                )


def _median_run(runs: list[dict]) -> dict:
    """The run with the median throughput."""
    return sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]


def bench_hub(report: Report, label: str, url: str, data: Path, options: dict) -> None:
    """The hub organization's page, one request at a time."""
    m = manifest(data)
    slug = m["hubs"]["organization"][len(ID) :]
    # Built for each request (the response cache steps aside): the work itself is measured.
    result = wrk(url, [f"/page/{slug}"], 2, 1, 1, FRESH)
    result = wrk(url, [f"/page/{slug}"], options["duration"], 1, 1, FRESH)
    p50 = result["p50_us"] / 1000
    report.add(
        Row(
            label,
            "hub",
            f"hub page ({m['hub_incoming']:,} incoming links), latency p50",
            f"{p50:.1f} ms",
            f"p99 {result['p99_us'] / 1000:.1f} ms, {result['rps']:.0f}/s on 1 connection",
            "",
            "< 20 ms",
            p50 < 20,
        )
    )


def bench_search(report: Report, label: str, url: str, kg: store.KnowledgeGraph) -> None:
    """/search latency over the query set, against a SPARQL scan of the labels."""
    client = Client(url)
    times: list[float] = []
    worst = (0.0, "")
    totals = {}
    for q in SEARCH_QUERIES:
        path = "/search?" + urlencode({"q": q, "format": "json"})
        status = client.get(path)[1]
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        these = [client.get(path)[0] for _ in range(20)]
        totals[q] = json.loads(client.get(path)[2])["total"]
        times += these
        worst = max(worst, (statistics.median(these), q))
    client.close()
    scan = []
    for q in SEARCH_QUERIES[:3]:
        text = (
            "SELECT ?s ?l WHERE { ?s ?p ?l FILTER(isLiteral(?l) && "
            f'CONTAINS(LCASE(STR(?l)), "{q}")) VALUES ?p {{ '
            "<http://www.w3.org/2000/01/rdf-schema#label> "
            "<http://www.w3.org/2004/02/skos/core#prefLabel> "
            "<http://www.w3.org/2004/02/skos/core#altLabel> } }"
        )
        scan += repeat(lambda text=text: sparql_direct(kg, text), 5, 5)
    p50, scan50 = statistics.median(times), statistics.median(scan)
    report.add(
        Row(
            label,
            "search",
            f"label search latency p50 ({len(SEARCH_QUERIES)} queries × 20, HTTP)",
            ms(p50),
            f"SPARQL label scan {ms(scan50)}",
            f"{scan50 / p50:.0f}x faster",
            "< 5 ms",
            p50 < 0.005,
            note=f"p99 {ms(statistics.quantiles(times, n=100)[98])}; slowest query "
            f"{worst[1]!r} at {ms(worst[0])} p50; hits: "
            + ", ".join(f"{q!r} {n}" for q, n in totals.items()),
        )
    )


# -- SPARQL -------------------------------------------------------------------------------------


def sparql_queries(kg: store.KnowledgeGraph, data: Path) -> dict[str, str]:
    """The fixed query set: lookups (``lookup-*``) and heavy aggregations (``heavy-*``)."""
    hub = manifest(data)["hubs"]["organization"]
    first = next(
        iter(
            kg.store.query(
                PREFIXES + "SELECT ?q ?person WHERE { ?q a frkg:Quote ; frkg:speaker ?person } "
                "ORDER BY ?q LIMIT 1",
                use_default_graph_as_union=True,
            )
        )
    )
    quote_iri, person = first["q"].value, first["person"].value
    return {
        "lookup-describe": f"SELECT ?p ?o WHERE {{ <{quote_iri}> ?p ?o }}",
        "lookup-label": PREFIXES + f"SELECT ?label WHERE {{ <{person}> rdfs:label ?label }}",
        "lookup-ask": f"ASK {{ <{person}> a ?type }}",
        "lookup-statements": PREFIXES
        + f"SELECT ?st ?date WHERE {{ ?st frkg:speaker <{person}> ; dct:date ?date }} "
        "ORDER BY ?date ?st",
        "heavy-classes": "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } "
        "GROUP BY ?class ORDER BY DESC(?n) ?class",
        "heavy-stances": PREFIXES
        + "SELECT ?org (COUNT(DISTINCT ?st) AS ?n) WHERE { ?st frkg:speaksFor ?org ; "
        "frkg:stance frkg:stance-supports-ban } GROUP BY ?org ORDER BY DESC(?n) ?org LIMIT 20",
        "heavy-backlinks": f"SELECT ?p (COUNT(?s) AS ?n) WHERE {{ ?s ?p <{hub}> }} "
        "GROUP BY ?p ORDER BY ?p",
        "heavy-timeline": PREFIXES
        + "SELECT ?year (COUNT(?e) AS ?n) WHERE { ?e a frkg:PolicyEvent ; dct:date ?d "
        "BIND(SUBSTR(STR(?d), 1, 4) AS ?year) } GROUP BY ?year ORDER BY ?year",
        "heavy-places": PREFIXES
        + "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?city ?up WHERE "
        "{ ?city a frkg:City ; schema:containedInPlace+ ?up } }",
        "heavy-label-scan": PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?s rdfs:label ?l "
        'FILTER(CONTAINS(LCASE(STR(?l)), "greer")) }',
    }


@dataclass
class Timed:
    """Latencies of one query on one engine, and its answer in comparable form."""

    times: list[float]
    answer: object
    error: str = ""

    @property
    def median(self) -> float:
        """The median latency in seconds."""
        return statistics.median(self.times) if self.times else float("nan")


def comparable(body: bytes) -> object:
    """A SPARQL JSON answer as a sorted list of rows of (variable, value) (or the boolean)."""
    data = json.loads(body)
    if "boolean" in data:
        return data["boolean"]
    rows = [
        tuple(sorted((k, _number(v["value"])) for k, v in b.items()))
        for b in data["results"]["bindings"]
    ]
    return sorted(rows)


def _number(value: str) -> str:
    # Engines write the same number differently ("2.0" and "2.0E0"): compare numbers as numbers.
    with contextlib.suppress(ValueError):
        return repr(float(value))
    return value


def sparql_direct(kg: store.KnowledgeGraph, text: str) -> bytes:
    """``text`` on the store in this process, serialised as SPARQL JSON (the engine floor)."""
    result = kg.store.query(text, use_default_graph_as_union=True)
    return result.serialize(format=ox.QueryResultsFormat.JSON)


def sparql_side_by_side(
    kg: store.KnowledgeGraph, url: str, text: str, runs: int = 30, budget: float = 6
) -> tuple[Timed, Timed]:
    """``text`` on pyoxigraph directly and through frkg's ``/sparql``, one run of each in turn
    (so that a busy moment of the machine falls on both), up to ``runs`` pairs or ``budget`` s."""
    direct_body = sparql_direct(kg, text)
    client = Client(url)
    target = f"/sparql?{urlencode({'query': text})}"
    headers = {"Accept": "application/sparql-results+json"}
    direct: list[float] = []
    http_times: list[float] = []
    try:
        _, status, body = client.get(target, headers)  # warm-up, and the answer to compare
        if status != 200:
            return Timed([], comparable(direct_body)), Timed([], None, f"HTTP {status}: {body!r}")
        started = time.perf_counter()
        while len(direct) < runs and (len(direct) < 3 or time.perf_counter() - started < budget):
            t = time.perf_counter()
            sparql_direct(kg, text)
            direct.append(time.perf_counter() - t)
            http_times.append(client.get(target, headers)[0])
    except (OSError, http.client.HTTPException) as e:
        return Timed(direct, comparable(direct_body)), Timed([], None, f"{type(e).__name__}: {e}")
    finally:
        client.close()
    return Timed(direct, comparable(direct_body)), Timed(http_times, comparable(body))


def sparql_http(url: str, path: str, text: str, runs: int = 30, budget: float = 3) -> Timed:
    """Latencies of ``text`` through a SPARQL endpoint's GET, on one keep-alive connection."""
    client = Client(url)
    target = f"{path}?{urlencode({'query': text})}"
    headers = {"Accept": "application/sparql-results+json"}
    try:
        seconds, status, body = client.get(target, headers)
        if status != 200:
            return Timed([], None, f"HTTP {status}: {body[:200]!r}")
        times = [seconds] + repeat(lambda: client.get(target, headers), runs, budget, least=1)
        return Timed(times[1:] or times, comparable(body))
    except (OSError, http.client.HTTPException) as e:
        return Timed([], None, f"{type(e).__name__}: {e}")
    finally:
        client.close()


def bench_rdflib(
    label: str, kg: store.KnowledgeGraph, queries: dict[str, str], options: dict
) -> dict[str, Timed]:
    """The same queries on rdflib-endpoint (uvicorn on 127.0.0.1) over the same quads."""
    try:
        version = metadata.version("rdflib-endpoint")
    except metadata.PackageNotFoundError:
        print("  rdflib-endpoint is not installed: pip install -r bench/requirements.txt")
        return {}
    nquads = WORK / f"quads-{label}.nq"
    if not nquads.exists():
        kg.store.local().dump(nquads, format=ox.RdfFormat.N_QUADS)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    executable = Path(PYTHON).with_name("rdflib-endpoint")
    args = [str(executable), "serve", str(nquads), "--host", "127.0.0.1", "--port", str(port)]
    started = time.perf_counter()
    print(f"  starting rdflib-endpoint {version} on {nquads.name}", flush=True)
    out: dict[str, Timed] = {}
    with running(args, url, _listening, WORK / f"rdflib-{label}.log"):
        print(f"  rdflib-endpoint answered after {time.perf_counter() - started:.0f} s", flush=True)
        for name, text in queries.items():
            out[name] = sparql_http(url, "/", text, runs=5, budget=options["rdflib_budget"])
    return out


def _listening(url: str) -> bool:
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, int(port))) == 0


def sparql_rows(
    report: Report,
    label: str,
    queries: dict[str, str],
    floor: dict[str, Timed],
    through: dict[str, Timed],
    rdflib: dict[str, Timed],
) -> None:
    """One row per query against pyoxigraph, one against rdflib-endpoint."""
    for name in queries:
        ours, direct = through[name], floor[name]
        if ours.error:
            report.note(f"{label} {name}: /sparql failed: {ours.error}")
            continue
        agree = ours.answer == direct.answer
        if name.startswith("lookup"):
            extra = ours.median - direct.median
            ratio, target, met = f"+{extra * 1000:.2f} ms", "≤ +1 ms", extra <= 0.001
        else:
            r = ours.median / direct.median
            ratio, target, met = f"{r:.2f}x", "≤ 1.1x", r <= 1.1
        report.add(
            Row(
                label,
                "sparql",
                f"SPARQL {name} via /sparql, median",
                ms(ours.median),
                f"pyoxigraph directly {ms(direct.median)}",
                ratio,
                target,
                met and agree,
                note="" if agree else "the answers differ from pyoxigraph's",
            )
        )
        other = rdflib.get(name)
        if other is None:
            continue
        if other.error:
            report.add(
                Row(
                    label,
                    "sparql",
                    f"SPARQL {name} vs rdflib-endpoint",
                    ms(ours.median),
                    f"rdflib-endpoint failed: {other.error[:60]}",
                    "",
                    "≥ 10x faster",
                    None,
                )
            )
            continue
        r = other.median / ours.median
        same = other.answer == direct.answer
        report.add(
            Row(
                label,
                "sparql",
                f"SPARQL {name} vs rdflib-endpoint, median",
                ms(ours.median),
                f"rdflib-endpoint {ms(other.median)}",
                f"{r:.0f}x faster",
                "≥ 10x faster",
                r >= 10,
                note="" if same else "rdflib-endpoint's answer differs from pyoxigraph's",
            )
        )


# -- validation ---------------------------------------------------------------------------------


def bench_validate(report: Report, label: str, data: Path, timeout: float) -> None:
    """``frkg validate`` on the generated data (no reference: its time is reported as is)."""
    started = time.perf_counter()
    try:
        out = subprocess.run(
            [PYTHON, "-m", "frkg", "validate", str(data)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        report.add(Row(label, "validate", "frkg validate", f"> {timeout:.0f} s", "", "", "", None))
        return
    seconds = time.perf_counter() - started
    summary = (out.stdout.strip().splitlines() or ["?"])[-1]
    m = re.search(r"(\d+) triples", summary)
    rate = f"{int(m.group(1)) / seconds:,.0f} triples/s" if m else ""
    report.add(
        Row(
            label,
            "validate",
            "frkg validate (SHACL, pyshacl)",
            f"{seconds:.1f} s",
            rate,
            "",
            "",
            None,
            note="" if out.returncode == 0 else f"exit {out.returncode}: {summary[:200]}",
        )
    )


# -- the report ---------------------------------------------------------------------------------


def write_report(report: Report, info: dict[str, str], command: str, seconds: float) -> Path:
    """Write the Markdown report into bench/results/ and return its path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now()
    sizes = "-".join(dict.fromkeys(r.size for r in report.rows)) or "none"
    path = RESULTS / f"{now:%Y-%m-%d-%H%M}-{sizes}.md"
    info = {**info, "load average at end": ", ".join(f"{x:.1f}" for x in os.getloadavg())}
    lines = [
        f"# frkg benchmarks, {now:%Y-%m-%d %H:%M}",
        "",
        f"Command: `{command}` ({seconds / 60:.1f} minutes)",
        "",
        "## Machine and versions",
        "",
        "| | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in info.items()),
        "",
        "## Results",
        "",
        "Ratios compare frkg with the reference on the same machine in the same run: throughput "
        "as frkg / reference (higher is better), times as frkg / reference (lower is better), "
        "lookups as the time frkg adds.",
        "",
        HEADER,
        *(r.markdown() for r in report.rows),
        "",
    ]
    if report.notes:
        lines += ["## Notes", "", *(f"- {n}" for n in report.notes), ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# -- the command --------------------------------------------------------------------------------


@click.command()
@click.option(
    "--sizes", default="10k,100k,1M", show_default=True, help="Comma-separated: 10k,100k,1M,10M."
)
@click.option(
    "--only",
    default=",".join(PARTS),
    show_default=True,
    help="Comma-separated parts to run: " + ", ".join(PARTS) + ".",
)
@click.option("--duration", type=float, default=5, show_default=True, help="Seconds per wrk run.")
@click.option("--connections", type=int, default=16, show_default=True, help="wrk connections.")
@click.option("--threads", type=int, default=2, show_default=True, help="wrk threads.")
@click.option(
    "--rounds",
    type=int,
    default=3,
    show_default=True,
    help="Turns taken by the ceiling and frkg runs (medians reported).",
)
@click.option(
    "--rdflib/--no-rdflib", default=True, show_default=True, help="Compare with rdflib-endpoint."
)
@click.option(
    "--rdflib-budget",
    type=float,
    default=10,
    show_default=True,
    help="Seconds of repeated runs per query on rdflib-endpoint (one run at least).",
)
@click.option(
    "--validate-max",
    default="100k",
    show_default=True,
    help="Largest size `frkg validate` runs on (pySHACL takes minutes per 100k triples).",
)
@click.option(
    "--validate-timeout",
    type=float,
    default=900,
    show_default=True,
    help="Seconds after which `frkg validate` is stopped and reported as slower than that.",
)
def main(sizes: str, only: str, **options) -> None:
    """Run the benchmark suite and write its report to bench/results/."""
    parts = {p.strip() for p in only.split(",") if p.strip()}
    unknown = parts - set(PARTS)
    if unknown:
        raise click.BadParameter(f"unknown parts {sorted(unknown)}; use {', '.join(PARTS)}")
    labels = [s.strip() for s in sizes.split(",") if s.strip()]
    for label in labels:
        try:
            parse_count(label)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--sizes") from None
    started = time.perf_counter()
    info = machine()
    print("\n".join(f"{k}: {v}" for k, v in info.items()), flush=True)
    WORK.mkdir(parents=True, exist_ok=True)
    report = Report()
    for label in labels:
        data = dataset(label)
        print(f"\n== {label} triples ({data.relative_to(ROOT)})", flush=True)
        if "load" in parts:
            bench_load(report, label, data)
        if parts & {"documents", "hub", "search", "sparql"}:
            kg = store.load_files(sources(data), CANONICAL_BASE)
            bench_http(report, label, data, kg, parts, options)
            del kg
        if "validate" in parts and parse_count(label) <= parse_count(options["validate_max"]):
            bench_validate(report, label, data, options["validate_timeout"])
    command = "python bench/run.py " + " ".join(sys.argv[1:])
    path = write_report(report, info, command.strip(), time.perf_counter() - started)
    print(f"\nwrote {path.relative_to(ROOT)}")
    print(HEADER)
    print("\n".join(r.markdown() for r in report.rows))


if __name__ == "__main__":
    main()
