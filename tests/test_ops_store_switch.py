"""The on-disk store under a running ``frkg serve --store``: removed, replaced, switched, stopped.

Real processes on 127.0.0.1 under a bounded loopback load, as tests/test_ops_backend.py does for
a remote endpoint:

- the store's folder removed: pages kept in the response cache still answer 200; others answer
  at once 503 with ``Retry-After`` (RFC 9110 section 15.6.4) and a page saying the store is gone,
  never a 500; ``/health/ready`` is 503 with the reason; put back, everything answers again
  without a restart or a reload;
- the store rebuilt in place by ``frkg load --store DIR`` (the old folder deleted) under
  ``--watch``: reloaded by itself, the new data served with new ETags (RFC 9110 section 8.8.3);
- a new store built beside the live one and switched to with ``ln -sfn`` (an atomic rename of
  a symlink) and SIGHUP: zero failed requests and no answer mixing two versions; a switch to a
  folder that is missing keeps the last good store serving, and ``/health`` says why;
- SIGTERM: exit status 0 and no worker killed by a signal (RocksDB's exit handler in a forked
  worker used to crash every one of them).
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from frkg.store import BackendUnavailable, ondisk

from conftest import frkg_command
from ops_servers import Load, Versions, consistent, copy_data, frkg_serve, get, relabel

HTML = {"Accept": "text/html"}
KEPT = ["page/thorn", "page/julie-cordua"]
NEVER_ASKED = ["page/amazon", "page/ashton-kutcher", "page/demi-moore", "page/hid-global"]
PAGES = ["page/thorn", "page/julie-cordua", "page/ashton-kutcher"]
SPARQL_COUNT = "sparql?query=SELECT%20(COUNT(*)%20AS%20%3Fn)%20%7B%3Fs%20%3Fp%20%3Fo%7D"
JSON_RESULTS = {"Accept": "application/sparql-results+json"}


def build(folder: Path, data: Path) -> Path:
    """``frkg load --store folder --data data``; returns ``folder``."""
    result = frkg_command("load", "--store", str(folder), "--data", str(data))
    assert result.returncode == 0, result.stderr
    return folder


def health(url: str) -> dict:
    return json.loads(get(url + "health")[2])


def wait_for(predicate, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.2)


def switch(link: Path, target: Path) -> None:
    """Point the symlink ``link`` at ``target`` the way an operator does: GNU ``ln -sfn``
    makes a new link beside it and renames it over the old one, so no reader finds none."""
    subprocess.run(["ln", "-sfn", str(target), str(link)], check=True)


def signal_deaths(output: str) -> list[str]:
    """gunicorn's lines about workers killed by a signal."""
    return [line for line in output.splitlines() if "was sent SIG" in line]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """Two stores of the repository's data that differ in id:thorn's label: R0 and R1."""
    folder = tmp_path_factory.mktemp("stores")
    data = copy_data(folder)
    stores = {}
    for n in (0, 1):
        relabel(data, f"Thornmark R{n}")
        stores[f"R{n}"] = build(folder / f"store-R{n}", data)
    return stores


# -- in one process: what DiskStore sees ------------------------------------------------------


@pytest.fixture()
def looking_at_once(monkeypatch):
    """Every read looks at the store's folder (not once a second)."""
    monkeypatch.setattr(ondisk, "LOOK_INTERVAL", 0.0)


def test_a_removed_store_is_down_until_the_same_version_is_put_back(
    built, tmp_path, looking_at_once
):
    live = tmp_path / "store"
    shutil.copytree(built["R0"], live)
    kg = ondisk.open_store(live)
    assert kg.store.ping() and len(list(kg.store.named_graphs())) > 5
    shutil.rmtree(live)
    with pytest.raises(BackendUnavailable, match=r"is gone: .*: no such folder"):
        kg.store.query("ASK {}")
    assert kg.store.breaker.snapshot()["up"] is False
    shutil.copytree(built["R0"], live)  # new files, the same data version
    assert kg.store.ping() and kg.store.query("ASK { GRAPH ?g { ?s ?p ?o } }")
    assert kg.store.breaker.snapshot()["up"] is True and kg.store.stale is None


