"""frkg's benchmark suite: frkg and the servers a user would pick instead, side by side, as ratios.

    bash bench/setup.sh                                   # once: the peers (PyPI, npm, Debian)
    .venv/bin/python bench/run.py --sizes 100k            # everything at 100k (about 35 minutes)
    .venv/bin/python bench/run.py --sizes 10k --duration 2                     # a smoke run
    .venv/bin/python bench/run.py --sizes 1M --build-max 1M                    # 1M, with the export
    .venv/bin/python bench/run.py --sizes 10M --only startup,sparql,documents  # the on-disk store

Never run as a test. For each size it generates the synthetic debate (``bench/generate.py``,
seed 1) or reuses it from ``bench/scratch/`` (git-ignored), dumps what frkg serves as N-Quads
(and their union as N-Triples, for Virtuoso), gives every server those same triples, checks
that each returns the same rows (SPARQL) or triples (documents) before it is timed, and then
measures every server in interleaved rounds (every server once per round, so that what else runs
on the machine meets them all alike). The servers (``bench/peers.py``), all on 127.0.0.1 on free
ports and stopped at the end:

- frkg: ``frkg serve`` from the files with the response cache (the default) and without it
  (``FRKG_RESPONSE_CACHE_MB=0``: every answer built for its request), and ``frkg serve --store``;
- Oxigraph server (``oxigraph serve``, in memory and on RocksDB), Virtuoso 7.2, Trifid 5.3 (from
  a file, and in front of Oxigraph server), rdflib-endpoint;
- nginx serving ``frkg build``'s export, and a trivial Flask app sending the same bytes on frkg's
  gunicorn setup (``bench/ceiling.py``: the framework ceiling).

Parts (``--only``):

- **load**: :func:`frkg.store.load_files` against pyoxigraph's ``Store.load`` and ``bulk_load``
  of the same files, time and peak memory, each in a fresh process (``bench/loadprobe.py``);
- **startup**: seconds from starting each server to its first right answer: frkg from the files
  and from ``--store``; each peer its own way (see ``bench/peers.py``);
- **build**: ``frkg build`` time, peak memory and size (sizes up to ``--build-max``);
- **documents**: Turtle, JSON-LD and HTML throughput under ``wrk`` over thousands of entities:
  frkg built per request and from its response cache, against the Flask ceiling, Trifid and nginx;
- **hub**: the hub organization's page: latency on one connection, throughput against the same;
- **search**: ``/search`` latency against the SPARQL label scan it replaces;
- **sparql**: lookups on one connection and at 16 (answers/s, 429s and errors), a join and an
  aggregate, on frkg and every SPARQL peer; and frkg's ``/sparql`` against pyoxigraph in this
  process (the engine floor) and rdflib-endpoint, query by query;
- **memory**: the memory of every server's processes, and of each frkg worker;
- **validate**: ``frkg validate`` on the generated data (sizes up to ``--validate-max``).

It prints every row as it is measured and writes a Markdown report to ``bench/results/``: the
machine, the versions of everything, and one table per size (measure, frkg, peer, ratio, the
target of issue 17 and whether it is met).
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
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import click
import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import peers  # noqa: E402
from bench.generate import GENERATOR_VERSION, generate, parse_count  # noqa: E402
from bench.peers import SPARQL_JSON, PeerError, Server, comparable, free_port  # noqa: E402
from frkg import CANONICAL_BASE, store  # noqa: E402
from frkg.config import expand_paths  # noqa: E402

WORK = ROOT / "bench" / "scratch"
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
SEED = 1
PARTS = (
    "load",
    "startup",
    "build",
    "documents",
    "hub",
    "search",
    "sparql",
    "memory",
    "validate",
)
#: The peers (``--peers``): frkg is always measured.
PEERS = ("oxigraph", "oxigraph-disk", "virtuoso", "trifid", "trifid-proxy", "rdflib", "nginx")
ID = CANONICAL_BASE + "id/"
#: The graph Virtuoso holds the triples in; its queries name it as their default graph.
VIRTUOSO_GRAPH = CANONICAL_BASE + "graph/bench-union"
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
#: Entities the SPARQL lookup runs spread over (one lookup query each).
LOOKUPS = 500
#: Entities whose answers are compared between servers before anything is timed.
CHECKED = 20
SERVER_START_TIMEOUT = 3600


# -- results ------------------------------------------------------------------------------------


@dataclass
class Row:
    """One measurement: frkg's value, the peer's, their ratio, the target and whether met."""

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
        """The row as a Markdown table row (the size is the table's)."""
        met = {True: "yes", False: "**no**", None: ""}[self.met]
        cells = (self.measure, self.value, self.reference, self.ratio, self.target, met)
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


HEADER = "| measure | frkg | peer | ratio | target | met |\n|---|---|---|---|---|---|"


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
            f"  {row.measure:<58} {row.value:>16}   vs {row.reference:<40} {row.ratio:>8} {met}",
            flush=True,
        )
        if row.note:
            self.note(f"{row.size} {row.measure}: {row.note}")

    def note(self, text: str) -> None:
        """Keep a remark for the report."""
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def tables(self) -> list[str]:
        """One Markdown table per size, in the order the sizes were measured."""
        lines: list[str] = []
        for size in dict.fromkeys(r.size for r in self.rows):
            lines += [f"### {size} triples", "", HEADER]
            lines += [r.markdown() for r in self.rows if r.size == size]
            lines.append("")
        return lines


def ms(seconds: float) -> str:
    """Seconds as milliseconds, to a sensible precision."""
    value = seconds * 1000
    return (
        f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
    )


def secs(seconds: float) -> str:
    """Seconds, to a sensible precision."""
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"


def mb(size: float) -> str:
    """Bytes as megabytes."""
    return f"{size / 1e6:,.0f} MB"


def rate(value: float) -> str:
    """Requests per second."""
    return f"{value:,.0f}/s"


def ratio(value: float) -> str:
    """A ratio such as ``1.23x``."""
    return f"{value:.2f}x" if value < 100 else f"{value:.0f}x"


def at_least(label: str, size: str) -> bool:
    """Whether the size ``label`` is ``size`` triples or more."""
    return parse_count(label) >= parse_count(size)


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
        "oxigraph",
        "rdflib-endpoint",
        "uvicorn",
        "fastapi",
    ):
        try:
            info[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            info[name] = "not installed"
    info["oxigraph server"] = peers.version_of([_oxigraph_cli(), "--version"])
    info["Virtuoso"] = peers.version_of(["virtuoso-t", "-?"], "Version")
    info["node"] = peers.node_version()
    for package in ("trifid", "trifid-core", "trifid-handler-fetch", "oxigraph"):
        info[f"npm {package}"] = peers.npm_version(package)
    info["nginx"] = peers.version_of([peers.NGINX, "-v"])
    info["wrk"] = peers.version_of(["wrk", "-v"]).split("Copyright")[0].strip()
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    )
    info["frkg commit"] = commit.stdout.strip() or "unknown"
    # Other work on the machine moves every figure: say how busy it was (ratios are taken side
    # by side, in turns, to cancel most of it).
    info["load average at start"] = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return info


def _oxigraph_cli() -> str:
    try:
        return peers.oxigraph_executable()
    except PeerError:
        return "oxigraph"


