"""Shared fixtures: the repository's data, an in-process app, and real servers on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from frkg import store
from frkg.config import Settings
from frkg.web import create_app

ROOT = Path(__file__).resolve().parent.parent


#: The project's reference material (the founding article, facts.md, facts-2.md): not part of the
#: repository, checked out beside it (as CI does).
SHARED_REFERENCE = ROOT.parent / "shared" / "reference"


def reference_text(name: str) -> str:
    """A reference file's text. Skips the test when ``../shared`` is not beside the clone at all
    (a bare clone elsewhere); fails when it is there but the file is missing."""
    if not SHARED_REFERENCE.parent.exists():
        pytest.skip(f"../shared is not beside the repository: {name} cannot be read")
    return (SHARED_REFERENCE / name).read_text(encoding="utf-8")


FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOOD_FIXTURES = FIXTURES / "good"


def repo_settings(**overrides) -> Settings:
    """Settings for the repository's own ontology, data and shapes (environment ignored)."""
    paths = {
        "ontology": [str(ROOT / "ontology")],
        "data": [str(ROOT / "data")],
        "shapes": [str(ROOT / "shapes")],
    }
    return Settings.from_env({}, **{**paths, **overrides})


@pytest.fixture(scope="session")
def kg() -> store.KnowledgeGraph:
    """The repository's knowledge graph, loaded once, under the canonical base."""
    return store.load(repo_settings(base_iri="https://w3id.org/frkg/"))


@pytest.fixture(scope="session")
def app(kg):
    """The Flask app over the repository's data (canonical base); its query workers are stopped
    at the end."""
    made = create_app(repo_settings(base_iri=kg.base), kg)
    yield made
    made.extensions["frkg.sparql"].close()


@pytest.fixture()
def client(app):
    """Flask's test client, for checks that need no socket."""
    return app.test_client()


def free_port() -> int:
    """A port nothing listens on right now (ephemeral range; avoids browsers' bad ports)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> Iterator[str]:
    """Run ``frkg serve`` as a real subprocess on a free port; yield its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    cmd = [
        sys.executable,
        "-m",
        "frkg",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        *args,
    ]
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("FRKG_")}
    child_env.update(env or {})
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=child_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        wait_until_listening(proc, port, "frkg serve", timeout=timeout, ready=lambda: answers(url))
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """The repository's data served by ``frkg serve`` on 127.0.0.1 (base = its own URL)."""
    with running_server() as url:
        yield url


# --- Linked-data publishing: a small fictional dataset, served for real ---------------------------

WEB_FIXTURES = FIXTURES / "web"

#: Debian's chromium, as the browser tests drive it through playwright: headless and quiet (no
#: background requests of its own, so a test can refuse every request that leaves 127.0.0.1).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Things citing the hub source in the generated fixture: more than a page shows (25) and more
#: than one "show all" page holds (500), so capping and paging are both exercised.
HUB_SIZE = 1200
#: Length of the generated very long literal.
LONG_TEXT_SIZE = 100_000


