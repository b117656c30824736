"""Dumps of the whole dataset over real HTTP, and `frkg export`, which writes the same bytes.

The expected content is built here independently, with rdflib: the data files' triples (IRIs
re-based to the server's base, as the loader does) plus, for every ``owl:inverseOf`` pair of
the ontology, the inverse of every data triple that lacks it. That is what docs/discovery.md says a
dump holds.
"""

from __future__ import annotations

import gzip
import subprocess
import sys

import pytest
import rdflib
from rdflib.compare import isomorphic

from frkg import CANONICAL_BASE

from conftest import ROOT, serve_args
from http_helpers import fetch, parse_rdf, rdflib_quiet

DUMPS = {
    "frkg.ttl": ("text/turtle", False),
    "frkg.nt.gz": ("application/n-triples", True),
    "frkg.jsonld": ("application/ld+json", False),
    "frkg.nq.gz": ("application/n-quads", True),
}
OWL_INVERSE_OF = rdflib.URIRef("http://www.w3.org/2002/07/owl#inverseOf")


XSD = "http://www.w3.org/2001/XMLSchema#"
#: pyoxigraph 0.5's store keeps every datatype derived from xsd:integer as xsd:integer (the
#: value is kept, the narrower datatype is not), so the loaded data, and every document made
#: from it, says xsd:integer where a file says xsd:nonNegativeInteger.
INTEGER_TYPES = {
    XSD + t
    for t in (
        "nonNegativeInteger positiveInteger nonPositiveInteger negativeInteger long int short "
        "byte unsignedLong unsignedInt unsignedShort unsignedByte"
    ).split()
}


def rebase(term, base: str):
    if isinstance(term, rdflib.URIRef) and str(term).startswith(CANONICAL_BASE):
        return rdflib.URIRef(base + str(term)[len(CANONICAL_BASE) :])
    if isinstance(term, rdflib.Literal) and str(term.datatype) in INTEGER_TYPES:
        return rdflib.Literal(str(term), datatype=rdflib.URIRef(XSD + "integer"))
    return term


def parse_file(path, base: str) -> rdflib.Graph:
    """A data file as the server loads it: parsed by rdflib, IRIs moved under ``base``."""
    source = rdflib.Graph().parse(path, format="turtle")
    graph = rdflib.Graph()
    for s, p, o in source:
        graph.add((rebase(s, base), rebase(p, base), rebase(o, base)))
    return graph


def expected_dataset(sources, base: str) -> tuple[dict[str, rdflib.Graph], rdflib.Graph]:
    """(graph per data file stem, the inverse links) as the dumps should hold them."""
    files = {path.stem: parse_file(path, base) for path in sources["data"]}
    data = rdflib.Graph()
    for graph in files.values():
        data += graph
    pairs = set()
    for path in sources["ontology"]:
        ontology = parse_file(path, base)
        for p, q in ontology.subject_objects(OWL_INVERSE_OF):
            pairs |= {(p, q), (q, p)}
    inverse = rdflib.Graph()
    for p, q in pairs:
        for s, o in data.subject_objects(p):
            if not isinstance(o, rdflib.Literal) and (o, q, s) not in data:
                inverse.add((o, q, s))
    return files, inverse


@pytest.fixture(scope="module")
def expected(discovery_sources, discovery_server):
    return expected_dataset(discovery_sources, discovery_server)


@pytest.mark.parametrize("name", sorted(DUMPS))
def test_dump_parses_and_is_isomorphic_to_the_data_and_its_inverse_links(
    discovery_server, expected, name
):
    media_type, compressed = DUMPS[name]
    reply = fetch(discovery_server + "dumps/" + name)
    assert reply.status == 200
    body = gzip.decompress(reply.body) if compressed else reply.body
    served = parse_rdf(body, media_type)
    files, inverse = expected
    whole = rdflib.Graph()
    for graph in files.values():
        whole += graph
    whole += inverse
    assert len(served) == len(whole) > 0
    assert isomorphic(served, whole)


def test_repository_dump_is_the_repository_data_and_its_inverse_links(live_server):
    from frkg.config import expand_paths

    sources = {
        "ontology": expand_paths([str(ROOT / "ontology")]),
        "data": expand_paths([str(ROOT / "data")]),
    }
    files, inverse = expected_dataset(sources, live_server)
    whole = rdflib.Graph()
    for graph in files.values():
        whole += graph
    whole += inverse
    reply = fetch(live_server + "dumps/frkg.nt.gz")
    served = parse_rdf(gzip.decompress(reply.body), "application/n-triples")
    assert isomorphic(served, whole)


def test_nquads_dump_keeps_each_file_and_the_inverse_links_in_their_own_graphs(
    discovery_server, expected
):
    files, inverse = expected
    body = gzip.decompress(fetch(discovery_server + "dumps/frkg.nq.gz").body)
    dataset = rdflib.Dataset()
    with rdflib_quiet():
        dataset.parse(data=body, format="application/n-quads")
    graphs = {str(g.identifier): g for g in dataset.graphs() if len(g)}
    expected_graphs = {discovery_server + f"graph/data/{stem}": g for stem, g in files.items()}
    expected_graphs[discovery_server + "graph/inferred"] = inverse
    assert set(graphs) == set(expected_graphs)
    for name, graph in expected_graphs.items():
        assert isomorphic(graphs[name], graph), name


