"""Loading: every file into its own graph, IRIs re-based, inverses materialised, errors precise."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from frkg import CANONICAL_BASE, store

from conftest import ROOT

TTL = """@prefix frkg: <https://w3id.org/frkg/ontology#> .
@prefix id: <https://w3id.org/frkg/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
id:a frkg:speaker id:b ; rdfs:label "A, see https://w3id.org/frkg/id/a"@en .
"""
ONTOLOGY = """@prefix frkg: <https://w3id.org/frkg/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
frkg:speaker owl:inverseOf frkg:madeStatement .
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_each_file_is_a_named_graph_and_counted(tmp_path):
    data = write(tmp_path, "a.ttl", TTL)
    kg = store.load_files({"data": [data]}, CANONICAL_BASE)
    assert [(f.kind, f.graph, f.triples) for f in kg.files] == [
        ("data", CANONICAL_BASE + "graph/data/a", 2)
    ]
    assert kg.triple_count == 2


def test_rebase_moves_iris_but_not_literals(tmp_path):
    data = write(tmp_path, "a.ttl", TTL)
    kg = store.load_files({"data": [data]}, "http://127.0.0.1:9999/")
    subjects = {q.subject.value for q in kg.store.quads_for_pattern(None, None, None, None)}
    assert subjects == {"http://127.0.0.1:9999/id/a"}
    (label,) = [
        q.object.value
        for q in kg.store.quads_for_pattern(
            None, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None, None
        )
    ]
    assert label == "A, see https://w3id.org/frkg/id/a"  # text is never rewritten


def test_inverse_properties_are_materialised_in_their_own_graph(tmp_path):
    files = {
        "ontology": [write(tmp_path, "o.ttl", ONTOLOGY)],
        "data": [write(tmp_path, "a.ttl", TTL)],
    }
    kg = store.load_files(files, CANONICAL_BASE)
    inferred = list(
        kg.store.quads_for_pattern(
            ox.NamedNode(CANONICAL_BASE + "id/b"), None, None, ox.NamedNode(kg.inferred_graph)
        )
    )
    assert [(q.predicate.value, q.object.value) for q in inferred] == [
        ("https://w3id.org/frkg/ontology#madeStatement", CANONICAL_BASE + "id/a")
    ]
    assert kg.triple_count == 3  # inferred triples are not counted as loaded


def test_syntax_error_names_file_line_and_column(tmp_path):
    bad = write(tmp_path, "bad.ttl", "@prefix x: <http://x/> .\nx:a x:b\n  .\n")
    with pytest.raises(store.LoadError) as info:
        store.load_files({"data": [bad]}, CANONICAL_BASE)
    assert (info.value.path, info.value.line, info.value.column) == (bad, 3, 3)
    assert str(info.value).startswith(f"{bad}:3:3: syntax error:")


@pytest.mark.parametrize(
    "name, expected",
    [
        ("missing.ttl", "no such file"),
        ("data.csv", "unknown RDF file suffix '.csv'"),
    ],
)
def test_unreadable_files_are_named(tmp_path, name, expected):
    path = tmp_path / name
    if name.endswith(".csv"):
        path.write_text("a,b\n")
    with pytest.raises(store.LoadError, match=expected):
        store.load_files({"data": [path]}, CANONICAL_BASE)


def test_version_changes_with_content_and_base(tmp_path):
    data = write(tmp_path, "a.ttl", TTL)
    v1 = store.load_files({"data": [data]}, CANONICAL_BASE).version
    assert store.load_files({"data": [data]}, CANONICAL_BASE).version == v1
    assert store.load_files({"data": [data]}, "http://127.0.0.1:1/").version != v1
    data.write_text(TTL + "<https://w3id.org/frkg/id/c> a <https://w3id.org/frkg/id/d> .\n")
    assert store.load_files({"data": [data]}, CANONICAL_BASE).version != v1


def test_repository_data_loads_every_triple_of_every_file(kg):
    kinds = {f.kind for f in kg.files}
    assert kinds == {"ontology", "data", "shapes"}
    files = sorted(path for kind in kinds for path in (ROOT / kind).glob("*.ttl"))
    assert sorted(f.path.resolve() for f in kg.files) == [path.resolve() for path in files]
    for f in kg.files:  # rdflib, the reference parser, counts each file's triples
        assert f.triples == len(rdflib.Graph().parse(f.path, format="turtle")), f.path