def write_generated_fixtures(folder: Path) -> Path:
    """Write the hub and the very long strings (too big to keep in the repository) as Turtle."""
    lines = [
        "@prefix id: <https://w3id.org/frkg/id/> .",
        "@prefix frkg: <https://w3id.org/frkg/ontology#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        'id:hub-source a frkg:WebPage ; rdfs:label "The hub source"@en .',
    ]
    for i in range(HUB_SIZE):
        lines.append(
            f'id:hub-item-{i:04d} a frkg:WebPage ; rdfs:label "Hub item {i:04d}"@en ; '
            "dct:source id:hub-source ."
        )
    long_word = "x" * 5000
    long_text = ("A very long sentence & <more> " * (LONG_TEXT_SIZE // 30 + 1))[:LONG_TEXT_SIZE]
    lines.append(
        f'id:long-text rdfs:label "{long_word}"@en ; rdfs:comment "{long_text}"@en ; '
        "dct:source id:hub-source ."
    )
    path = folder / "generated.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def fixture_sources(tmp_path_factory) -> dict[str, list[Path]]:
    """The fixture dataset's files by kind: the real ontology, fixture data, no shapes."""
    folder = tmp_path_factory.mktemp("web-fixtures")
    generated = write_generated_fixtures(folder)
    data = sorted(WEB_FIXTURES.glob("*.ttl")) + [generated]
    return {"ontology": [ROOT / "ontology" / "frkg.ttl"], "data": data}


@pytest.fixture(scope="session")
def fixture_kg(fixture_sources) -> store.KnowledgeGraph:
    """The fixture dataset loaded in process under the canonical base."""
    return store.load_files(fixture_sources, "https://w3id.org/frkg/")


@pytest.fixture(scope="session")
def fixture_server(fixture_sources, tmp_path_factory) -> Iterator[str]:
    """The fixture dataset served by ``frkg serve`` on 127.0.0.1 (base = its own URL)."""
    no_shapes = tmp_path_factory.mktemp("no-shapes")
    args = ["--shapes", str(no_shapes)]
    for kind in ("ontology", "data"):
        for path in fixture_sources[kind]:
            args += [f"--{kind}", str(path)]
    with running_server(*args) as url:
        yield url


# -- SPARQL endpoint: a server over the small fixture dataset, with short limits -----------------

SPARQL_FIXTURE = FIXTURES / "sparql"
PROTOCOL_FIXTURE = FIXTURES / "protocol"  # the W3C protocol suite's data1..data3 graphs
SPARQL_LIMITS = {
    "FRKG_SPARQL_TIMEOUT": "2",
    "FRKG_SPARQL_RESULT_CAP": "100",
    "FRKG_SPARQL_MAX_CONCURRENT": "2",
}


def fixture_server_args(*data: Path) -> list[str]:
    """`frkg serve` flags for the repository ontology plus ``data``, and no shapes."""
    args = ["--shapes", str(FIXTURES / "empty")]
    for path in data or (SPARQL_FIXTURE,):
        args += ["--data", str(path)]
    return args


# --- Discovery: a small fictional debate, generated reports for paging, fixture shapes ------------

DISCOVERY_FIXTURES = FIXTURES / "discovery"
#: Generated reports: more than two list pages hold (50 a page), so paging is exercised.
REPORT_COUNT = 130
REPORT_PUBLISHERS = ("example-news", "rights-now", "safety-institute")


def report_label(i: int) -> str:
    """The label of generated report ``i``: case and accents vary, so sorting must fold them."""
    return ("report {:03d}", "Report {:03d}", "Ärende {:03d}", "ÉTUDE {:03d}")[i % 4].format(i)


def report_publisher(i: int) -> str:
    """The slug of generated report ``i``'s publisher."""
    return REPORT_PUBLISHERS[i % 3]


def report_year(i: int) -> int:
    """The year generated report ``i`` was published."""
    return 2017 + i % 5


def write_reports(folder: Path) -> Path:
    """Write the generated reports as Turtle."""
    lines = [
        "@prefix id: <https://w3id.org/frkg/id/> .",
        "@prefix frkg: <https://w3id.org/frkg/ontology#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix schema: <https://schema.org/> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
    ]
    for i in range(REPORT_COUNT):
        lines.append(
            f'id:report-{i:03d} a frkg:Report ; rdfs:label "{report_label(i)}"@en ; '
            f'schema:url "https://example.org/reports/{i}"^^xsd:anyURI ; '
            f"schema:publisher id:{report_publisher(i)} ; "
            f'schema:datePublished "{report_year(i)}"^^xsd:gYear .'
        )
    path = folder / "reports.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def discovery_sources(tmp_path_factory) -> dict[str, list[Path]]:
    """The discovery fixture's files by kind: the real ontology, fixture data and shapes."""
    folder = tmp_path_factory.mktemp("discovery-fixtures")
    return {
        "ontology": [ROOT / "ontology" / "frkg.ttl"],
        "data": [DISCOVERY_FIXTURES / "debate.ttl", write_reports(folder)],
        "shapes": [DISCOVERY_FIXTURES / "shapes" / "shapes.ttl"],
    }


def serve_args(sources: dict[str, list[Path]]) -> list[str]:
    """`frkg serve` flags naming exactly the files of ``sources``."""
    args: list[str] = []
    for kind, paths in sources.items():
        for path in paths:
            args += [f"--{kind}", str(path)]
    return args


@pytest.fixture(scope="session")
def sparql_server() -> Iterator[str]:
    """``frkg serve`` over tests/fixtures/{sparql,protocol}: 2 s timeout, 100-row cap, 2 slots."""
    args = fixture_server_args(SPARQL_FIXTURE, PROTOCOL_FIXTURE)
    with running_server(*args, env=SPARQL_LIMITS) as url:
        yield url


def http(
    method: str,
    url: str,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> tuple[int, dict[str, str], bytes]:
    """One raw HTTP request (no header added but Host and Content-Length): status, headers, body."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        data = body.encode("utf-8") if isinstance(body, str) else body
        conn.request(method, path, body=data, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@pytest.fixture(scope="session")
def discovery_server(discovery_sources) -> Iterator[str]:
    """The discovery fixture served by ``frkg serve`` on 127.0.0.1 (base = its own URL)."""
    with running_server(*serve_args(discovery_sources)) as url:
        yield url


@pytest.fixture(scope="session")
def discovery_kg(discovery_sources, discovery_server) -> store.KnowledgeGraph:
    """The discovery fixture loaded in process under the server's base, for SPARQL expectations."""
    return store.load_files(discovery_sources, discovery_server)


@pytest.fixture(scope="session")
def repo_kg(live_server) -> store.KnowledgeGraph:
    """The repository's data loaded in process under the live server's base."""
    return store.load(repo_settings(base_iri=live_server))


# -- Static export: the fixture dataset exported by `frkg build` and served by Debian's nginx ------

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class ServerURL(str):
    """A server's base URL that also says which kind of server answers there."""

    kind: str

    def __new__(cls, url: str, kind: str) -> ServerURL:
        made = super().__new__(cls, url)
        made.kind = kind
        return made


@dataclass
class StaticExport:
    """An export of the fixture dataset: where it is, its layout, the URL serving it, and the
    app's URL space (which file a URL is exported to)."""

    outdir: Path
    layout: object
    url: str
    urls: object


def export_fixture(sources: dict[str, list[Path]], outdir: Path, base: str):
    """Build the static site of ``sources`` under ``base`` into ``outdir`` (in process); its
    layout and the app's URL space."""
    from frkg.export import site

    settings = Settings.from_env({}, base_iri=base)
    app = create_app(settings, store.load_files(sources, base))
    return site.build(app, outdir, jobs=2), site.UrlSpace(app)


def answers(url: str) -> bool:
    """True when ``url`` + ``health`` answers 200 (the server has loaded its data)."""
    with urllib.request.urlopen(url + "health", timeout=2) as reply:
        return reply.status == 200


def wait_until_listening(
    proc: subprocess.Popen,
    port: int,
    name: str,
    *,
    timeout: float = 30,
    ready: Callable[[], bool] | None = None,
) -> None:
    """Wait until ``proc``, a server, accepts connections on ``port`` and, when ``ready`` is given,
    until ``ready()`` is true (asked again every 50 ms; an OSError counts as not yet). Raise with
    what the server printed if it exits first, or when ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            output = proc.stdout or proc.stderr
            printed = output.read() if output is not None else ""
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n{printed}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
            if ready is None or ready():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not answer on port {port} in {timeout:g} s")
        time.sleep(0.05)


@contextmanager
def serving(wsgi_app) -> Iterator[str]:
    """Serve a WSGI app from this process on a free 127.0.0.1 port, in a thread; yield its URL."""
    from werkzeug.serving import make_server

    port = free_port()
    server = make_server("127.0.0.1", port, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@contextmanager
def running_nginx(outdir: Path, layout, listen_port: int, **options) -> Iterator[str]:
    """Write the export's nginx configuration for ``listen_port`` and run nginx on it.

    nginx runs as a child process with ``daemon off``, its own prefix, pid file, logs and temp
    folders under ``outdir``, and is stopped with SIGQUIT (graceful) when the block ends.
    """
    from frkg.export import webserver

    # Run as root (CI does), nginx's workers would become "nobody", who cannot read pytest's
    # private temp folders: keep them as the user running the tests.
    user = "root root" if os.geteuid() == 0 else None
    written = webserver.write_configs(
        layout, outdir, f"127.0.0.1:{listen_port}", user=user, **options
    )
    prefix = str(written["nginx-standalone"].parent)
    proc = subprocess.Popen(
        [NGINX, "-p", prefix, "-c", str(written["nginx-standalone"]), "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{listen_port}/"
    try:
        wait_until_listening(proc, listen_port, "nginx")
        yield url
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


@pytest.fixture(scope="session")
def static_export(fixture_sources, tmp_path_factory) -> Iterator[StaticExport]:
    """The fixture dataset exported under nginx's own URL and served by nginx on 127.0.0.1."""
    port = free_port()
    outdir = tmp_path_factory.mktemp("static-export")
    base = f"http://127.0.0.1:{port}/"
    layout, urls = export_fixture(fixture_sources, outdir, base)
    with running_nginx(outdir, layout, port) as url:
        yield StaticExport(outdir, layout, url, urls)


@pytest.fixture(scope="session")
def nginx_server(static_export) -> str:
    """The base URL of nginx serving the fixture dataset's static export."""
    return static_export.url


@pytest.fixture(scope="session", params=["frkg serve", "nginx", "apache"])
def any_server(request) -> ServerURL:
    """The fixture dataset served by ``frkg serve``, and by nginx and Apache from its export.

    Tests written against it hold for all three; where a web server differs, the test says so
    with ``any_server.kind`` and docs/static-export.md documents it.
    """
    fixture = {"frkg serve": "fixture_server", "nginx": "nginx_server", "apache": "apache_server"}
    return ServerURL(request.getfixturevalue(fixture[request.param]), request.param)


# -- Static export served by Debian's Apache httpd with the generated .htaccess -------------------

APACHE = shutil.which("apache2") or "/usr/sbin/apache2"


@contextmanager
def running_apache(sources: dict[str, list[Path]]) -> Iterator[StaticExport]:
    """Export ``sources`` for a free port and serve it with apache2 and the export's .htaccess.

    Apache refuses to serve as root, so when the tests run as root its workers are "nobody":
    the export goes to a world-readable temporary folder of its own, removed afterwards.
    """
    import tempfile

    from frkg.export import webserver

    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    outdir = Path(tempfile.mkdtemp(prefix="frkg-apache-"))
    outdir.chmod(0o755)
    proc = None
    try:
        layout, urls = export_fixture(sources, outdir, base)
        user = "nobody" if os.geteuid() == 0 else None
        written = webserver.write_configs(layout, outdir, f"127.0.0.1:{port}", user=user)
        for path in outdir.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        proc = subprocess.Popen(
            [APACHE, "-f", str(written["apache-standalone"]), "-DFOREGROUND"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        wait_until_listening(proc, port, "apache2")
        yield StaticExport(outdir, layout, base, urls)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stdout.close()
        shutil.rmtree(outdir, ignore_errors=True)


@pytest.fixture(scope="session")
def apache_export(fixture_sources) -> Iterator[StaticExport]:
    """The fixture dataset exported under Apache's own URL and served by Apache httpd."""
    with running_apache(fixture_sources) as export:
        yield export


@pytest.fixture(scope="session")
def apache_server(apache_export) -> str:
    """The base URL of Apache httpd serving the fixture dataset's static export."""
    return apache_export.url


# --- Scaling: the on-disk store and remote SPARQL backends, compared with the embedded store -----

CANONICAL = "https://w3id.org/frkg/"


def frkg_command(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``frkg ARGS`` from the repository (no FRKG_* variables but ``env``); output captured."""
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("FRKG_")}
    child_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "frkg", *args],
        cwd=ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="session")
def canonical_server() -> Iterator[str]:
    """The repository's data loaded in memory and served under the canonical base: the reference
    the other backends are compared with (they hold the data under that base)."""
    with running_server("--base-iri", CANONICAL) as url:
        yield url


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """One Virtuoso from Debian's packages on 127.0.0.1 for the session
    (tests/virtuoso_server.py); each test module loads its own graphs. Runaway queries go to a
    server of their own."""
    from virtuoso_server import Virtuoso

    with Virtuoso(tmp_path_factory.mktemp("virtuoso"), max_query_seconds=60) as server:
        yield server


@pytest.fixture(scope="session")
def disk_store(tmp_path_factory) -> tuple[Path, str]:
    """The repository's files loaded by `frkg load --store` (canonical base): folder, stderr."""
    folder = tmp_path_factory.mktemp("ondisk") / "store"
    result = frkg_command("load", "--store", str(folder))
    assert result.returncode == 0, result.stderr
    return folder, result.stderr


@pytest.fixture(scope="session")
def disk_server(disk_store) -> Iterator[str]:
    """`frkg serve --store` over :func:`disk_store` with two worker processes."""
    with running_server("--store", str(disk_store[0]), "--workers", "2") as url:
        yield url


@pytest.fixture(scope="session")
def repo_nquads(tmp_path_factory) -> Path:
    """The repository's files as `frkg load --nquads` writes them (canonical base)."""
    path = tmp_path_factory.mktemp("remote") / "frkg.nq.gz"
    result = frkg_command("load", "--nquads", str(path))
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture(scope="session")
def virtuoso_endpoint(virtuoso, repo_nquads) -> str:
    """The session's Virtuoso with :func:`repo_nquads` loaded by its bulk loader (docs/scaling.md's
    recipe); N-Quads name their own graphs."""
    virtuoso.load([repo_nquads], "urn:x-frkg:unused")
    return virtuoso.endpoint


@pytest.fixture(scope="session")
def remote_server(virtuoso_endpoint) -> Iterator[str]:
    """`frkg serve --sparql-endpoint` over :func:`virtuoso_endpoint` with two worker processes."""
    with running_server("--sparql-endpoint", virtuoso_endpoint, "--workers", "2") as url:
        yield url


# -- The benchmark data generator, run as its users run it ----------------------------------------

BENCH_GENERATE = ROOT / "bench" / "generate.py"


def bench_generate(out: Path, triples: str, *args: str) -> subprocess.CompletedProcess:
    """Run ``python bench/generate.py --triples TRIPLES --out OUT ARGS``; output captured."""
    return subprocess.run(
        [sys.executable, str(BENCH_GENERATE), "--triples", triples, "--out", str(out), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="session")
def generated_10k(tmp_path_factory) -> Path:
    """The folder bench/generate.py writes for 10k triples with seed 1."""
    out = tmp_path_factory.mktemp("generated10k")
    result = bench_generate(out, "10k", "--seed", "1")
    assert result.returncode == 0, result.stderr
    return out


def entity_slugs(server: str) -> list[str]:
    """Every entity the server's SPARQL endpoint knows under the canonical base, sorted."""
    query = (
        "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } "
        f'FILTER(STRSTARTS(STR(?s), "{CANONICAL}id/")) }}'
    )
    status, _, body = http(
        "POST",
        server + "sparql",
        query,
        {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    )
    assert status == 200, body
    prefix = f"{CANONICAL}id/"
    rows = json.loads(body)["results"]["bindings"]
    return sorted(r["s"]["value"][len(prefix) :] for r in rows)


def split_jsonld(html: bytes) -> tuple[bytes, bytes]:
    """(the page without its embedded JSON-LD, the JSON-LD): the one part whose order follows the
    store's (the graph is compared, not the bytes)."""
    start = html.index(b'<script type="application/ld+json">')
    end = html.index(b"</script>", start)
    return html[:start] + html[end:], html[
        start + len(b'<script type="application/ld+json">') : end
    ]


def example_answer(query: str, body: bytes) -> tuple[list, list]:
    """A SPARQL JSON answer to an example query as (its rows as a sorted multiset, the sequence of
    its ORDER BY keys), so that two engines' answers compare equal when they are the same answer.

    What SPARQL leaves undefined is not compared: the order of the values inside a GROUP_CONCAT
    (SPARQL 1.1 Query section 18.5.1.7; aggregates work on a multiset), and the order of rows whose
    ORDER BY keys are equal (section 15.1). Language tags are compared lower-cased (RDF 1.1
    Concepts section 3.3). Everything else -- every row, term, datatype and tag -- must be equal.
    """
    separators = {
        m.group(2): m.group(1) for m in re.finditer(r'separator="([^"]*)".*AS \?(\w+)\)', query)
    }
    order = re.search(r"\bORDER BY\b(.*)$", query, flags=re.S | re.I)
    keys = re.findall(r"\?(\w+)", order.group(1)) if order else []
    answer = json.loads(body)
    rows = []
    for binding in answer["results"]["bindings"]:
        row = {}
        for name, term in binding.items():
            value: object = term["value"]
            if name in separators:
                value = tuple(sorted(term["value"].split(separators[name])))
            kind = "literal" if term["type"] == "typed-literal" else term["type"]
            row[name] = (kind, value, term.get("datatype"), (term.get("xml:lang") or "").lower())
        rows.append(row)
    as_text = [json.dumps(r, sort_keys=True) for r in rows]
    return sorted(as_text), [tuple(json.dumps(r.get(k)) for k in keys) for r in rows]


_JSONLD_BLOCK = re.compile(rb'<script type="application/ld\+json">(.*?)</script>', re.S)


def jsonld_blocks(page: bytes) -> tuple[bytes, list[bytes]]:
    """A page without its embedded JSON-LD blocks, and the blocks."""
    return _JSONLD_BLOCK.sub(b"", page), _JSONLD_BLOCK.findall(page)


def assert_same_site(ours: Path, theirs: Path) -> None:
    """Two folders written by `frkg build` hold the same files with the same content: RDF (and a
    page's embedded JSON-LD) as the same graph, since two loads draw different blank-node labels;
    everything else byte for byte, once the configurations' own folder names are set aside."""
    from rdflib.compare import isomorphic

    from frkg.formats import by_suffix

    from http_helpers import parse_rdf

    def files(site: Path) -> dict[str, bytes]:
        folder = str(site).encode()
        return {
            str(f.relative_to(site)): f.read_bytes().replace(folder, b"SITE")
            for f in site.rglob("*")
            if f.is_file()
        }

    mine, others = files(ours), files(theirs)
    assert mine.keys() == others.keys()
    for name, a in mine.items():
        b = others[name]
        if name.endswith(".gz"):
            a, b, name = gzip.decompress(a), gzip.decompress(b), name.removesuffix(".gz")
        fmt = by_suffix(name.rsplit(".", 1)[-1])
        if fmt is not None and a.strip():
            assert isomorphic(parse_rdf(a, fmt.media_type), parse_rdf(b, fmt.media_type)), name
        elif name.endswith(".html"):
            (page_a, data_a), (page_b, data_b) = jsonld_blocks(a), jsonld_blocks(b)
            assert page_a == page_b, name
            for x, y in zip(data_a, data_b, strict=True):
                jsonld = "application/ld+json"
                assert isomorphic(parse_rdf(x, jsonld), parse_rdf(y, jsonld)), name
        else:
            assert a == b, name
