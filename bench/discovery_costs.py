"""What the discovery layer costs per load and per request, on the repository data and on a
synthetic debate N times larger. Run: ``.venv/bin/python bench/discovery_costs.py [N]``.

Prints the time each per-load part takes to build (dataset index, dumps, VoID, search index,
class lists with their facets, overview, shapes reference), the dumps' sizes, and the median
time of a home page, a search and a faceted list page through Flask's test client. Numbers
vary by machine; compare them side by side, not with a fixed bound.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from frkg import store  # noqa: E402
from frkg.config import Settings  # noqa: E402
from frkg.web import create_app  # noqa: E402

STANCES = ["supports-ban", "opposes-ban", "supports-regulation", "supports-use", "opposes-use"]


def synthetic(folder: Path, n: int) -> Path:
    """n people, n/10 organizations, 3n statements, n/5 policies with events, all fictional."""
    lines = [
        "@prefix id: <https://w3id.org/frkg/id/> .",
        "@prefix frkg: <https://w3id.org/frkg/ontology#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        "@prefix org: <http://www.w3.org/ns/org#> .",
        "@prefix schema: <https://schema.org/> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        'id:bench-source a frkg:NewsArticle ; rdfs:label "Bench source"@en ; '
        'schema:url "https://example.org/bench"^^xsd:anyURI .',
    ]
    orgs = max(1, n // 10)
    for o in range(orgs):
        lines.append(f'id:org-{o} a frkg:AdvocacyOrganization ; rdfs:label "Organization {o}"@en .')
    for p in range(n):
        lines.append(
            f'id:person-{p} a schema:Person ; rdfs:label "Person Número {p}"@en ; '
            f"org:memberOf id:org-{p % orgs} ; dct:source id:bench-source ."
        )
        for k in range(3):
            lines.append(
                f'id:st-{p}-{k} a frkg:Quote ; rdfs:label "Person {p} says {k}"@en ; '
                f'frkg:verbatimText "Words {p} {k}."@en ; frkg:speaker id:person-{p} ; '
                f"frkg:speaksFor id:org-{p % orgs} ; "
                f"frkg:stance frkg:stance-{STANCES[(p + k) % 5]} ; "
                f'dct:date "{2015 + (p + k) % 8}-0{1 + k}-1{k}"^^xsd:date ; '
                "dct:source id:bench-source ."
            )
    for q in range(max(1, n // 5)):
        lines.append(
            f'id:policy-{q} a frkg:Legislation ; rdfs:label "Policy {q}"@en ; '
            "frkg:policyKind frkg:kind-ban ; dct:source id:bench-source ."
        )
        lines.append(
            f'id:event-{q} a frkg:PolicyEvent ; rdfs:label "Policy {q} passes"@en ; '
            f'frkg:policy id:policy-{q} ; dct:date "{2015 + q % 8}-05-0{1 + q % 9}"^^xsd:date ; '
            "dct:source id:bench-source ."
        )
    path = folder / "synthetic.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def median_ms(client, path: str, headers: dict, runs: int = 20) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        reply = client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert reply.status_code == 200, (path, reply.status_code)
    return statistics.median(times)


def measure(name: str, settings: Settings) -> None:
    kg = store.load(settings)
    started = time.perf_counter()
    app = create_app(settings, kg)
    created = time.perf_counter() - started
    published = app.extensions["frkg.publication"]
    print(
        f"\n== {name}: {kg.triple_count:,} triples loaded, {published.index.triple_count:,} "
        f"in the dataset, {published.index.entity_count:,} entities"
    )
    print(f"create_app: {created * 1000:.0f} ms, of which:")
    for part, seconds in published.timings.items():
        print(f"  {part:<18} {seconds * 1000:8.1f} ms")
    held = sum(d.size + len(d.gzip_encoded or b"") for d in published.dumps)
    print(f"  dumps held in memory: {held:,} bytes")
    for dump in published.dumps:
        print(
            f"  dump {dump.spec.filename:<12} {dump.size:>12,} bytes ({dump.seconds * 1000:.0f} ms)"
        )
    client = app.test_client()
    html = {"Accept": "text/html"}
    started = time.perf_counter()
    assert client.get("/", headers=html).status_code == 200
    print(f"home page, first {(time.perf_counter() - started) * 1000:8.2f} ms (renders it)")
    print(f"home page        {median_ms(client, '/', html):8.2f} ms (median, rendered once)")
    print(f"search (json)    {median_ms(client, '/search?q=person%201&format=json', {}):8.2f} ms")
    faceted = "/browse/frkg:Quote?stance=frkg:stance-supports-ban"
    print(f"list, faceted    {median_ms(client, faceted, html):8.2f} ms")
    print(f"dump .nt.gz      {median_ms(client, '/dumps/frkg.nt.gz', {}):8.2f} ms")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    with tempfile.TemporaryDirectory() as tmp:
        measure(
            "repository",
            Settings.from_env(
                {},
                ontology=[str(ROOT / "ontology")],
                data=[str(ROOT / "data")],
                shapes=[str(ROOT / "shapes")],
                base_iri="https://w3id.org/frkg/",
            ),
        )
        path = synthetic(Path(tmp), n)
        measure(
            f"synthetic (N={n})",
            Settings.from_env(
                {},
                ontology=[str(ROOT / "ontology")],
                data=[str(path)],
                shapes=[tmp],
                base_iri="https://w3id.org/frkg/",
            ),
        )


if __name__ == "__main__":
    main()
