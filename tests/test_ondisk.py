"""`frkg load --store DIR` builds a persistent store; `frkg serve --store DIR` serves it read-only
from several workers. That it serves what the files give, document for document and answer for
answer, is tests/test_backend_parity.py's; here is what only the on-disk store does."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from rdflib.compare import isomorphic

from frkg import store
from frkg.sparql.pool import QueryPool
from frkg.store import ondisk

from conftest import CANONICAL, ROOT, frkg_command, http, repo_settings
from doc_examples import RUN_COMMANDS, page_commands
from http_helpers import parse_rdf

FILES = sum(1 for kind in ("ontology", "data", "shapes") for _ in (ROOT / kind).glob("*.ttl"))


# -- frkg load ---------------------------------------------------------------------------------


def test_load_says_one_line_per_file_when_not_on_a_terminal(disk_store):
    lines = disk_store[1].splitlines()
    assert sum(line.startswith("loaded ") and " triples in " in line for line in lines) == FILES
    assert "into the on-disk store" in lines[-1] and "data version" in lines[-1]


def test_the_store_holds_the_graphs_counts_and_version_of_a_load_in_memory(disk_store):
    kg = store.load(repo_settings(base_iri=CANONICAL))
    opened = ondisk.open_store(disk_store[0])
    assert (opened.backend, opened.base, opened.version) == ("disk", CANONICAL, kg.version)
    assert opened.modified == kg.modified
    assert [(f.kind, f.graph, f.triples) for f in opened.files] == [
        (f.kind, f.graph, f.triples) for f in kg.files
    ]
    assert opened.inferred_graph == kg.inferred_graph
    for graph in kg.content_graphs():  # the same triples (blank nodes: the same up to names)
        ours, theirs = (
            parse_rdf(
                ox.serialize(
                    [
                        ox.Triple(q.subject, q.predicate, q.object)
                        for q in s.quads_for_pattern(None, None, None, graph)
                    ],
                    format=ox.RdfFormat.N_TRIPLES,
                ),
                "application/n-triples",
            )
            for s in (opened.store, kg.store)
        )
        assert isomorphic(ours, theirs), graph


def test_a_syntax_error_leaves_no_store_behind_and_exits_2(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    (data / "zz-broken.ttl").write_text("<a> <b> <c> .\n<a> <b> \n", encoding="utf-8")
    target = tmp_path / "out" / "store"
    result = frkg_command("load", "--store", str(target), "--data", str(data))
    assert result.returncode == 2
    assert "zz-broken.ttl:3" in result.stderr and "syntax error" in result.stderr
    assert "nothing was loaded" in result.stderr
    assert not target.exists()
    assert list(target.parent.iterdir()) == []  # no half-built folder next to it either


def test_a_failed_load_keeps_the_previous_store(disk_store, tmp_path):
    target = tmp_path / "store"
    shutil.copytree(disk_store[0], target)
    before = ondisk.open_store(target).version
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix : <http://example.org/> .\n:a :b \n", encoding="utf-8")
    result = frkg_command("load", "--store", str(target), "--data", str(broken))
    assert result.returncode == 2
    assert ondisk.open_store(target).version == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.ttl", "store"]


def test_loading_again_replaces_the_store(disk_store, tmp_path):
    target = tmp_path / "store"
    shutil.copytree(disk_store[0], target)
    data = tmp_path / "one.ttl"
    data.write_text(
        "@prefix id: <https://w3id.org/frkg/id/> .\n"
        '@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\nid:x rdfs:label "X"@en .\n',
        encoding="utf-8",
    )
    result = frkg_command("load", "--store", str(target), "--data", str(data))
    assert result.returncode == 0, result.stderr
    replaced = ondisk.open_store(target)
    assert [f.path.name for f in replaced.files if f.kind == "data"] == ["one.ttl"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.ttl", "store"]


def test_load_refuses_to_replace_a_folder_that_is_not_a_store(tmp_path):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me", encoding="utf-8")
    result = frkg_command("load", "--store", str(target))
    assert result.returncode == 2
    assert "refusing to replace it" in result.stderr
    assert (target / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_load_needs_a_target(tmp_path):
    result = frkg_command("load")
    assert result.returncode == 2 and "--store DIR" in result.stderr
    result = frkg_command("load", "--store", str(tmp_path / "a"), "--nquads", str(tmp_path / "b"))
    assert result.returncode == 2 and "choose one" in result.stderr


def test_store_setting_comes_from_the_environment(tmp_path):
    target = tmp_path / "from-env"
    result = frkg_command("load", env={"FRKG_STORE": str(target)})
    assert result.returncode == 0, result.stderr
    assert ondisk.open_store(target).base == CANONICAL


def test_load_under_another_base_rebases_and_serve_publishes_it(tmp_path):
    base = "http://example.org/frkg/"
    target = tmp_path / "store"
    assert frkg_command("load", "--store", str(target), "--base-iri", base).returncode == 0
    kg = ondisk.open_store(target)
    assert kg.base == base
    found = kg.store.quads_for_pattern(ox.NamedNode(base + "id/thorn"), None, None, None)
    assert found and all(q.graph_name.value.startswith(base + "graph/") for q in found)
    # The server publishes under the store's base, and refuses to pretend it holds another.
    result = frkg_command("serve", "--store", str(target), "--base-iri", CANONICAL)
    assert result.returncode == 2
    assert "no load made under the base https://w3id.org/frkg/" in result.stderr
    assert base in result.stderr


@pytest.mark.parametrize("what", ["missing", "not a store"])
def test_serve_refuses_a_folder_that_is_not_a_store(tmp_path, what):
    folder = tmp_path / "x"
    if what == "not a store":
        folder.mkdir()
        (folder / "file.txt").write_text("x", encoding="utf-8")
    result = frkg_command("serve", "--store", str(folder))
    assert result.returncode == 2
    assert "error:" in result.stderr and "frkg load --store" in result.stderr
    assert "Traceback" not in result.stderr


# -- frkg serve --store ---------------------------------------------------------------------------


def test_queries_run_in_worker_processes_that_opened_the_store(disk_server, client):
    # Several in a row: each gunicorn worker's query workers open the store once, then reuse it.
    count = quote("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    accept = {"Accept": "application/sparql-results+json"}
    expected = json.loads(client.get(f"/sparql?query={count}", headers=accept).data)
    assert int(expected["results"]["bindings"][0]["n"]["value"]) > 0
    for _ in range(6):
        status, _, body = http("GET", f"{disk_server}sparql?query={count}", headers=accept)
        assert status == 200
        assert json.loads(body) == expected  # the whole dataset, as the files give it


# -- the query workers' file descriptor limit ---------------------------------------------------


def _open_sockets(count: int) -> int:
    opened = []
    try:
        for _ in range(count):
            opened.append(socket.socket())
    except OSError:
        pass
    finally:
        for s in opened:
            s.close()
    return len(opened)


def test_query_workers_may_open_only_the_descriptors_prepare_asks_for():
    # The descriptor limit alone (the seccomp wall, tested in test_sandbox.py, refuses sockets
    # before the limit is reached).
    for headroom in (0, 5):
        pool = QueryPool(_open_sockets, 1, prepare=lambda h=headroom: h, wall=False)
        try:
            assert headroom <= pool.run(50, timeout=10) <= headroom + 1
        finally:
            pool.close()
    pool = QueryPool(_open_sockets, 1, wall=False)
    try:
        assert pool.run(50, timeout=10) == 0  # the in-memory case: not one
    finally:
        pool.close()


def test_query_workers_with_descriptor_headroom_still_open_no_socket():
    # What an on-disk store's workers get: room for table files, and the seccomp wall.
    pool = QueryPool(_open_sockets, 1, prepare=lambda: 5)
    try:
        assert pool.run(50, timeout=10) == 0
    finally:
        pool.close()


# -- docs/scaling.md's commands --------------------------------------------------------------------


def docs_load_commands() -> list[str]:
    return [line.split("#")[0].strip() for line in page_commands("docs/scaling.md", "frkg load")]


def test_the_docs_load_commands_run(tmp_path):
    commands = docs_load_commands()
    assert len(commands) == RUN_COMMANDS["docs/scaling.md", "frkg load"]
    env = {f"FRKG_{kind.upper()}": str(ROOT / kind) for kind in ("ontology", "data", "shapes")}
    for command in commands:
        result = subprocess.run(
            [sys.executable, "-m", "frkg", *shlex.split(command)[1:]],
            cwd=tmp_path,
            env={**{k: v for k, v in os.environ.items() if not k.startswith("FRKG_")}, **env},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
    assert ondisk.open_store(tmp_path / "var" / "store").base == CANONICAL
    assert (tmp_path / "frkg.nq.gz").stat().st_size > 10_000


def test_an_app_created_from_the_settings_opens_the_store(disk_store):
    # What `gunicorn 'frkg.web.loading:background_app()'` does with FRKG_STORE set.
    from frkg.config import Settings
    from frkg.web import create_app

    app = create_app(Settings.from_env({"FRKG_STORE": str(disk_store[0])}))
    assert app.extensions["frkg"].backend == "disk"
    reply = app.test_client().get("/data/thorn.ttl")
    assert reply.status_code == 200 and b"id:thorn" in reply.data


def test_stats_and_export_refuse_a_folder_that_is_not_a_store(tmp_path):
    for command, outcome in (("stats", "counted"), ("export", "written")):
        result = frkg_command(command, "--store", str(tmp_path / "missing"))
        assert result.returncode == 2 and result.stdout == ""
        assert f"error: nothing was {outcome}; build the store with `frkg load" in result.stderr
        assert "Traceback" not in result.stderr


# -- the per-load indexes saved beside the store (issue 17) -----------------------------------


def _void_of(publication) -> set:
    return {(q.subject, q.predicate, q.object) for q in publication.void}


def test_load_saves_the_indexes_beside_the_store_and_serve_reads_them(disk_store):
    from frkg.publish import publication

    folder = disk_store[0]
    kg = ondisk.open_store(folder, CANONICAL)
    manifest = json.loads((folder / publication.SAVED / publication.MANIFEST).read_text())
    assert manifest["version"] == kg.version and manifest["base"] == kg.base
    assert publication.saved_parts(kg) == folder / publication.SAVED
    served = publication.Publication.lazy(kg)
    served.warm()
    built = publication.Publication(kg)
    built._saved = None  # built afresh from the same store (same blank nodes, same bytes)
    built.warm()
    assert _void_of(served) == _void_of(built)
    assert [d.body for d in served.dumps] == [d.body for d in built.dumps]
    assert served.index.entity_count == built.index.entity_count
    # Read parts refer to the store being served, not to the copy they were built from.
    assert served.describer.kg is kg and served.browser.index is served.index


@pytest.mark.parametrize("field", ["version", "code", "base"])
def test_saved_indexes_for_other_data_or_code_are_not_read(disk_store, tmp_path, field):
    from frkg.publish import publication

    copy = tmp_path / "store"
    shutil.copytree(disk_store[0], copy)
    manifest_file = copy / publication.SAVED / publication.MANIFEST
    manifest = json.loads(manifest_file.read_text())
    manifest[field] = "something else"
    manifest_file.write_text(json.dumps(manifest))
    kg = ondisk.open_store(copy, CANONICAL)
    assert publication.saved_parts(kg) is None
    served = publication.Publication.lazy(kg)  # built from the store instead
    assert served.index.entity_count > 0