# -- data ---------------------------------------------------------------------------------------


def dataset(label: str) -> Path:
    """The generated data of ``label`` triples, generated now unless already in bench/scratch."""
    folder = WORK / f"data-{label}"
    manifest_file = folder / "manifest.json"
    if manifest_file.exists():
        m = json.loads(manifest_file.read_text())
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


def same_triples_files(kg: store.KnowledgeGraph, label: str) -> tuple[Path, Path, int]:
    """What frkg serves, as N-Quads (every graph) and as N-Triples (their union, for Virtuoso),
    written once per size; and the number of quads."""
    nquads = WORK / f"quads-{label}.nq"
    ntriples = WORK / f"triples-{label}.nt"
    local = kg.store.local()
    if not nquads.exists():
        local.dump(nquads, format=ox.RdfFormat.N_QUADS)
    if not ntriples.exists():
        # The union of the graphs, as frkg's queries see it (and every other server's here).
        union = local.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True
        )
        union.serialize(output=ntriples, format=ox.RdfFormat.N_TRIPLES)
    return nquads, ntriples, len(local)


# -- wrk ------------------------------------------------------------------------------------------


def wrk(
    url: str,
    paths: list[str],
    seconds: float,
    connections: int,
    threads: int,
    header: tuple[str, str] | None = None,
    statuses: bool = False,
    split: bool = True,
) -> dict:
    """Run wrk over ``paths`` and return its JSON summary (``bench/paths.lua``), with ``rps``,
    ``ok_rps`` (2xx answers a second, when ``statuses``) and ``split``: how wrk's connections
    were shared among the server's processes halfway through."""
    listing = WORK / "wrk-paths.txt"
    listing.write_text("\n".join(paths) + "\n")
    extra = ["-H", f"{header[0]}: {header[1]}"] if header else []
    duration = max(1, round(seconds))
    env = {**os.environ, "WRK_STATUSES": "1" if statuses else "0"}
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
        env=env,
    )
    shares: list[int] = []
    if connections > 1 and split:
        time.sleep(duration / 2)
        shares = connection_split(urlsplit(url).port)
    stdout, stderr = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"wrk exited with {proc.returncode}: {stderr.strip()}")
    line = next(x for x in stdout.splitlines() if x.startswith("WRK-JSON "))
    result = json.loads(line.removeprefix("WRK-JSON "))
    result["rps"] = result["requests"] / result["seconds"]
    result["ok_rps"] = result["n2xx"] / result["seconds"]
    result["split"] = shares
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


def median_run(runs: list[dict], key: str = "rps") -> dict:
    """The run with the median ``key``."""
    return sorted(runs, key=lambda r: r[key])[len(runs) // 2]


def median_of(runs: list[dict], key: str) -> float:
    """The median of ``key`` over ``runs``."""
    return statistics.median(r[key] for r in runs)


# -- HTTP ---------------------------------------------------------------------------------------


def get(
    url: str, path: str, headers: dict | None = None, timeout: float = 120
) -> tuple[int, dict, bytes]:
    """One GET on a new connection: status, headers (lower-cased names), body."""
    return peers.request(url, path, headers, timeout)


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
ACCEPT_SPARQL = ("Accept", SPARQL_JSON)


# -- load ---------------------------------------------------------------------------------------


def loadprobe(data: Path, way: str, runs: int = 2) -> dict:
    """One way of loading ``data`` (``bench/loadprobe.py``), the better of ``runs`` fresh
    processes (the first may pay for a cold page cache)."""
    specs = [f"{kind}:{p}" for kind, paths in sources(data).items() for p in paths]
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [PYTHON, "-m", "bench.loadprobe", way, *specs],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return min(results, key=lambda r: r["seconds"])


def bench_load(report: Report, label: str, data: Path) -> dict:
    """frkg's load against pyoxigraph's own, time and peak memory, each in a fresh process;
    returns pyoxigraph's bulk load (the reference of the start-up target)."""
    frkg = loadprobe(data, "frkg")
    plain = loadprobe(data, "pyoxigraph")
    bulk = loadprobe(data, "pyoxigraph-bulk")
    rebased = loadprobe(data, "frkg-rebased")
    for ref_name, ref in (("pyoxigraph Store.load", plain), ("pyoxigraph bulk_load", bulk)):
        r = frkg["seconds"] / ref["seconds"]
        report.add(
            Row(
                label,
                "load",
                f"load time (vs {ref_name})",
                secs(frkg["seconds"]),
                f"{ref_name} {secs(ref['seconds'])}",
                ratio(r),
                "≤ 1.2x",
                r <= 1.2,
            )
        )
        r = frkg["bytes"] / ref["bytes"]
        report.add(
            Row(
                label,
                "load",
                f"load peak memory (vs {ref_name})",
                mb(frkg["bytes"]),
                f"{ref_name} {mb(ref['bytes'])}",
                ratio(r),
                "≤ 1.2x",
                r <= 1.2,
            )
        )
    report.add(
        Row(
            label,
            "load",
            "load time, IRIs re-based to another base",
            secs(rebased["seconds"]),
            f"canonical base {secs(frkg['seconds'])}",
            ratio(rebased["seconds"] / frkg["seconds"]),
            "",
            None,
        )
    )
    if frkg["quads"] <= plain["quads"]:
        report.note(
            f"{label}: frkg holds {frkg['quads']} quads, pyoxigraph {plain['quads']}: "
            "the inverse links frkg materialises are missing"
        )
    return bulk


# -- the queries --------------------------------------------------------------------------------


def entity_sample(kg: store.KnowledgeGraph, k: int) -> list[str]:
    """Up to ``k`` entity slugs, drawn with a fixed seed from every typed entity."""
    rows = kg.store.query(
        f'SELECT DISTINCT ?s WHERE {{ ?s a ?t FILTER(STRSTARTS(STR(?s), "{ID}")) }}',
        use_default_graph_as_union=True,
    )
    slugs = sorted(r["s"].value[len(ID) :] for r in rows)
    slugs = [s for s in slugs if "/" not in s and "#" not in s]
    return random.Random(SEED).sample(slugs, min(k, len(slugs)))


def sparql_queries(kg: store.KnowledgeGraph, data: Path) -> dict[str, str]:
    """The fixed query set: lookups (``lookup-*``), heavy aggregations (``heavy-*``), and the
    join and the aggregate the peers are compared on."""
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
        "lookup-describe": lookup_query(quote_iri),
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
        # Statements for a ban with the labels of whom they speak for and of their sources'
        # publishers: five patterns joined, ordered in full, the first 1,000 rows sent (under
        # frkg's result cap at every size; STR() because Virtuoso orders long tagged labels
        # out of text order, bench/ENGINE-NOTES.md #13).
        "join": PREFIXES + "SELECT ?st ?orgLabel ?publisherLabel WHERE { ?st frkg:speaksFor ?org ; "
        "frkg:stance frkg:stance-supports-ban ; dct:source ?src . ?org rdfs:label ?orgLabel . "
        "?src schema:publisher ?pub . ?pub rdfs:label ?publisherLabel } "
        "ORDER BY ?st STR(?orgLabel) STR(?publisherLabel) LIMIT 1000",
        # Statements and distinct speakers per organization spoken for, the top 20.
        "aggregate": PREFIXES
        + "SELECT ?org (COUNT(DISTINCT ?st) AS ?statements) (COUNT(DISTINCT ?who) AS ?speakers) "
        "WHERE { ?st frkg:speaksFor ?org ; frkg:speaker ?who } "
        "GROUP BY ?org ORDER BY DESC(?statements) ?org LIMIT 20",
    }


