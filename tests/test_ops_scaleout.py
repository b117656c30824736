"""Scale-out: ``frkg front`` (nginx) over two ``frkg serve`` instances; one is killed in the
middle of a bounded load and no request fails (nginx retries an idempotent request on the other
instance, RFC 9110 section 9.2.2); started again, it gets traffic again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, free_port, wait_until_listening
from ops_servers import Load, frkg_serve, get

pytestmark = pytest.mark.slow

PAGES = ["page/thorn", "page/julie-cordua", "data/thorn.ttl", "id/amazon", "health"]


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process below it (Linux /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, todo = [pid], [pid]
    while todo:
        parent = todo.pop()
        for child, its_parent in parents.items():
            if its_parent == parent:
                tree.append(child)
                todo.append(child)
    return tree


def page_requests(url: str) -> float:
    """Requests of the page route an instance has answered (its own /metrics)."""
    body = get(url + "metrics")[2].decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line.startswith("frkg_http_requests_total{") and 'route="page"' in line
    )


def test_killing_one_instance_behind_the_front_fails_no_request(tmp_path):
    port_a = free_port()
    with frkg_serve("--workers", "1", log=tmp_path / "b.log") as b:
        a_cm = frkg_serve("--workers", "1", port=port_a, log=tmp_path / "a.log")
        a = a_cm.__enter__()
        listen = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("FRKG_")}
        front = subprocess.Popen(
            [
                sys.executable, "-m", "frkg", "front",
                "--listen", f"127.0.0.1:{listen}",
                "--upstream", f"127.0.0.1:{a.port}",
                "--upstream", f"127.0.0.1:{b.port}",
                "--prefix", str(tmp_path / "front"),
            ],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        url = f"http://127.0.0.1:{listen}/"
        try:
            wait_until_listening(
                front, listen, "frkg front", ready=lambda: get(url + "health")[0] == 200
            )
            with Load(url, PAGES, clients=4) as load:
                time.sleep(2)
                assert page_requests(a.url) > 0 and page_requests(b.url) > 0  # both serve
                for pid in process_tree(a.proc.pid):  # the whole instance, at once
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                a.proc.wait(timeout=10)
                a_cm.__exit__(None, None, None)
                time.sleep(3)
                during = load.total
                with frkg_serve("--workers", "1", port=port_a, log=tmp_path / "a.log") as again:
                    time.sleep(4)  # nginx tries it again after fail_timeout (2 s)
                    returned = page_requests(again.url)
                    time.sleep(0.5)
            statuses = dict(load.statuses)
        finally:
            front.send_signal(signal.SIGTERM)
            assert front.wait(timeout=30) == 0
            front.stdout.close()
        failed = {status: n for status, n in statuses.items() if status not in (200, 303)}
        assert not failed, statuses
        assert load.total > during > 50
        assert returned > 0  # the restarted instance answers pages through the front again