def test_a_store_rebuilt_in_place_with_other_data_is_down(built, tmp_path, looking_at_once):
    live = tmp_path / "store"
    shutil.copytree(built["R0"], live)
    kg = ondisk.open_store(live)
    shutil.rmtree(live)
    shutil.copytree(built["R1"], live)
    other = ondisk.open_store(built["R1"]).version
    with pytest.raises(BackendUnavailable, match=f"replaced by one of data version {other}"):
        kg.store.query("ASK {}")


def test_a_switched_symlink_leaves_the_store_served_and_says_where_it_leads(
    built, tmp_path, looking_at_once
):
    live = tmp_path / "current"
    switch(live, built["R0"])
    kg = ondisk.open_store(live)
    assert kg.store.real == built["R0"].resolve() and kg.store.stale is None
    switch(live, built["R1"])
    other = ondisk.open_store(built["R1"]).version
    assert kg.store.ping() and kg.store.query("ASK { GRAPH ?g { ?s ?p ?o } }")
    assert kg.store.stale and f"now leads to data version {other}" in kg.store.stale
    switch(live, tmp_path / "missing")
    assert kg.store.ping() and "now leads to no store" in kg.store.stale
    switch(live, built["R0"])
    assert kg.store.ping() and kg.store.stale is None


# -- frkg serve --store, under load ---------------------------------------------------------


@pytest.mark.slow
def test_store_removed_under_load_answers_503_then_recovers_when_put_back(built, tmp_path):
    live = tmp_path / "store"
    shutil.copytree(built["R0"], live)
    with frkg_serve("--store", str(live), "--workers", "1", log=tmp_path / "serve.log") as served:
        version = health(served.url)["version"]
        for path in KEPT:  # asked twice: kept in the (one) worker's response cache
            for _ in range(2):
                assert get(served.url + path, HTML)[0] == 200
        assert get(served.url + SPARQL_COUNT, JSON_RESULTS)[0] == 200  # query workers opened it
        with Load(served.url, KEPT, clients=2) as load:
            time.sleep(1)
            shutil.rmtree(live)  # deleted, while every process holds it open
            time.sleep(1.2)  # each process looks again within a second
            for path in NEVER_ASKED:
                started = time.monotonic()
                status, headers, body = get(served.url + path, HTML)
                assert time.monotonic() - started < 2
                assert status == 503, (path, status, body[:300])
                assert headers["retry-after"].isdigit()
                assert headers["content-type"].startswith("text/html")
                assert b"on-disk store" in body and b"is gone" in body
            status, headers, body = get(served.url + SPARQL_COUNT, JSON_RESULTS)
            assert status == 503 and b"is gone" in body, (status, body[:300])  # not a 500
            assert headers["retry-after"].isdigit()
            status, headers, body = get(served.url + "health/ready")
            assert status == 503 and headers["retry-after"].isdigit()
            state = json.loads(body)["backend"]
            assert state["up"] is False and f"{live}: no such folder" in state["last_error"]
            now = health(served.url)
            assert now["status"] == "degraded" and "backend unreachable" in now["problems"]
            assert now["backend"]["kind"] == "disk" and now["version"] == version
            assert get(served.url + "health/live")[0] == 200  # alive: no restart needed
            metrics = get(served.url + "metrics")[2].decode()
            assert 'frkg_backend_up{backend="disk"} 0.0' in metrics
            # The same store put back (a copy: new files, the same data version).
            shutil.copytree(built["R0"], live)
            wait_for(lambda: get(served.url + "health/ready")[0] == 200, 10, "readiness")
            for path in NEVER_ASKED:
                assert get(served.url + path, HTML)[0] == 200, path
            status, _, body = get(served.url + SPARQL_COUNT, JSON_RESULTS)
            assert status == 200 and b'"n"' in body
        # The kept pages answered all along, from the cache.
        assert set(load.statuses) == {200} and load.total > 20, load.statuses
        now = health(served.url)
        assert now["status"] == "ok" and now["version"] == version and now["last_reload"] is None
        assert 'frkg_backend_up{backend="disk"} 1.0' in get(served.url + "metrics")[2].decode()
        output = served.output()
    assert "Traceback" not in output and not signal_deaths(output)