@pytest.mark.parametrize("name", sorted(DUMPS))
def test_dump_has_etag_length_modification_date_and_answers_head_and_304(discovery_server, name):
    url = discovery_server + "dumps/" + name
    reply = fetch(url)
    assert int(reply.headers["Content-Length"]) == len(reply.body)
    assert reply.headers["ETag"].startswith('W/"') and reply.headers["Last-Modified"]
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert f'filename="{name}"' in reply.headers["Content-Disposition"]
    assert 'rel="describedby"' in reply.headers["Link"]  # RFC 8288: the VoID says what it is
    head = fetch(url, method="HEAD")
    assert head.status == 200 and head.body == b""
    assert head.headers["Content-Length"] == reply.headers["Content-Length"]
    assert head.headers["ETag"] == reply.headers["ETag"]
    # RFC 9110 section 13.1.2: a matching If-None-Match gets 304 and no body
    again = fetch(url, {"If-None-Match": reply.headers["ETag"]})
    assert again.status == 304 and again.body == b""
    assert fetch(url).body == reply.body  # the same bytes each time


@pytest.mark.parametrize("name", ["frkg.ttl", "frkg.jsonld"])
def test_text_dumps_are_sent_gzip_encoded_to_clients_that_accept_it(discovery_server, name):
    url = discovery_server + "dumps/" + name
    plain = fetch(url, {"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    encoded = fetch(url, {"Accept-Encoding": "gzip, br"})
    assert encoded.headers["Content-Encoding"] == "gzip"
    assert int(encoded.headers["Content-Length"]) == len(encoded.body) < len(plain.body)
    assert gzip.decompress(encoded.body) == plain.body
    assert "accept-encoding" in encoded.vary()
    assert encoded.headers["ETag"] != plain.headers["ETag"]
    # a client that takes only brotli gets the file as it is, never compressed per request
    brotli_only = fetch(url, {"Accept-Encoding": "br"})
    assert "Content-Encoding" not in brotli_only.headers and brotli_only.body == plain.body


def test_gzip_files_are_sent_as_they_are(discovery_server):
    reply = fetch(discovery_server + "dumps/frkg.nt.gz", {"Accept-Encoding": "gzip"})
    assert reply.media_type == "application/gzip"
    assert "Content-Encoding" not in reply.headers
    assert gzip.decompress(reply.body).startswith(b"<")


@pytest.mark.parametrize("name", ["frkg.rdf", "frkg", "frkg.ttl.gz", "..%2Fpyproject.toml"])
def test_unknown_dumps_are_404(discovery_server, name):
    reply = fetch(discovery_server + "dumps/" + name)
    assert reply.status == 404
    if "%2F" not in name:
        assert "frkg.ttl" in reply.text  # names the dumps there are


def test_dumps_are_made_at_app_creation_not_per_request(app, monkeypatch):
    """Serving a dump serialises nothing: every serializer is disabled after the app exists."""
    from frkg import formats
    from frkg.publish import dumps

    def refuse(*args, **kwargs):
        raise AssertionError("serialised per request")

    client = app.test_client()
    before = {name: client.get(f"/dumps/{name}").data for name in DUMPS}
    monkeypatch.setattr(dumps, "serialize_dataset", refuse)
    monkeypatch.setattr(formats, "serialize", refuse)
    monkeypatch.setattr(dumps, "gzip_bytes", refuse)
    for name in DUMPS:
        reply = client.get(f"/dumps/{name}", headers={"Accept-Encoding": "gzip"})
        assert reply.status_code == 200
        body = reply.data
        if reply.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        assert body == before[name]


def _export(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "frkg", "export", *args],
        cwd=cwd,
        capture_output=True,
        timeout=120,
    )


def test_export_writes_the_bytes_the_server_serves(discovery_server, discovery_sources, tmp_path):
    """`frkg export` and the dumps share their code: same data and base, same bytes."""
    args = ["--base-iri", discovery_server, *serve_args(discovery_sources)]
    out = tmp_path / "frkg.nt.gz"
    result = _export(*args, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == fetch(discovery_server + "dumps/frkg.nt.gz").body
    assert f"to {out}" in result.stderr.decode()
    turtle = _export(*args, "--format", "turtle")
    assert turtle.returncode == 0
    assert turtle.stdout == fetch(discovery_server + "dumps/frkg.ttl").body
    jsonld = tmp_path / "frkg.jsonld"
    assert _export(*args, "-o", str(jsonld)).returncode == 0  # the format from the suffix
    assert jsonld.read_bytes() == fetch(discovery_server + "dumps/frkg.jsonld").body


def test_export_writes_canonical_iris_by_default(discovery_sources):
    result = _export(*serve_args(discovery_sources), "--format", "nt")
    assert result.returncode == 0
    graph = parse_rdf(result.stdout, "application/n-triples")
    assert (rdflib.URIRef(CANONICAL_BASE + "id/evan-greer"), None, None) in graph


def test_export_refuses_an_unknown_format_and_unreadable_data(tmp_path):
    bad = _export("--format", "pdf")
    assert bad.returncode == 2 and b"--format" in bad.stderr
    broken = tmp_path / "broken.ttl"
    broken.write_text("this is not turtle")
    failed = _export("--data", str(broken), "--shapes", str(tmp_path))
    assert failed.returncode == 2 and str(broken).encode() in failed.stderr
    assert failed.stdout == b""
