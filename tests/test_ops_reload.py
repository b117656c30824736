"""Reload without downtime, against a real ``frkg serve`` under a bounded loopback load.

SIGHUP (and, with ``--watch``, a change on disk) validates and loads the new data in the
background, then gunicorn forks new workers from it while the old ones finish their requests.
Each answer is counted (zero failures) and checked for consistency: its ETag names one data
version (RFC 9110 section 8.8.3), and every label in its body is that version's, never a page
of the old data with links to the new. A bad edit keeps the last good data serving and says so
on /health.
"""

from __future__ import annotations

import json
import re
import signal
import time

import pytest

from ops_servers import Load, Versions, consistent, copy_data, frkg_serve, get, relabel

PAGES = ["page/thorn", "page/julie-cordua", "page/ashton-kutcher"]


def health(url: str) -> dict:
    return json.loads(get(url + "health")[2])


def reload_error(url: str) -> str:
    return (health(url)["last_reload"] or {}).get("error") or ""


def wait_for(predicate, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.2)


@pytest.mark.slow
def test_sighup_reloads_twice_under_load_with_no_failure_and_no_mixed_answer(tmp_path):
    data = copy_data(tmp_path)
    relabel(data, "Thornmark R0")
    with frkg_serve("--workers", "2", "--data", str(data), log=tmp_path / "serve.log") as served:
        first = health(served.url)["version"]
        versions = Versions()
        with Load(served.url, PAGES, clients=4, check=versions.check) as load:
            time.sleep(1)
            seen = [first]
            for n in (1, 2):
                relabel(data, f"Thornmark R{n}")
                served.signal(signal.SIGHUP)
                wait_for(lambda: health(served.url)["version"] not in seen, what=f"reload {n}")
                seen.append(health(served.url)["version"])
                time.sleep(1.5)  # the old workers finish, the new ones answer alone
        assert load.statuses.keys() == {200}, load.statuses
        assert load.total > 100
        consistent(versions, load)
        assert set(seen) <= set(versions.labels)
        assert (
            versions.labels[seen[0]] == "Thornmark R0"
            and versions.labels[seen[2]] == "Thornmark R2"
        )
        last = health(served.url)["last_reload"]
        assert last["ok"] is True and last["trigger"] == "SIGHUP" and last["version"] == seen[2]
        # ETags changed with the data: a client's old validator gets the new page, not a 304.
        status, headers, _ = get(
            served.url + "page/thorn", {"If-None-Match": f'W/"{first}-x-html"'}
        )
        assert status == 200 and headers["etag"].startswith(f'W/"{seen[2]}-')


@pytest.mark.slow
def test_a_bad_edit_keeps_the_last_good_data_and_health_says_why(tmp_path):
    data = copy_data(tmp_path)
    log = tmp_path / "serve.log"
    with frkg_serve("--data", str(data), "--watch", log=log) as served:
        good = health(served.url)["version"]
        agents = data / "agents.ttl"
        original = agents.read_text(encoding="utf-8")
        # A Turtle syntax error on line 3 (the file is written whole; --watch sees it).
        lines = original.splitlines(keepends=True)
        agents.write_text("".join(lines[:2]) + "id:broken a ;\n" + "".join(lines[2:]))
        wait_for(lambda: health(served.url)["last_reload"] is not None, what="the failed reload")
        now = health(served.url)
        assert now["status"] == "degraded" and now["version"] == good
        assert (
            now["last_reload"]["ok"] is False and now["last_reload"]["trigger"] == "files changed"
        )
        error = now["last_reload"]["error"]
        assert re.search(rf"{re.escape(str(agents))}:3:\d+: ", error), error
        assert any("last reload failed" in p for p in now["problems"])
        assert get(served.url + "health/ready")[0] == 200  # the last good data still serves
        assert get(served.url + "page/thorn", {"Accept": "text/html"})[0] == 200
        assert error in served.output()  # logged, with file, line and column
        # A SHACL violation (a label without a language tag, as `frkg validate` reports it).
        agents.write_text(original.replace('rdfs:label "Thorn"@en', 'rdfs:label "Thorn"'))
        wait_for(lambda: "violation" in reload_error(served.url), what="the invalid reload")
        now = health(served.url)
        assert now["status"] == "degraded" and now["version"] == good
        error = now["last_reload"]["error"]
        assert f"{agents}: 1 violation on 1 node" in error and "id:thorn" in error
        # Fixed: the next reload succeeds, and /health is ok again with the new version.
        agents.write_text(original.replace('rdfs:label "Thorn"@en', 'rdfs:label "Thorn R9"@en'))
        wait_for(lambda: health(served.url)["last_reload"]["ok"], what="the good reload")
        wait_for(lambda: health(served.url)["version"] != good, what="the new workers")
        assert health(served.url)["status"] == "ok"
        page = get(served.url + "page/thorn", {"Accept": "text/html"})[2].decode()
        assert "Thorn R9" in page
        metrics = get(served.url + "metrics")[2].decode()
        assert 'frkg_reloads_total{outcome="failed"} 2.0' in metrics
        assert 'frkg_reloads_total{outcome="ok"} 1.0' in metrics