@pytest.mark.slow
def test_store_rebuilt_in_place_is_reloaded_under_watch(built, tmp_path):
    live = tmp_path / "store"
    shutil.copytree(built["R0"], live)
    data = copy_data(tmp_path)
    relabel(data, "Thornmark R7")
    args = ("--store", str(live), "--workers", "2", "--watch")
    with frkg_serve(*args, log=tmp_path / "serve.log") as served:
        first = health(served.url)["version"]
        with Load(served.url, PAGES, clients=2) as load:
            time.sleep(1)
            build(live, data)  # the old folder is deleted once the new one is in place
            wait_for(lambda: health(served.url)["version"] != first, what="the reload")
            time.sleep(1.5)  # the old workers finish, the new ones answer alone
        # Between the old folder's removal and the new workers: answers from the cache, or an
        # honest 503; never an error of another kind.
        assert set(load.statuses) <= {200, 503} and load.statuses[200] > 20, load.statuses
        now = health(served.url)
        assert now["status"] == "ok" and now["last_reload"]["ok"] is True
        assert now["last_reload"]["trigger"] == "files changed"
        status, headers, body = get(served.url + "page/thorn", HTML)
        assert status == 200 and b"Thornmark R7" in body
        assert headers["etag"].startswith(f'W/"{now["version"]}-')
        output = served.output()
    assert "Traceback" not in output and not signal_deaths(output)


@pytest.mark.slow
def test_symlink_switch_and_sighup_under_load_with_no_failure(built, tmp_path):
    live = tmp_path / "current"
    switch(live, built["R0"])
    log = tmp_path / "serve.log"
    with frkg_serve("--store", str(live), "--workers", "2", log=log) as served:
        first = health(served.url)["version"]
        versions = Versions()
        with Load(served.url, PAGES, clients=4, check=versions.check) as load:
            time.sleep(1)
            switch(live, built["R1"])
            time.sleep(1.2)  # every process has looked: the old store serves on, and says so
            now = health(served.url)
            assert now["status"] == "degraded" and now["version"] == first
            assert any("store switched, not yet reloaded" in p for p in now["problems"])
            assert get(served.url + "health/ready")[0] == 200
            served.signal(signal.SIGHUP)
            wait_for(lambda: health(served.url)["version"] != first, what="the reload")
            second = health(served.url)["version"]
            time.sleep(1.5)  # the old workers finish, the new ones answer alone
            # A switch to a folder that is not there: the last good store serves on.
            switch(live, tmp_path / "missing")
            served.signal(signal.SIGHUP)
            wait_for(lambda: health(served.url)["last_reload"]["ok"] is False, what="failure")
            time.sleep(1)
        assert load.statuses.keys() == {200}, load.statuses
        assert load.total > 100
        consistent(versions, load)
        assert versions.labels == {first: "Thornmark R0", second: "Thornmark R1"}
        now = health(served.url)
        assert now["status"] == "degraded" and now["version"] == second
        failed = now["last_reload"]
        assert failed["trigger"] == "SIGHUP" and f"{live}: no such folder" in failed["error"]
        assert any("last reload failed" in p for p in now["problems"])
        assert any(f"{live} now leads to no store" in p for p in now["problems"])
        assert get(served.url + "health/ready")[0] == 200
        # ETags changed with the data: a client's old validator gets the new page, not a 304.
        status, headers, _ = get(
            served.url + "page/thorn", {**HTML, "If-None-Match": f'W/"{first}-x-html"'}
        )
        assert status == 200 and headers["etag"].startswith(f'W/"{second}-')
        # Switched back to a good store: the next reload serves it, and all is well again.
        switch(live, built["R0"])
        served.signal(signal.SIGHUP)
        wait_for(lambda: health(served.url)["version"] == first, what="the good reload")
        wait_for(lambda: health(served.url)["status"] == "ok", 10, what="the new workers")
        output = served.output()
    assert "no such folder" in output  # the failed reload was logged
    assert "Traceback" not in output and not signal_deaths(output)


@pytest.mark.slow
def test_sigterm_stops_a_store_server_with_status_0_and_no_worker_killed(built, tmp_path):
    args = ("--store", str(built["R0"]), "--workers", "2")
    with frkg_serve(*args, log=tmp_path / "serve.log") as served:
        for path in PAGES:
            assert get(served.url + path, HTML)[0] == 200
        assert get(served.url + SPARQL_COUNT, JSON_RESULTS)[0] == 200
        served.signal(signal.SIGTERM)
        returncode = served.proc.wait(timeout=60)
        output = served.output()
    assert returncode == 0, output[-2000:]
    assert not signal_deaths(output), signal_deaths(output)
    assert "Traceback" not in output
