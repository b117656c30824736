"""Per-query cost of the safe SPARQL path, side by side with pyoxigraph directly (never a test).

    .venv/bin/python bench/sparql_overhead.py [data folder ...]

Runs a one-entity lookup (the typical query of a linked-data client) N times:
  direct   store.query(...) and serialise the answer as SPARQL JSON, in this process
  service  SparqlService.query(...): checks, worker round trip, capped TSV, re-serialised JSON
  http     GET /sparql?query=... against `frkg serve` on 127.0.0.1 (one keep-alive connection),
           next to GET /health, which is the HTTP stack (gunicorn, Flask) alone
and prints microseconds per query and what each layer adds.
"""

from __future__ import annotations

import http.client
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from frkg import CANONICAL_BASE, sparql, store  # noqa: E402
from frkg.config import expand_paths  # noqa: E402

N = 2000


def per_query(fn, n: int = N) -> float:
    for _ in range(50):  # warm up
        fn()
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - started) / n * 1e6


def main(data: list[str]) -> None:
    from conftest import fixture_server_args, running_server

    data_paths = expand_paths(data or [str(ROOT / "tests" / "fixtures" / "sparql")])
    kg = store.load_files(
        {"ontology": expand_paths([str(ROOT / "ontology")]), "data": data_paths}, CANONICAL_BASE
    )
    thing = next(
        q.subject.value
        for q in kg.store.quads_for_pattern(None, None, None, None)
        if isinstance(q.subject, ox.NamedNode) and "/id/" in q.subject.value
    )
    query = f"SELECT ?p ?o WHERE {{ <{thing}> ?p ?o }}"

    def direct():
        kg.store.query(query, use_default_graph_as_union=True).serialize(
            format=ox.QueryResultsFormat.JSON
        )

    service = sparql.SparqlService(kg, endpoint=CANONICAL_BASE + "sparql")
    service.start()
    try:
        t_direct = per_query(direct)
        t_service = per_query(lambda: service.query(query))
    finally:
        service.close()

    with running_server(*fixture_server_args(*data_paths)) as url:
        base = url.rstrip("/")
        local = thing.replace(CANONICAL_BASE, url)
        path = "/sparql?query=" + quote(f"SELECT ?p ?o WHERE {{ <{local}> ?p ?o }}")
        host, port = base.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port))

        def get(target):
            conn.request("GET", target)
            response = conn.getresponse()
            response.read()
            assert response.status == 200

        t_http = per_query(lambda: get(path), N // 2)
        t_health = per_query(lambda: get("/health"), N // 2)
        conn.close()

    print(f"lookup of <{thing}>, {kg.triple_count} triples loaded")
    print(f"  pyoxigraph directly      {t_direct:8.0f} us/query")
    print(f"  SparqlService (workers)  {t_service:8.0f} us/query  (+{t_service - t_direct:.0f} us)")
    print(f"  HTTP GET /sparql         {t_http:8.0f} us/query  (+{t_http - t_service:.0f} us HTTP)")
    print(f"  HTTP GET /health         {t_health:8.0f} us/request (the HTTP stack alone)")


if __name__ == "__main__":
    main(sys.argv[1:])
