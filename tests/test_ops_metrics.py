"""/metrics (Prometheus text format 0.0.4), the JSON access log with request ids, and /health's
three questions, against a real ``frkg serve`` with two worker processes."""

from __future__ import annotations

import json
import re
import time
import urllib.parse

import pytest
from prometheus_client.parser import text_string_to_metric_families

from doc_examples import fenced_blocks, page_text
from ops_servers import frkg_serve, get

SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    """Every sample of a scrape: (name, sorted labels) -> value."""
    status, headers, body = get(url + "metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(body.decode("utf-8")):
        for sample in family.samples:
            samples[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def scrape_when(url: str, ready) -> dict:
    """A scrape once ``ready(samples)`` holds (within 10 s): a request is counted when its
    answer is closed, a moment after the client has read it."""
    deadline = time.monotonic() + 10
    while True:
        samples = scrape(url)
        if ready(samples) or time.monotonic() > deadline:
            return samples
        time.sleep(0.1)


def total(samples: dict, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels``."""
    return sum(
        value
        for (n, have), value in samples.items()
        if n == name and set(labels.items()) <= set(have)
    )


def sparql(url: str, query: str) -> int:
    status, _, _ = get(
        url + "sparql?query=" + urllib.parse.quote(query),
        {"Accept": "application/sparql-results+json"},
    )
    return status


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    log = tmp_path_factory.mktemp("metrics") / "serve.log"
    env = {"FRKG_SPARQL_TIMEOUT": "1"}
    with frkg_serve("--workers", "2", "--log-format", "json", env=env, log=log) as server:
        yield server


@pytest.mark.slow
def test_metrics_count_every_worker_s_requests_by_route_and_status(served):
    before = scrape(served.url)
    for _ in range(20):
        assert get(served.url + "page/thorn", {"Accept": "text/html"})[0] == 200
    for _ in range(3):
        assert get(served.url + "page/no-such-thing", {"Accept": "text/html"})[0] == 404
    name = "frkg_http_requests_total"
    hist = "frkg_http_request_duration_seconds_count"
    after = scrape_when(
        served.url,
        lambda now: total(now, hist, route="page") - total(before, hist, route="page") >= 23,
    )
    # Two worker processes answered; one scrape counts them all (multiprocess mode).
    assert (
        total(after, name, route="page", status="200")
        - total(before, name, route="page", status="200")
        == 20
    )
    assert (
        total(after, name, route="page", status="404")
        - total(before, name, route="page", status="404")
        == 3
    )
    assert total(after, hist, route="page") - total(before, hist, route="page") == 23
    # 20 lookups of one page over two workers: one worker had at least 10, of which all but the
    # first two (the first is noted, the second kept) were answered from its cache.
    hits = total(after, "frkg_response_cache_lookups_total", result="hit") - total(
        before, "frkg_response_cache_lookups_total", result="hit"
    )
    misses = total(after, "frkg_response_cache_lookups_total", result="miss") - total(
        before, "frkg_response_cache_lookups_total", result="miss"
    )
    assert hits + misses == 23 and hits >= 8


@pytest.mark.slow
def test_sparql_queries_are_counted_by_outcome(served):
    before = scrape(served.url)
    assert sparql(served.url, "SELECT * WHERE { ?s ?p ?o } LIMIT 1") == 200
    assert sparql(served.url, "SELECT * WHERE { ?s ?p ") == 400
    assert (
        sparql(served.url, "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }") == 400
    )
    assert sparql(served.url, SLOW_QUERY) == 503  # killed at the 1 s time limit
    name = "frkg_sparql_queries_total"
    after = scrape_when(served.url, lambda now: total(now, name) - total(before, name) >= 4)
    for outcome, n in (("answered", 1), ("refused", 2), ("timed_out", 1)):
        assert total(after, name, outcome=outcome) - total(before, name, outcome=outcome) == n
    assert ("frkg_sparql_workers_recycled_total", ()) in after


@pytest.mark.slow
def test_metrics_say_which_data_is_served(served):
    health = json.loads(get(served.url + "health")[2])
    samples = scrape(served.url)
    assert samples["frkg_data_triples", (("version", health["version"]),)] == health["triples"]
    assert samples["frkg_backend_up", (("backend", "memory"),)] == 1
    assert ("frkg_reloads_total", (("outcome", "ok"),)) not in samples  # none yet


@pytest.mark.slow
def test_access_log_lines_are_json_with_the_request_id_echoed(served):
    status, headers, _ = get(served.url + "page/thorn?x=1", {"User-Agent": "ops-test"})
    assert status == 200
    made = headers["x-request-id"]
    assert len(made) == 32
    sent = "ops-test-request-0001"
    status, headers, _ = get(served.url + "health", {"X-Request-ID": sent})
    assert headers["x-request-id"] == sent
    bad = get(served.url + "health", {"X-Request-ID": "no spaces\tor tabs"})[1]["x-request-id"]
    assert bad != "no spaces\tor tabs" and len(bad) == 32
    time.sleep(0.5)
    lines = [json.loads(line) for line in served.output().splitlines() if line.startswith("{")]
    by_id = {line["request_id"]: line for line in lines}
    assert by_id[made]["target"] == "/page/thorn?x=1" and by_id[made]["status"] == 200
    assert by_id[made]["method"] == "GET" and by_id[made]["user_agent"] == "ops-test"
    assert by_id[made]["bytes"] > 1000 and by_id[made]["seconds"] >= 0
    assert by_id[sent]["target"] == "/health"


@pytest.mark.slow
def test_health_says_ok_live_and_ready(served):
    status, headers, body = get(served.url + "health")
    health = json.loads(body)
    assert status == 200 and health["status"] == "ok" and health["problems"] == []
    assert health["backend"] == {"kind": "memory", "up": True}
    assert health["last_reload"] is None
    status, headers, body = get(served.url + "health/live")
    assert status == 200 and json.loads(body) == {"status": "live"}
    status, headers, body = get(served.url + "health/ready")
    assert status == 200 and json.loads(body)["status"] == "ready"
    assert headers["cache-control"] == "no-store"


def test_the_operating_page_lists_every_metric_and_its_sample_scrape_parses():
    """docs/operating.md's metric table names exactly the families /metrics declares, and its
    sample scrape is valid text format with no family the server does not have."""
    from frkg.web.metrics import Metrics

    declared = {
        line.split()[2]
        for line in Metrics().scrape().decode().splitlines()
        if line.startswith("# HELP ") and not line.split()[2].endswith("_created")
    }
    page = page_text("docs/operating.md")
    table = set(re.findall(r"^\| `(frkg_[a-z_]+)` \|", page, flags=re.M))
    assert table == declared
    (sample,) = [body for info, body in fenced_blocks(page, "text")]
    families = {f.name for f in text_string_to_metric_families(sample)}
    assert families and families <= {name.removesuffix("_total") for name in declared}
