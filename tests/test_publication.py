"""The per-load indexes: built on first use, once, whichever thread asks first (issue 17)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from frkg.publish.publication import Publication

from conftest import SPARQL_FIXTURE, fixture_server_args, http, running_server


def test_a_lazy_publication_builds_only_the_describer_at_first(kg):
    publication = Publication.lazy(kg)
    assert list(publication.timings) == ["describer and hub index"]
    assert not publication.complete


def test_a_part_read_by_many_threads_at_once_is_built_once(kg):
    publication = Publication.lazy(kg)
    start = threading.Barrier(8)
    seen = []

    def read() -> None:
        start.wait()
        seen.append(publication.browser)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 8 and all(b is seen[0] for b in seen)
    # What it needed was built on the way, each part once.
    assert list(publication.timings) == [
        "describer and hub index",
        "dataset index",
        "class lists",
    ]


def test_warming_builds_every_part_and_matches_an_eager_build(kg):
    lazy = Publication.lazy(kg)
    lazy.warm()
    eager = Publication.build(kg)
    assert lazy.complete and eager.complete
    assert list(lazy.timings) == list(Publication.PARTS.values())
    assert set(lazy.void) == set(eager.void)
    assert [d.body for d in lazy.dumps] == [d.body for d in eager.dumps]


def _children(pid: int) -> set[int]:
    found = set()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid and stat[0] != "Z":
                found.add(int(proc.name))
    return found


def _master(port: int) -> int:
    """The gunicorn master of the `frkg serve` listening on ``port``: the one whose parent is
    not a process of that server."""
    ours = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().split(b"\0")
                stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if b"serve" in cmdline and str(port).encode() in cmdline:
                ours[int(proc.name)] = int(stat[1])
    (master,) = [pid for pid, parent in ours.items() if parent not in ours]
    return master


def test_over_large_data_the_server_answers_first_and_then_swaps_in_warm_workers():
    """FRKG_INDEX_BACKGROUND_ABOVE=0: every load counts as large. SPARQL answers before the
    indexes exist; the master builds them, then its workers are replaced (gunicorn SIGHUP) and
    every page answers from the new ones."""
    args = fixture_server_args(SPARQL_FIXTURE)
    with running_server(*args, env={"FRKG_INDEX_BACKGROUND_ABOVE": "0"}) as url:
        port = urlsplit(url).port
        master = _master(port)
        first = _children(master)
        ask = url + "sparql?" + urlencode({"query": "ASK {}"})
        assert http("GET", ask, headers={"Accept": "application/sparql-results+json"})[0] == 200
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _children(master) & first:
            time.sleep(0.1)
        assert not _children(master) & first, "the first workers were never replaced"
        for path in ("", "browse", ".well-known/void", "health"):
            assert http("GET", url + path)[0] == 200, path
        assert http("GET", ask, headers={"Accept": "application/sparql-results+json"})[0] == 200
