"""Soak: hold `frkg serve` under a mixed load and record what it answered, route by route.

    python bench/soak.py                      # 60 s at 64 connections, nginx in front
    python bench/soak.py --seconds 20 --no-front --connections 32

It starts `frkg serve` over the repository's data (2 workers; `--front nginx` unless
`--no-front`), then runs one Debian `wrk` per route group at once, splitting the connections
among them (entity pages, entity documents in every RDF format, /id/ redirects, search,
browse, SPARQL), each walking its own list of paths (bench/paths.lua). Every wrk reports its
own latency percentiles, so p50/p99 are per route group; the server's /metrics (every worker
counted) gives the statuses it answered. The report goes to bench/results/DATE-soak.md.

What must hold (issue 16, point 4): no 5xx and no connection error anywhere; SPARQL above its
concurrency limit answered 429 with Retry-After, never a slow entity page. This is a
benchmark, never a test: the numbers depend on the machine and what else runs on it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATHS_LUA = ROOT / "bench" / "paths.lua"
RESULTS = ROOT / "bench" / "results"

#: Route group -> share of the connections.
SHARES = {
    "page (HTML)": 0.30,
    "data (every RDF format)": 0.25,
    "id (303)": 0.10,
    "search": 0.10,
    "browse": 0.10,
    "sparql": 0.15,
}
SPARQL_QUERIES = [
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT ?s ?label WHERE { ?s rdfs:label ?label } LIMIT 20",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type",
    "ASK { ?s ?p ?o }",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, accept: str = "application/json") -> dict:
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310 - 127.0.0.1 only
        return json.loads(reply.read())


def slugs(base: str) -> list[str]:
    """Every entity the server publishes (asked of its own SPARQL endpoint)."""
    query = (
        f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), '{base}id/')) }} "
        "ORDER BY ?s"
    )
    url = base + "sparql?" + urllib.parse.urlencode({"query": query})
    rows = get_json(url, "application/sparql-results+json")["results"]["bindings"]
    return [row["s"]["value"][len(base) + 3 :] for row in rows]


def route_paths(base: str) -> dict[str, list[str]]:
    """The paths each wrk walks."""
    things = slugs(base)
    words = sorted({w for s in things for w in s.split("-") if len(w) > 3})[:200]
    suffixes = ("ttl", "jsonld", "nt", "rdf")
    return {
        "page (HTML)": [f"/page/{s}" for s in things],
        "data (every RDF format)": [f"/data/{s}.{x}" for s in things for x in suffixes],
        "id (303)": [f"/id/{s}" for s in things],
        "search": [f"/search?q={urllib.parse.quote(w)}" for w in words],
        "browse": ["/browse"] + [f"/browse?page={n}" for n in range(1, 4)],
        "sparql": [
            "/sparql?" + urllib.parse.urlencode({"query": q, "format": "json"})
            for q in SPARQL_QUERIES
        ],
    }


def run_wrk(url: str, paths: list[str], seconds: int, connections: int, out: dict, key: str):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(paths) + "\n")
    cmd = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "--latency",
        "-s",
        str(PATHS_LUA),
        url,
        "--",
        listing.name,
    ]
    env = {**os.environ, "WRK_STATUSES": "1"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=seconds + 120)
    os.unlink(listing.name)
    line = next((s for s in done.stdout.splitlines() if s.startswith("WRK-JSON ")), None)
    out[key] = json.loads(line[9:]) if line else {"error": done.stderr.strip() or done.stdout}


def statuses(url: str) -> dict[tuple[str, str], float]:
    """(route, status) -> requests answered, from the server's /metrics."""
    with urllib.request.urlopen(url + "metrics", timeout=30) as reply:  # noqa: S310
        text = reply.read().decode()
    found: dict[tuple[str, str], float] = {}
    for line in text.splitlines():
        if not line.startswith("frkg_http_requests_total{"):
            continue
        labels, value = line.rsplit(" ", 1)
        parts = dict(p.split("=", 1) for p in labels[labels.index("{") + 1 : -1].split(","))
        key = (parts["route"].strip('"'), parts["status"].strip('"'))
        found[key] = found.get(key, 0) + float(value)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--no-front", action="store_true", help="Serve without nginx in front.")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if subprocess.run(["which", "wrk"], capture_output=True).returncode != 0:
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRKG_")}
    cmd = [sys.executable, "-m", "frkg", "serve", "--port", str(port)]
    cmd += ["--workers", str(args.workers)] + ([] if args.no_front else ["--front", "nginx"])
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                get_json(url + "health")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    print(log.read(), file=sys.stderr)
                    return 2
                time.sleep(0.2)
        paths = route_paths(url)
        results: dict[str, dict] = {}
        split = {k: max(1, round(args.connections * share)) for k, share in SHARES.items()}
        load_before = os.getloadavg()
        threads = [
            threading.Thread(
                target=run_wrk, args=(url, paths[k], args.seconds, split[k], results, k)
            )
            for k in SHARES
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        answered = statuses(url)
        load_after = os.getloadavg()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        log.close()
        os.unlink(log.name)
    report = render(args, split, results, answered, load_before, load_after)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{datetime.now():%Y-%m-%d-%H%M}-soak.md"
    out.write_text(report, encoding="utf-8")
    print(report)
    print(f"written to {out.relative_to(ROOT)}", file=sys.stderr)
    errors = sum(r.get("errors", 1) for r in results.values())
    five = sum(n for (_, status), n in answered.items() if status.startswith("5"))
    return 0 if errors == 0 and five == 0 else 1


def render(args, split, results, answered, load_before, load_after) -> str:
    ms = 1000.0
    lines = [
        f"# frkg soak, {datetime.now():%Y-%m-%d %H:%M}",
        "",
        f"Command: `python bench/soak.py --seconds {args.seconds} --connections "
        f"{args.connections}{' --no-front' if args.no_front else ''}` over the repository's "
        f"data; `frkg serve --workers {args.workers}`"
        f"{'' if args.no_front else ' --front nginx'}; one wrk per route group at once.",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.platform()}, Python "
        f"{platform.python_version()}; load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after (the machine is shared: absolute numbers move with it).",
        "",
        "| route group | connections | requests | req/s | p50 ms | p99 ms | 2xx | 429 | other "
        "| socket errors |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key in SHARES:
        r = results.get(key, {})
        if "requests" not in r:
            lines.append(f"| {key} | {split[key]} | wrk failed: {r.get('error', '?')[:80]} |")
            continue
        lines.append(
            f"| {key} | {split[key]} | {r['requests']} | {r['requests'] / r['seconds']:.0f} | "
            f"{r['p50_us'] / ms:.1f} | {r['p99_us'] / ms:.1f} | {r['n2xx']} | {r['n429']} | "
            f"{r['nother']} | {r['errors']} |"
        )
    lines += ["", "Statuses the server counted (its /metrics, every worker):", ""]
    lines += ["| route | status | answers |", "|---|---|---|"]
    for (route, status), n in sorted(answered.items()):
        lines.append(f"| {route} | {status} | {n:.0f} |")
    five = sum(n for (_, status), n in answered.items() if status.startswith("5"))
    errors = sum(r.get("errors", 0) for r in results.values())
    lines += ["", f"5xx answers: {five:.0f}; connection errors: {errors}.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