def lookup_query(iri: str) -> str:
    """The lookup the peers are compared on: every property and value of one thing."""
    return f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"


COUNT_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def sparql_direct(kg: store.KnowledgeGraph, text: str) -> bytes:
    """``text`` on the store in this process, serialised as SPARQL JSON (the engine floor)."""
    result = kg.store.query(text, use_default_graph_as_union=True)
    return result.serialize(format=ox.QueryResultsFormat.JSON)


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


def sparql_side_by_side(
    kg: store.KnowledgeGraph, url: str, text: str, runs: int = 30, budget: float = 6
) -> tuple[Timed, Timed]:
    """``text`` on pyoxigraph directly and through frkg's ``/sparql``, one run of each in turn
    (so that a busy moment of the machine falls on both), up to ``runs`` pairs or ``budget`` s."""
    direct_body = sparql_direct(kg, text)
    client = Client(url)
    target = f"/sparql?{urlencode({'query': text})}"
    headers = {"Accept": SPARQL_JSON}
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


def sparql_http(server: Server, text: str, runs: int = 30, budget: float = 3) -> Timed:
    """Latencies of ``text`` through a SPARQL endpoint's GET, on one keep-alive connection."""
    client = Client(server.url)
    target = server.sparql_path(text)
    headers = {"Accept": SPARQL_JSON}
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


def ask(server: Server, text: str) -> object:
    """``server``'s answer to ``text`` in comparable form (raises :class:`PeerError` on a
    status other than 200)."""
    status, _, body = get(server.url, server.sparql_path(text), {"Accept": SPARQL_JSON}, 600)
    if status != 200:
        raise PeerError(f"HTTP {status}: {body[:200]!r}")
    return comparable(body)


# -- one size -------------------------------------------------------------------------------------


FORMATS = (
    # name, frkg and export path, Content-Type, Trifid's ?format=
    ("Turtle document", "/data/{}.ttl", "text/turtle; charset=utf-8", "ttl"),
    ("JSON-LD document", "/data/{}.jsonld", "application/ld+json", "jsonld"),
    ("HTML page", "/page/{}", "text/html; charset=utf-8", "html"),
)


