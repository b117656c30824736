"""Throughput of the static export under nginx, side by side in one run (never a test).

    .venv/bin/python bench/static_throughput.py [--seconds 5] [--rounds 3] [data ...]

Needs Debian's `wrk` and `nginx` (`apt-get install wrk nginx`). Exports the data (default: the
repository's) with `frkg build`'s code, then measures with wrk, one target after another on
127.0.0.1:

  plain      nginx serving one plain file (the same bytes as the entity document), no rules:
             the ceiling of nginx on this machine
  document   the export's /data/{slug}.ttl under the generated configuration
  gzip       the same with Accept-Encoding: gzip (the .gz twin)
  303        the export's /id/{slug} with Accept: text/turtle (the negotiation rules, a redirect)
  303 worst  /id/{slug} with `application/pdf, */*;q=0.01`: the rules' last bucket decides
  page       the export's /page/{slug}
  serve doc  `frkg serve` (2 workers) answering /data/{slug}.ttl
  serve page `frkg serve` answering /page/{slug}

in rounds (every target once per round, so drifting load on the machine meets them all), and
prints the median requests/s, p50 and p99 latency, and each target's requests/s as a ratio of
plain.
The entity is the one whose Turtle document has the median size.
"""

from __future__ import annotations

import argparse
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from frkg import __version__, store  # noqa: E402
from frkg.config import expand_paths  # noqa: E402


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> dict[str, float]:
    """Requests/s and p50/p99 latency (ms) of ``url`` under wrk."""
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)

    def latency(percent: str) -> float:
        value, unit = re.search(rf"\s{percent}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    return {
        "rate": rate,
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": int(non2xx[1]) if non2xx else 0,
    }


def plain_nginx(folder: Path, port: int) -> str:
    """A minimal nginx.conf serving ``folder`` as it is: the ceiling to compare with."""
    user = "user root root;\n" if _root() else ""  # pytest-like private temp folders
    return (
        f"{user}worker_processes auto;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
        "events { worker_connections 1024; }\n"
        "http {\n    access_log off;\n    sendfile on;\n    tcp_nopush on;\n"
        f"    client_body_temp_path {folder}/tmp;\n    proxy_temp_path {folder}/tmp;\n"
        f"    fastcgi_temp_path {folder}/tmp;\n    uwsgi_temp_path {folder}/tmp;\n"
        f"    scgi_temp_path {folder}/tmp;\n"
        "    types { text/turtle ttl; }\n"
        f"    server {{ listen 127.0.0.1:{port}; root {folder}/root; }}\n"
        "}\n"
    )


def _root() -> bool:
    import os

    return os.geteuid() == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="*", help="data files or folders (default: data/)")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not Path("/usr/sbin/" + tool).exists():
            sys.exit(f"{tool} is needed: apt-get install {tool}")

    from conftest import NGINX, export_fixture, free_port, running_nginx, running_server

    data = [str(p) for p in expand_paths(args.data or [str(ROOT / "data")])]
    sources = {
        "ontology": expand_paths([str(ROOT / "ontology")]),
        "data": [Path(p) for p in data],
        "shapes": expand_paths([str(ROOT / "shapes")]),
    }
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="frkg-bench-") as tmp:
        work = Path(tmp)
        port = free_port()
        base = f"http://127.0.0.1:{port}/"
        layout = export_fixture(sources, work / "export", base)
        static = stack.enter_context(running_nginx(work / "export", layout, port))
        documents = sorted(
            (work / "export" / "public" / "data").glob("*.ttl"), key=lambda p: p.stat().st_size
        )
        document = documents[len(documents) // 2]
        slug = document.stem
        # the ceiling: the same bytes from a plain nginx, no rules
        plain_dir = work / "plain"
        (plain_dir / "root").mkdir(parents=True)
        (plain_dir / "tmp").mkdir()
        shutil.copy(document, plain_dir / "root" / "doc.ttl")
        plain_port = free_port()
        (plain_dir / "nginx.conf").write_text(plain_nginx(plain_dir, plain_port))
        plain = subprocess.Popen(
            [NGINX, "-p", str(plain_dir), "-c", str(plain_dir / "nginx.conf"), "-g", "daemon off;"]
        )
        stack.callback(plain.wait)
        stack.callback(plain.terminate)
        flags = [a for kind, paths in sources.items() for p in paths for a in (f"--{kind}", str(p))]
        served = stack.enter_context(running_server(*flags, "--workers", "2"))
        # the last bucket of the rules: every rule before it is tried first
        worst = "application/pdf, */*;q=0.01"
        targets = [
            ("plain", f"http://127.0.0.1:{plain_port}/doc.ttl", {}),
            ("document", f"{static}data/{slug}.ttl", {}),
            ("gzip", f"{static}data/{slug}.ttl", {"Accept-Encoding": "gzip"}),
            ("303", f"{static}id/{slug}", {"Accept": "text/turtle"}),
            ("303 worst", f"{static}id/{slug}", {"Accept": worst}),
            ("page", f"{static}page/{slug}", {}),
            ("serve doc", f"{served}data/{slug}.ttl", {}),
            ("serve page", f"{served}page/{slug}", {}),
        ]
        # Rounds, each target in turn: what else runs on the machine drifts, and every target
        # meets the drift alike; each figure is the median over the rounds.
        rounds: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in targets}
        for _ in range(args.rounds):
            for name, url, headers in targets:
                rounds[name].append(wrk(url, args.seconds, args.connections, headers))
        results = {
            name: {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            for name, runs in rounds.items()
        }
        versions = {
            "frkg": __version__,
            "nginx": _version([NGINX, "-v"]).split("/")[-1],
            "wrk": _version(["wrk", "-v"]).split()[1],
            "python": platform.python_version(),
        }
        kg = store.load_files(sources, base)
        size = document.stat().st_size
    print(f"# static export throughput ({platform.node()}, {_cores()} cores)")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    print(
        f"data: {kg.triple_count} triples; entity {slug}, Turtle document {size}"
        f" bytes; wrk -t2 -c{args.connections} -d{args.seconds}s on 127.0.0.1 (same machine),"
        f" median of {args.rounds} rounds"
    )
    print()
    print("| target | requests/s | p50 ms | p99 ms | x plain |")
    print("|---|---:|---:|---:|---:|")
    ceiling = results["plain"]["rate"]
    for name, r in results.items():
        note = f" ({r['errors']:.0f} non-2xx/3xx)" if r["errors"] else ""
        print(
            f"| {name}{note} | {r['rate']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
            f"{r['rate'] / ceiling:.2f} |"
        )


def _version(cmd: list[str]) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True)
    return (done.stdout or done.stderr).strip().splitlines()[0]


def _cores() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    main()