@dataclass
class SizeRun:
    """Everything measured at one size: the servers it starts, in one ExitStack."""

    report: Report
    label: str
    data: Path
    parts: set[str]
    wanted: set[str]
    options: dict
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    servers: dict[str, Server] = field(default_factory=dict)
    #: Which queries each SPARQL server answered right (name -> query names).
    agrees: dict[str, set[str]] = field(default_factory=dict)
    bulk: dict | None = None
    export: Path | None = None
    nginx_port: int = 0
    started_ceiling: Server | None = None

    # -- helpers ------------------------------------------------------------------------------

    def add(self, part: str, measure: str, value: str, reference: str, r: str = "", **kw) -> None:
        """Add a row of this size."""
        self.report.add(
            Row(
                self.label,
                part,
                measure,
                value,
                reference,
                r,
                kw.get("target", ""),
                kw.get("met"),
                kw.get("note", ""),
            )
        )

    def note(self, text: str) -> None:
        """A remark about this size."""
        self.report.note(f"{self.label}: {text}")

    def start(self, key: str, factory: Callable[[], contextlib.AbstractContextManager]) -> None:
        """Start a server and keep it to the end of this size; a peer that cannot start is
        noted and left out, never the end of the run."""
        print(f"  starting {key}", flush=True)
        try:
            server = self.stack.enter_context(factory())
        except (PeerError, OSError, subprocess.SubprocessError, RuntimeError) as e:
            self.note(f"{key} could not be run: {str(e).strip()[:600]}")
            return
        self.servers[key] = server
        if server.startup is not None:
            print(f"  {server.name} answered after {secs(server.startup)}", flush=True)

    def rounds(self) -> int:
        """Rounds of every interleaved comparison."""
        return max(1, self.options["rounds"])

    @property
    def duration(self) -> float:
        """Seconds of each wrk run."""
        return self.options["duration"]

    @property
    def warmup(self) -> float:
        """Seconds of each warm-up wrk run."""
        return min(2.0, self.duration)

    # -- the run ------------------------------------------------------------------------------

    def run(self) -> None:
        """Measure every part asked for at this size, then stop every server."""
        label, parts = self.label, self.parts
        if "load" in parts:
            self.bulk = bench_load(self.report, label, self.data)
        on_disk = self.options["frkg_store"] or at_least(label, "10M")
        self.on_disk = on_disk
        store_dir = WORK / f"store-{label}"
        store_seconds = None
        if "startup" in parts or on_disk:
            store_seconds = self.frkg_load_store(store_dir)
        if on_disk:
            from frkg.store import ondisk

            kg = ondisk.open_store(store_dir, CANONICAL_BASE)
            self.note("frkg serves from its on-disk store (`frkg serve --store`) at this size")
        else:
            kg = store.load_files(sources(self.data), CANONICAL_BASE)
        self.kg = kg
        self.nquads, self.ntriples, quads = same_triples_files(kg, label)
        self.quads = quads
        self.queries = sparql_queries(kg, self.data)
        self.expected = {name: comparable(sparql_direct(kg, q)) for name, q in self.queries.items()}
        self.expected["count"] = comparable(sparql_direct(kg, COUNT_QUERY))
        distinct = int(
            next(
                iter(
                    kg.store.query(
                        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o "
                        "WHERE { ?s ?p ?o } }",
                        use_default_graph_as_union=True,
                    )
                )
            )["n"].value
        )
        if distinct != quads:
            self.note(
                f"{quads} quads hold {distinct} distinct triples: Virtuoso (one graph) holds "
                "fewer than the union the others query"
            )
        self.probe = (self.queries["lookup-label"], self.expected["lookup-label"])
        builds = parse_count(label) <= parse_count(self.options["build_max"])
        if "build" in parts or (parts & {"documents", "hub"} and "nginx" in self.wanted):
            if builds:
                self.bench_build()
            else:
                self.note(f"frkg build skipped above --build-max {self.options['build_max']}")
        try:
            with self.stack:
                self.start_servers(on_disk, store_dir, store_seconds)
                self.check_sparql()
                if "startup" in parts:
                    self.startup_rows(store_seconds)
                if "documents" in parts:
                    self.bench_documents()
                if "hub" in parts:
                    self.bench_hub()
                if "search" in parts and "frkg" in self.servers:
                    bench_search(self.report, label, self.servers["frkg"].url, kg)
                if "sparql" in parts and "frkg" in self.servers:
                    self.bench_sparql_peers()
                    self.bench_sparql_queries()
                if "memory" in parts:
                    self.memory_rows()
        finally:
            del self.kg
        if "validate" in parts and parse_count(label) <= parse_count(self.options["validate_max"]):
            bench_validate(self.report, label, self.data, self.options["validate_timeout"])

    # -- frkg's store and export ----------------------------------------------------------------

    def frkg_load_store(self, store_dir: Path) -> float:
        """``frkg load --store`` of the data (timed)."""
        print(f"  frkg load --store {store_dir.relative_to(ROOT)}", flush=True)
        shutil.rmtree(store_dir, ignore_errors=True)
        started = time.perf_counter()
        subprocess.run(
            [PYTHON, "-m", "frkg", "load", "--store", str(store_dir), "--data", str(self.data)],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - started

    def bench_build(self) -> None:
        """``frkg build`` of the data: time, peak memory of all its processes, size on disk."""
        outdir = WORK / f"export-{self.label}"
        shutil.rmtree(outdir, ignore_errors=True)
        self.nginx_port = free_port()
        args = [PYTHON, "-m", "frkg", "build", str(outdir), "--data", str(self.data)]
        args += ["--listen", f"127.0.0.1:{self.nginx_port}"]
        print(f"  frkg build {outdir.relative_to(ROOT)}", flush=True)
        started = time.perf_counter()
        process = peers.Process(args, WORK / f"build-{self.label}.log")
        sampler = peers.PeakMemory(process.pid)
        code = process.proc.wait()
        seconds = time.perf_counter() - started
        peak = sampler.stop()
        process.stop()
        if code:
            tail = process.log.read_text(errors="replace")[-600:]
            self.note(f"frkg build exited with {code}: {tail}")
            return
        self.export = outdir
        files = [p for p in (outdir / "public").rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        plain = sum(p.stat().st_size for p in files if p.suffix not in (".gz", ".br"))
        per_million = size / max(1, self.quads) * 1e6
        if "build" not in self.parts:
            return
        big = at_least(self.label, "1M")
        self.add(
            "build",
            "`frkg build` (static export): time",
            secs(seconds),
            "nginx serves it (documents rows)",
            target="< 10 min at 1M",
            met=(seconds < 600) if big else None,
        )
        self.add(
            "build",
            "`frkg build`: peak memory (PSS of all its processes)",
            mb(peak),
            "",
        )
        self.add(
            "build",
            "export size on disk",
            f"{mb(size)} ({len(files):,} files; {mb(plain)} without compressed twins)",
            f"{mb(per_million)} per 1M triples",
            target="say its size per 1M triples",
        )

    # -- starting everything --------------------------------------------------------------------

    def start_servers(self, on_disk: bool, store_dir: Path, store_seconds: float | None) -> None:
        """Start frkg and every peer the parts need, each timed to its first answer."""
        parts, work = self.parts, WORK / f"run-{self.label}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        self.work = work
        base = ["--base-iri", CANONICAL_BASE]
        source = ["--store", str(store_dir)] if on_disk else ["--data", str(self.data)]
        how = "`frkg serve --store`" if on_disk else "`frkg serve` of the files"
        if parts - {"load", "build", "validate"}:
            self.start(
                "frkg",
                lambda: peers.frkg_serve("frkg", f"frkg ({how})", base + source, work, self.probe),
            )
        if parts & {"documents", "hub"}:
            self.start(
                "frkg-nocache",
                lambda: peers.frkg_serve(
                    "frkg-nocache",
                    "frkg without response cache",
                    base + source,
                    work,
                    self.probe,
                    env={"FRKG_RESPONSE_CACHE_MB": "0"},
                ),
            )
        if "startup" in parts and not on_disk and store_seconds is not None:
            # From the on-disk store: timed, then stopped (the files' server goes on).
            key = "frkg-store"
            try:
                with peers.frkg_serve(
                    key, "frkg --store", base + ["--store", str(store_dir)], work, self.probe
                ) as server:
                    self.servers[key] = server
                    self.store_memory = peers.server_memory(server)
            except PeerError as e:
                self.note(f"frkg serve --store could not be run: {e}")
        elif on_disk and "frkg" in self.servers:
            self.servers["frkg-store"] = self.servers["frkg"]
        sparql_peers = parts & {"sparql", "startup", "memory"}
        pages = sparql_peers or "documents" in parts
        want = self.wanted
        if (sparql_peers and "oxigraph" in want) or (pages and "trifid-proxy" in want):
            self.start("oxigraph", lambda: peers.oxigraph_memory(self.nquads, work, self.probe))
        if sparql_peers and "oxigraph-disk" in want:
            self.start("oxigraph-disk", lambda: peers.oxigraph_disk(self.nquads, work, self.probe))
        if sparql_peers and "virtuoso" in want:
            self.start(
                "virtuoso",
                lambda: peers.virtuoso(self.ntriples, VIRTUOSO_GRAPH, work, self.probe),
            )
        trifid_env = {"DATASET_BASE_URL": CANONICAL_BASE}
        if pages and "trifid" in want:
            self.start(
                "trifid",
                lambda: peers.trifid(
                    "trifid",
                    "Trifid (file)",
                    "file",
                    {**trifid_env, "FETCH_HANDLER_FILE": str(self.nquads)},
                    work,
                    self.probe,
                    "its fetch handler loading the N-Quads file into Oxigraph (wasm)",
                ),
            )
        if pages and "trifid-proxy" in want and "oxigraph" in self.servers:
            endpoint = self.servers["oxigraph"].url + "query"
            self.start(
                "trifid-proxy",
                lambda: peers.trifid(
                    "trifid-proxy",
                    "Trifid (→ Oxigraph)",
                    "proxy",
                    {**trifid_env, "SPARQL_ENDPOINT_URL": endpoint},
                    work,
                    self.probe,
                    "its SPARQL proxy in front of Oxigraph server (already running)",
                ),
            )
        rdflib_ok = parse_count(self.label) <= parse_count(self.options["rdflib_max"])
        if sparql_peers and "rdflib" in want and self.options["rdflib"]:
            if rdflib_ok:
                self.start("rdflib", lambda: peers.rdflib_endpoint(self.nquads, work, self.probe))
            else:
                limit = self.options["rdflib_max"]
                self.note(f"rdflib-endpoint skipped above --rdflib-max {limit}")
        if self.export is not None and parts & {"documents", "hub"}:
            self.start("nginx", lambda: peers.nginx_export(self.export, self.nginx_port))

    # -- checks ---------------------------------------------------------------------------------

    def sparql_servers(self) -> list[Server]:
        """frkg and the SPARQL peers that are running, frkg first."""
        keys = ("oxigraph", "oxigraph-disk", "virtuoso", "trifid", "trifid-proxy", "rdflib")
        chosen = [k for k in keys if k in self.wanted]
        return [self.servers[k] for k in ("frkg", *chosen) if k in self.servers]

    def check_sparql(self) -> None:
        """Every SPARQL server holds as many triples as frkg and answers each query, and the
        lookups of the first checked entities, as pyoxigraph does; what differs is not timed."""
        if not self.parts & {"sparql", "memory", "startup"}:
            return
        self.entities = [ID + s for s in entity_sample(self.kg, LOOKUPS)]
        lookups = {f"entity {i}": lookup_query(e) for i, e in enumerate(self.entities[:CHECKED])}
        for i, e in enumerate(self.entities[:CHECKED]):
            self.expected[f"entity {i}"] = comparable(sparql_direct(self.kg, lookup_query(e)))
        checks = {"count": COUNT_QUERY, **self.queries, **lookups}
        for server in self.sparql_servers():
            agrees, differs = set(), []
            for name, text in checks.items():
                if server.key == "rdflib" and name.startswith("heavy"):
                    agrees.add(name)  # compared when timed (bench_sparql_queries): slow here
                    continue
                try:
                    answer = ask(server, text)
                except (PeerError, OSError, http.client.HTTPException, ValueError) as e:
                    differs.append(f"{name} failed ({str(e)[:120]})")
                    continue
                if answer == self.expected[name]:
                    agrees.add(name)
                else:
                    differs.append(name)
            self.agrees[server.key] = agrees
            lookups_ok = all(n in agrees for n in lookups)
            if lookups_ok:
                agrees.add("lookups")
            if differs:
                self.note(
                    f"{server.name} answers differently from pyoxigraph (not timed on those): "
                    + ", ".join(differs[:12])
                )
            else:
                print(f"  {server.name}: every answer checked is the engine's", flush=True)

    # -- start-up -------------------------------------------------------------------------------

    def startup_rows(self, store_seconds: float | None) -> None:
        """Seconds to the first right answer, frkg against each peer's own way."""
        frkg = self.servers.get("frkg")
        if frkg is not None and frkg.startup is not None and not self.on_disk:
            self.startup_from_files(frkg)
        self.startup_from_store(store_seconds)

    def startup_from_files(self, frkg: Server) -> None:
        """frkg from the files against pyoxigraph's bulk load and each peer from its files."""
        if self.bulk is None:
            self.bulk = loadprobe(self.data, "pyoxigraph-bulk", runs=1)
        r = frkg.startup / self.bulk["seconds"]
        self.add(
            "startup",
            "start-up to first answer, from the files (`frkg serve`)",
            secs(frkg.startup),
            f"pyoxigraph bulk_load of the same files {secs(self.bulk['seconds'])}",
            ratio(r),
            target="≤ 2x",
            met=r <= 2,
        )
        for key in ("oxigraph", "virtuoso", "trifid", "rdflib"):
            peer = self.servers.get(key)
            if peer is None or peer.startup is None:
                continue
            seconds = peer.extra.get("from files", peer.startup)
            how = "new database, bulk loader" if key == "virtuoso" else peer.startup_how
            self.add(
                "startup",
                f"start-up to first answer, from files — vs {peer.name}",
                secs(frkg.startup),
                f"{peer.name} {secs(seconds)} ({how})",
                ratio(frkg.startup / seconds),
            )

    def startup_from_store(self, store_seconds: float | None) -> None:
        """frkg from its on-disk store against each peer from its own store."""
        stored = self.servers.get("frkg-store")
        if stored is None or stored.startup is None:
            return
        big = at_least(self.label, "1M")
        self.add(
            "startup",
            "start-up to first answer, from the on-disk store (`frkg serve --store`)",
            secs(stored.startup),
            "",
            target="< 2 s at 1M",
            met=(stored.startup < 2) if big else None,
        )
        for key in ("oxigraph-disk", "virtuoso", "trifid-proxy"):
            peer = self.servers.get(key)
            if peer is None or peer.startup is None:
                continue
            self.add(
                "startup",
                f"start-up to first answer, from a store — vs {peer.name}",
                secs(stored.startup),
                f"{peer.name} {secs(peer.startup)} ({peer.startup_how})",
                ratio(stored.startup / peer.startup),
            )
        disk = self.servers.get("oxigraph-disk")
        if store_seconds is not None and disk is not None and "load" in disk.extra:
            self.add(
                "startup",
                "load into the on-disk store (`frkg load --store`)",
                secs(store_seconds),
                f"`oxigraph load` (RocksDB) {secs(disk.extra['load'])}",
                ratio(store_seconds / disk.extra["load"]),
            )

    # -- documents ------------------------------------------------------------------------------

    def ceiling(self) -> Server | None:
        """The Flask ceiling, started once with the bytes of every document kind and the hub
        page (from frkg, built for the request)."""
        if self.started_ceiling is not None:
            return self.started_ceiling
        source = self.servers.get("frkg-nocache") or self.servers.get("frkg")
        if source is None:
            return None
        self.slugs = entity_sample(self.kg, SAMPLE)
        popular = self.slugs[:POPULAR]
        hub = manifest(self.data)["hubs"]["organization"][len(ID) :]
        bodies: dict[str, tuple[Path, str]] = {}
        kinds = [
            (f"/fixed{i}", pattern, ctype, popular)
            for i, (_, pattern, ctype, _) in enumerate(FORMATS)
        ]
        kinds.append(("/hub", "/page/{}", FORMATS[2][2], [hub]))
        for prefix, pattern, content_type, slugs in kinds:
            folder = WORK / f"ceiling-{self.label}{prefix.replace('/', '-')}"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            for i, slug in enumerate(slugs):
                status, _, body = get(source.url, pattern.format(quote(slug)), dict([FRESH]))
                if status != 200:
                    raise RuntimeError(f"{pattern.format(slug)} answered {status}")
                (folder / str(i)).write_bytes(body)
            bodies[prefix] = (folder, content_type)
        self.start("ceiling", lambda: peers.ceiling(bodies, self.work, self.label))
        self.started_ceiling = self.servers.get("ceiling")
        self.ceiling_bodies = bodies
        return self.started_ceiling

    def check_documents(self, pattern: str, fmt: str, slugs: list[str]) -> dict[str, str]:
        """Whether nginx sends frkg's bytes, and Trifid frkg's triples, for ``slugs``; returns
        the servers that failed, with why."""
        frkg = self.servers.get("frkg-nocache") or self.servers["frkg"]
        failed: dict[str, str] = {}
        for slug in slugs:
            status, headers, ours = get(frkg.url, pattern.format(quote(slug)), dict([FRESH]))
            nginx = self.servers.get("nginx")
            if nginx is not None and "nginx" not in failed:
                s, _, theirs = get(nginx.url, pattern.format(quote(slug)))
                if s != 200 or theirs != ours:
                    failed["nginx"] = f"{pattern.format(slug)}: {s}, {len(theirs)} B vs {len(ours)}"
            for key in ("trifid", "trifid-proxy"):
                peer = self.servers.get(key)
                if peer is None or key in failed:
                    continue
                s, _, theirs = get(peer.url, f"/id/{quote(slug)}?format={fmt}")
                if s != 200:
                    failed[key] = f"/id/{slug} answered {s}"
                elif fmt == "ttl":
                    why = trifid_triples_differ(theirs, ours, peer.url)
                    if why:
                        failed[key] = f"/id/{slug}: {why}"
        return failed

    def bench_documents(self) -> None:
        """Each document kind over many entities: frkg built per request (no response cache) and
        from its cache, against the Flask ceiling sending the same bytes, Trifid and nginx; every
        target in turn, ``rounds`` rounds, medians."""
        ceiling = self.ceiling()
        built = self.servers.get("frkg-nocache")
        cached = self.servers.get("frkg")
        if ceiling is None or built is None or cached is None:
            self.note("documents not measured: frkg or the ceiling could not be run")
            return
        conns, threads = self.options["connections"], self.options["threads"]
        popular = self.slugs[:POPULAR]
        for i, (name, pattern, _, fmt) in enumerate(FORMATS):
            failed = self.check_documents(pattern, fmt, self.slugs[:CHECKED])
            for key, why in failed.items():
                self.note(f"{name}s: {self.servers[key].name} not timed: {why}")
            paths = [pattern.format(quote(s)) for s in self.slugs]
            fixed = [f"/fixed{i}/{n}" for n in range(len(popular))]
            folder = self.ceiling_bodies[f"/fixed{i}"][0]
            size = sum(f.stat().st_size for f in folder.iterdir()) / len(popular)
            targets = [
                ("ceiling", ceiling, fixed),
                ("built", built, paths),
                ("cached", cached, paths[:POPULAR]),
            ]
            for key in ("trifid", "trifid-proxy"):
                if key in self.servers and key not in failed:
                    trifid_paths = [f"/id/{quote(s)}?format={fmt}" for s in self.slugs]
                    targets.append((key, self.servers[key], trifid_paths))
            if "nginx" in self.servers and "nginx" not in failed:
                targets.append(("nginx", self.servers["nginx"], paths))
            runs = self.interleave(targets, conns, threads, warm={"cached": 3})
            self.document_rows(name, runs, size, len(paths))

    def interleave(
        self,
        targets: list[tuple[str, Server, list[str]]],
        conns: int,
        threads: int,
        warm: dict[str, float] | None = None,
    ) -> dict[str, list[dict]]:
        """Warm every target up, then run each in turn for ``rounds`` rounds."""
        for key, server, paths in targets:
            wrk(server.url, paths, (warm or {}).get(key, self.warmup), conns, threads, split=False)
        runs: dict[str, list[dict]] = {key: [] for key, _, _ in targets}
        for _ in range(self.rounds()):
            for key, server, paths in targets:
                runs[key].append(wrk(server.url, paths, self.duration, conns, threads))
        for key, results in runs.items():
            for result in results:
                if result["errors"] or result["status_errors"]:
                    self.note(f"wrk saw errors on {key}: {json.dumps(result)[:300]}")
        return runs

    def document_rows(self, name: str, runs: dict[str, list[dict]], size: float, n: int) -> None:
        """The rows of one document kind: frkg against the ceiling, Trifid and nginx."""
        splits = "; ".join(
            f"{key} " + ", ".join("/".join(map(str, r["split"])) or "?" for r in results)
            for key, results in runs.items()
            if key in ("ceiling", "built", "cached")
        )
        self.note(f"{name}s: wrk's connections per server process, by round: {splits}")
        ceiling = median_run(runs["ceiling"])
        reference = f"Flask ceiling {rate(ceiling['rps'])} (same bytes, {size:,.0f} B mean)"
        for key, how in (
            ("built", f"built per request ({n} entities)"),
            ("cached", f"from the response cache ({POPULAR} entities)"),
        ):
            ours = median_run(runs[key])
            pairs = zip(runs[key], runs["ceiling"], strict=True)
            r = statistics.median(o["rps"] / c["rps"] for o, c in pairs)
            self.add(
                "documents",
                f"{name}s {how}: requests/s",
                rate(ours["rps"]),
                reference,
                ratio(r),
                target="≥ 0.9x",
                met=r >= 0.9,
            )
            self.add(
                "documents",
                f"{name}s {how.split(' (')[0]}: latency p50 / p99",
                f"{ours['p50_us'] / 1000:.1f} / {ours['p99_us'] / 1000:.1f} ms",
                f"Flask ceiling {ceiling['p50_us'] / 1000:.1f} / {ceiling['p99_us'] / 1000:.1f} ms",
                ratio(ours["p50_us"] / ceiling["p50_us"]),
            )
        for key in ("trifid", "trifid-proxy", "nginx"):
            if key not in runs:
                continue
            peer = median_run(runs[key])
            which = ("built", "cached") if key == "nginx" else ("built",)
            for ours_key in which:
                pairs = zip(runs[ours_key], runs[key], strict=True)
                r = statistics.median(o["rps"] / p["rps"] for o, p in pairs)
                how = "built per request" if ours_key == "built" else "from the response cache"
                self.add(
                    "documents",
                    f"{name}s {how} — vs {self.servers[key].name}: requests/s",
                    rate(median_run(runs[ours_key])["rps"]),
                    f"{self.servers[key].name} {rate(peer['rps'])} "
                    f"(p50 {peer['p50_us'] / 1000:.1f} ms)",
                    ratio(r),
                )

    # -- the hub page ---------------------------------------------------------------------------

    def bench_hub(self) -> None:
        """The hub organization's page: latency on one connection (built for the request), and
        throughput built per request and cached against the ceiling sending its bytes, and
        nginx."""
        m = manifest(self.data)
        slug = m["hubs"]["organization"][len(ID) :]
        path = f"/page/{slug}"
        built = self.servers.get("frkg-nocache")
        cached = self.servers.get("frkg")
        if built is None or cached is None:
            return
        wrk(built.url, [path], self.warmup, 1, 1, FRESH)
        result = wrk(built.url, [path], self.duration, 1, 1, FRESH)
        p50 = result["p50_us"] / 1000
        self.add(
            "hub",
            f"hub page ({m['hub_incoming']:,} incoming links), one connection, latency p50",
            f"{p50:.1f} ms",
            f"p99 {result['p99_us'] / 1000:.1f} ms, {rate(result['rps'])} on 1 connection",
            target="< 20 ms",
            met=p50 < 20,
        )
        ceiling = self.ceiling()
        if ceiling is None:
            return
        conns, threads = self.options["connections"], self.options["threads"]
        targets = [("ceiling", ceiling, ["/hub/0"]), ("built", built, [path])]
        targets.append(("cached", cached, [path]))
        nginx = self.servers.get("nginx")
        if nginx is not None:
            status, _, body = get(nginx.url, path)
            _, _, ours = get(built.url, path)
            if status == 200 and body == ours:
                targets.append(("nginx", nginx, [path]))
            else:
                self.note(f"hub page: nginx not timed: {status}, {len(body)} B vs {len(ours)}")
        runs = self.interleave(targets, conns, threads, warm={"cached": 3})
        size = (self.ceiling_bodies["/hub"][0] / "0").stat().st_size
        c = median_run(runs["ceiling"])
        for key, how in (("built", "built per request"), ("cached", "from the response cache")):
            pairs = zip(runs[key], runs["ceiling"], strict=True)
            r = statistics.median(o["rps"] / p["rps"] for o, p in pairs)
            self.add(
                "hub",
                f"hub page {how}: requests/s",
                rate(median_run(runs[key])["rps"]),
                f"Flask ceiling {rate(c['rps'])} (same {size:,} B)",
                ratio(r),
                target="≥ 0.9x",
                met=r >= 0.9,
            )
        if "nginx" in runs:
            pairs = zip(runs["built"], runs["nginx"], strict=True)
            r = statistics.median(o["rps"] / p["rps"] for o, p in pairs)
            self.add(
                "hub",
                "hub page built per request — vs nginx (export): requests/s",
                rate(median_run(runs["built"])["rps"]),
                f"nginx (export) {rate(median_run(runs['nginx'])['rps'])}",
                ratio(r),
            )

    # -- SPARQL ---------------------------------------------------------------------------------

    def bench_sparql_peers(self) -> None:
        """Lookups on one connection and at 16, the join and the aggregate, on frkg and every
        SPARQL peer that answered them right, in interleaved rounds."""
        servers = [s for s in self.sparql_servers() if "lookups" in self.agrees.get(s.key, ())]
        if not servers or servers[0].key != "frkg":
            self.note("SPARQL peers not measured: frkg's answers differ from the engine's")
            return
        conns, threads = self.options["connections"], self.options["threads"]
        lookups = {s.key: [s.sparql_path(lookup_query(e)) for e in self.entities] for s in servers}
        single = {
            name: {
                s.key: [s.sparql_path(self.queries[name])]
                for s in servers
                if name in self.agrees.get(s.key, ())
            }
            for name in ("join", "aggregate")
        }
        for s in servers:  # warm-up: caches, query plans, JIT
            wrk(s.url, lookups[s.key], self.warmup, conns, threads, ACCEPT_SPARQL, split=False)
        results: dict[str, dict[str, list[dict]]] = {
            m: {s.key: [] for s in servers} for m in ("lookup", "lookup16", "join", "aggregate")
        }
        for _ in range(self.rounds()):
            for s in servers:
                results["lookup"][s.key].append(
                    wrk(s.url, lookups[s.key], self.duration, 1, 1, ACCEPT_SPARQL)
                )
            for s in servers:
                results["lookup16"][s.key].append(
                    wrk(
                        s.url,
                        lookups[s.key],
                        self.duration,
                        conns,
                        threads,
                        ACCEPT_SPARQL,
                        statuses=True,
                        split=False,
                    )
                )
            for name in ("join", "aggregate"):
                for s in servers:
                    if s.key in single[name]:
                        results[name][s.key].append(self.one_connection(s, single[name][s.key]))
        self.sparql_peer_rows(servers, results, conns)

    def one_connection(self, server: Server, paths: list[str]) -> dict:
        """wrk on one connection; a query slower than the run gets timed once by hand."""
        result = wrk(server.url, paths, self.duration, 1, 1, ACCEPT_SPARQL)
        if result["requests"] == 0:
            client = Client(server.url)
            try:
                seconds = client.get(paths[0], {"Accept": SPARQL_JSON})[0]
            finally:
                client.close()
            result.update(p50_us=seconds * 1e6, p99_us=seconds * 1e6, requests=1)
        return result

    def sparql_peer_rows(
        self, servers: list[Server], results: dict[str, dict[str, list[dict]]], conns: int
    ) -> None:
        """One row per peer and measure: frkg's figure, the peer's, the ratio and the target."""
        p50 = {k: median_of(v, "p50_us") / 1e6 for k, v in results["lookup"].items()}
        frkg = p50["frkg"]
        for s in servers[1:]:
            target = "≤ 1x" if s.key in ("virtuoso", "trifid", "trifid-proxy") else ""
            r = frkg / p50[s.key]
            self.add(
                "sparql",
                f"SPARQL lookup, one connection, p50 — vs {s.name}",
                ms(frkg),
                f"{s.name} {ms(p50[s.key])}",
                ratio(r),
                target=target,
                met=(r <= 1) if target else None,
            )
        load = results["lookup16"]

        def refused(key: str) -> tuple[int, int]:
            runs = load[key]
            return (
                sum(r["n429"] for r in runs),
                sum(r["nother"] + r["errors"] for r in runs),
            )

        ok = {k: median_of(v, "ok_rps") for k, v in load.items()}
        n429, nerr = refused("frkg")
        seconds = self.duration * self.rounds()
        ours = f"{rate(ok['frkg'])} ({n429:,} × 429, {nerr:,} errors in {seconds:.0f} s)"
        for s in servers[1:]:
            p429, perr = refused(s.key)
            target = "≥ 1x, no 429" if s.key == "virtuoso" else ""
            r = ok["frkg"] / ok[s.key] if ok[s.key] else float("inf")
            self.add(
                "sparql",
                f"SPARQL lookups at {conns} connections, answers/s — vs {s.name}",
                ours,
                f"{s.name} {rate(ok[s.key])} ({p429:,} × 429, {perr:,} errors)",
                ratio(r),
                target=target,
                met=(r >= 1 and n429 == 0) if target else None,
            )
        self.add(
            "sparql",
            f"SPARQL lookups at {conns} connections: answered 429 or failed",
            f"{n429 + nerr:,} of {sum(r['requests'] for r in load['frkg']):,}",
            ", ".join(f"{s.name} {sum(refused(s.key)):,}" for s in servers[1:]),
            target="0 (429) below saturation",
            met=n429 == 0,
        )
        for name in ("join", "aggregate"):
            times = {k: median_of(v, "p50_us") / 1e6 for k, v in results[name].items() if v}
            if "frkg" not in times:
                continue
            for s in servers[1:]:
                if s.key not in times:
                    continue
                target = "≤ 1.1x" if s.key == "oxigraph" else ""
                r = times["frkg"] / times[s.key]
                self.add(
                    "sparql",
                    f"SPARQL {name}, one connection, p50 — vs {s.name}",
                    ms(times["frkg"]),
                    f"{s.name} {ms(times[s.key])}",
                    ratio(r),
                    target=target,
                    met=(r <= 1.1) if target else None,
                )

    def bench_sparql_queries(self) -> None:
        """Each query of the set through frkg's /sparql against pyoxigraph in this process, and
        against rdflib-endpoint (one keep-alive connection each)."""
        frkg = self.servers["frkg"]
        floor, through = {}, {}
        for name, text in self.queries.items():
            floor[name], through[name] = sparql_side_by_side(self.kg, frkg.url, text)
        rdflib: dict[str, Timed] = {}
        if "rdflib" in self.servers:
            for name, text in self.queries.items():
                rdflib[name] = sparql_http(
                    self.servers["rdflib"], text, runs=5, budget=self.options["rdflib_budget"]
                )
        sparql_rows(self.report, self.label, self.queries, floor, through, rdflib)

    # -- memory ---------------------------------------------------------------------------------

    def memory_rows(self) -> None:
        """Memory of every server's processes (PSS: shared pages counted once), and of each frkg
        worker process with its query processes."""
        frkg = self.servers.get("frkg")
        if frkg is None:
            return
        procs = peers.session_memory(frkg.sessions[0])
        master = frkg.sessions[0]
        workers = [p for p in procs if p.ppid == master]
        total = sum(p.pss for p in procs)
        if workers:
            per = []
            for w in workers:
                below = [p for p in procs if p.ppid == w.pid]
                per.append((w.pss + sum(p.pss for p in below), w.rss, len(below)))
            pss = statistics.mean(x[0] for x in per)
            rss = statistics.mean(x[1] for x in per)
            helpers = statistics.mean(x[2] for x in per)
            self.add(
                "memory",
                "memory per server worker (PSS with its query processes; RSS)",
                f"{mb(pss)}; RSS {mb(rss)}",
                f"{len(workers)} workers, {helpers:.0f} query process(es) each; "
                f"master {mb(next((p.pss for p in procs if p.pid == master), 0))}",
                target="state it (10M: target 6)",
            )
        stored = getattr(self, "store_memory", None)
        if stored:
            self.add(
                "memory",
                "memory of `frkg serve --store`, all processes (PSS), just started",
                mb(stored),
                f"from the files: {mb(total)}",
                ratio(stored / total),
            )
        for key in ("oxigraph", "oxigraph-disk", "virtuoso", "trifid", "trifid-proxy", "rdflib"):
            peer = self.servers.get(key)
            if peer is None:
                continue
            theirs = peers.server_memory(peer)
            self.add(
                "memory",
                f"memory, all processes (PSS) — vs {peer.name}",
                mb(total),
                f"{peer.name} {mb(theirs)}",
                ratio(total / theirs) if theirs else "",
            )


def trifid_triples_differ(theirs: bytes, ours: bytes, origin: str) -> str:
    """Why Trifid's Turtle document of a thing does not carry the triples of frkg's document
    about that thing (empty when it does). Trifid rewrites the dataset's base to its own origin
    (its ``datasetBaseUrl`` rewriting): mapped back before comparing. frkg's document also
    describes linked things (labels, inverse links): only the triples whose subject is the
    thing are compared, as a set."""
    text = theirs.decode("utf-8").replace(origin, CANONICAL_BASE)
    try:
        their_triples = set(ox.parse(text.encode(), format=ox.RdfFormat.TURTLE))
        our_triples = set(ox.parse(ours, format=ox.RdfFormat.TURTLE, base_iri=CANONICAL_BASE))
    except SyntaxError as e:
        return f"not Turtle: {e}"
    subjects = {t.subject for t in their_triples}
    ours_of = {t for t in our_triples if t.subject in subjects}
    if not their_triples:
        return "no triple"
    if ours_of != their_triples:
        return (
            f"{len(their_triples & ours_of)} triples in common, {len(their_triples - ours_of)} "
            f"only in Trifid's, {len(ours_of - their_triples)} only in frkg's"
        )
    return ""


# -- search ---------------------------------------------------------------------------------------


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
            r, target, met = f"+{extra * 1000:.2f} ms", "≤ +1 ms", extra <= 0.001
        else:
            value = ours.median / direct.median
            r, target, met = ratio(value), "≤ 1.1x", value <= 1.1
        report.add(
            Row(
                label,
                "sparql",
                f"SPARQL {name} via /sparql, median",
                ms(ours.median),
                f"pyoxigraph directly {ms(direct.median)}",
                r,
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
        value = other.median / ours.median
        same = other.answer == direct.answer
        report.add(
            Row(
                label,
                "sparql",
                f"SPARQL {name} vs rdflib-endpoint, median",
                ms(ours.median),
                f"rdflib-endpoint {ms(other.median)}",
                f"{value:.0f}x faster",
                "≥ 10x faster",
                value >= 10 and same,
                note="" if same else "rdflib-endpoint's answer differs from pyoxigraph's",
            )
        )


# -- validation ---------------------------------------------------------------------------------


def bench_validate(report: Report, label: str, data: Path, timeout: float) -> None:
    """``frkg validate`` on the generated data (its time per triple is the reference figure)."""
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
    speed = f"{int(m.group(1)) / seconds:,.0f} triples/s" if m else ""
    big = at_least(label, "1M")
    report.add(
        Row(
            label,
            "validate",
            "frkg validate (SHACL, pyshacl-turbo)",
            secs(seconds),
            speed,
            "",
            "< 60 s at 1M",
            (seconds < 60) if big else None,
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
        "Every server was given the same triples and checked to give the same answers before it "
        "was timed (see the notes for any that was not). Ratios are frkg / peer on the same "
        "machine in the same run, taken in interleaved rounds: for throughput higher is better "
        "for frkg, for times lower is better; lookups against pyoxigraph in this process give "
        "the time frkg adds. Targets are issue 17's (and issue 7's, kept).",
        "",
        *report.tables(),
    ]
    if report.notes:
        lines += ["## Notes", "", *(f"- {n}" for n in report.notes), ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# -- the command --------------------------------------------------------------------------------


@click.command()
@click.option(
    "--sizes", default="100k", show_default=True, help="Comma-separated: 10k,100k,1M,10M."
)
@click.option(
    "--only",
    default=",".join(PARTS),
    show_default=True,
    help="Comma-separated parts to run: " + ", ".join(PARTS) + ".",
)
@click.option(
    "--peers",
    "peer_list",
    default=",".join(PEERS),
    show_default=True,
    help="Comma-separated peers to start: " + ", ".join(PEERS) + ".",
)
@click.option("--duration", type=float, default=5, show_default=True, help="Seconds per wrk run.")
@click.option("--connections", type=int, default=16, show_default=True, help="wrk connections.")
@click.option("--threads", type=int, default=2, show_default=True, help="wrk threads.")
@click.option(
    "--rounds",
    type=int,
    default=3,
    show_default=True,
    help="Interleaved rounds of every comparison (medians reported).",
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
    "--rdflib-max",
    default="1M",
    show_default=True,
    help="Largest size rdflib-endpoint is started on (it loads in Python).",
)
@click.option(
    "--build-max",
    default="100k",
    show_default=True,
    help="Largest size `frkg build` runs on (it takes many minutes per 100k triples today); "
    "nginx is measured only where it ran.",
)
@click.option(
    "--frkg-store/--frkg-files",
    default=False,
    show_default=True,
    help="Measure `frkg serve --store` instead of `frkg serve` of the files (always at 10M).",
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
def main(sizes: str, only: str, peer_list: str, **options) -> None:
    """Run the benchmark suite and write its report to bench/results/."""
    parts = {p.strip() for p in only.split(",") if p.strip()}
    unknown = parts - set(PARTS)
    if unknown:
        raise click.BadParameter(f"unknown parts {sorted(unknown)}; use {', '.join(PARTS)}")
    wanted = {p.strip() for p in peer_list.split(",") if p.strip()}
    unknown = wanted - set(PEERS)
    if unknown:
        raise click.BadParameter(f"unknown peers {sorted(unknown)}; use {', '.join(PEERS)}")
    labels = [s.strip() for s in sizes.split(",") if s.strip()]
    for label in [*labels, options["build_max"], options["validate_max"], options["rdflib_max"]]:
        try:
            parse_count(label)
        except ValueError as e:
            raise click.BadParameter(str(e)) from None
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            raise click.UsageError(f"{tool} is needed: bash bench/setup.sh (Debian's {tool})")
    started = time.perf_counter()
    info = machine()
    print("\n".join(f"{k}: {v}" for k, v in info.items()), flush=True)
    WORK.mkdir(parents=True, exist_ok=True)
    report = Report()
    try:
        for label in labels:
            data = dataset(label)
            print(f"\n== {label} triples ({data.relative_to(ROOT)})", flush=True)
            SizeRun(report, label, data, parts, wanted, options).run()
    finally:
        command = "python bench/run.py " + " ".join(sys.argv[1:])
        path = write_report(report, info, command.strip(), time.perf_counter() - started)
        print(f"\nwrote {path.relative_to(ROOT)}")
        print("\n".join(report.tables()))


if __name__ == "__main__":
    main()
