"""The benchmark data generator, run as its users run it (`python bench/generate.py --triples N
--out DIR`): its files load, about the size asked, deterministic, skewed and well-formed."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from frkg import CANONICAL_BASE, store, validate
from frkg.config import Settings

from conftest import ROOT, bench_generate

ONTOLOGY = ROOT / "ontology" / "frkg.ttl"
PREFIXES = """
PREFIX frkg: <https://w3id.org/frkg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
SOURCE_CLASSES = (
    "frkg:NewsArticle frkg:OpenLetter frkg:PressRelease frkg:Report frkg:ScholarlyArticle "
    "frkg:LegislativeDocument frkg:WebPage"
)


@pytest.fixture(scope="module")
def generated(generated_10k) -> Path:
    """What `bench/generate.py --triples 10k --seed 1` wrote."""
    return generated_10k


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def kg(generated):
    """The generated files loaded by frkg's own loader, with the real ontology."""
    files = sorted(generated.glob("*.ttl"))
    return store.load_files({"ontology": [ONTOLOGY], "data": files}, CANONICAL_BASE)


@pytest.fixture(scope="module")
def data(generated) -> ox.Store:
    """The generated files alone, as the default graph (no ontology, no inferred triples)."""
    s = ox.Store()
    for path in sorted(generated.glob("*.ttl")):
        s.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    return s


def data_query(data: ox.Store, where: str, modifiers: str = "") -> list:
    """Rows of ``SELECT * WHERE { where } modifiers`` over the generated data."""
    return list(data.query(f"{PREFIXES} SELECT * WHERE {{ {where} }} {modifiers}"))


def test_generated_files_load_with_frkgs_loader_at_about_the_size_asked(generated, kg):
    manifest = manifest_of(generated)
    data_triples = sum(f.triples for f in kg.files if f.kind == "data")
    assert data_triples == manifest["triples"]  # the manifest counts what was written
    assert 10_000 <= data_triples < 10_100  # statements fill the budget, overshooting by one node
    assert {f.path.name for f in kg.files if f.kind == "data"} == set(manifest["files"])


def test_written_count_has_no_repeated_triples(generated, data):
    assert len(data) == manifest_of(generated)["triples"]


def test_same_seed_gives_identical_files_and_another_seed_does_not(generated, tmp_path):
    again, other = tmp_path / "again", tmp_path / "other"
    assert bench_generate(again, "10k", "--seed", "1").returncode == 0
    assert bench_generate(other, "10k", "--seed", "2").returncode == 0
    assert sorted(p.name for p in again.iterdir()) == sorted(p.name for p in generated.iterdir())
    for path in generated.iterdir():
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name
    assert (other / "statements.ttl").read_bytes() != (generated / "statements.ttl").read_bytes()


def test_hub_organization_has_about_one_and_a_half_percent_of_triples_as_incoming_links(
    generated, data, kg
):
    manifest = manifest_of(generated)
    hub = manifest["hubs"]["organization"]
    incoming = data_query(data, f"?s ?p <{hub}>")
    assert len(incoming) == manifest["hub_incoming"]
    assert 0.01 * manifest["triples"] <= len(incoming) <= 0.02 * manifest["triples"]
    # ... and it is the most linked-to organization: a long tail follows it.
    organization_classes = " ".join(
        f"<{r['c'].value}>"
        for r in kg.store.query(
            f"{PREFIXES} SELECT DISTINCT ?c "
            "{ GRAPH ?g { ?c rdfs:subClassOf+ org:Organization } }"
        )
    )
    assert organization_classes
    top, second, *tail = data_query(
        data,
        f"{{ SELECT ?o (COUNT(*) AS ?n) {{ VALUES ?c {{ {organization_classes} }} ?o a ?c . "
        "?s ?p ?o } GROUP BY ?o }",
        "ORDER BY DESC(?n)",
    )
    assert top["o"].value == hub
    assert int(second["n"].value) < int(top["n"].value)
    assert int(tail[len(tail) // 2]["n"].value) * 10 < int(top["n"].value)
    # statements speak for an organization their speaker is a member of
    strays = data_query(
        data, "?q frkg:speaksFor ?o ; frkg:speaker ?p FILTER NOT EXISTS { ?p org:memberOf ?o }"
    )
    assert strays == []


def test_a_city_spans_two_counties_so_paths_have_two_routes(data):
    rows = data_query(
        data, "?c a frkg:City ; schema:containedInPlace ?a , ?b FILTER(STR(?a) < STR(?b))"
    )
    assert rows


def test_labels_exercise_accents_mixed_case_and_other_languages(data):
    labels = [r["l"] for r in data_query(data, "?s rdfs:label ?l")]
    texts = [label.value for label in labels]
    assert any(t != t.encode("ascii", "ignore").decode() for t in texts)  # accents
    assert any("’" in t for t in texts) and any("'" in t for t in texts)  # both apostrophes
    assert any(t[:1].islower() and any(c.isupper() for c in t) for t in texts)  # "nuFace", "eyeQ"
    assert {label.language for label in labels} >= {"en", "fr", "de", "pt-br"}


def test_dates_mix_day_month_and_year_precision(data):
    datatypes = {r["d"].datatype.value.rsplit("#")[1] for r in data_query(data, "?s dct:date ?d")}
    assert datatypes == {"date", "gYearMonth", "gYear"}


def test_text_that_needs_escaping_survives_the_round_trip(data):
    texts = {r["t"].value for r in data_query(data, "?q frkg:verbatimText ?t")}
    assert "¯\\_(ツ)_/¯ is not a privacy policy." in texts
    assert any('"' in t for t in texts)
    assert any("\n" in t for t in texts)


# CONTRIBUTING.md's modelling rules as queries for violations: each must find nothing.
RULES = {
    "rule 1: every IRI of a thing is id:{lower-case ASCII slug}": """
        { ?x ?p ?o } UNION { ?s ?p ?x FILTER(isIRI(?x)) }
        FILTER(STRSTARTS(STR(?x), "https://w3id.org/frkg/id/"))
        FILTER(!REGEX(STR(?x), "^https://w3id.org/frkg/id/[a-z0-9]+(-[a-z0-9]+)*$"))""",
    "rule 1: no blank nodes but citations": """?x ?p ?o
        FILTER((isBlank(?x) && NOT EXISTS { ?x a frkg:Citation })
               || (isBlank(?o) && NOT EXISTS { ?o a frkg:Citation }))""",
    "rule 2: exactly one type": """
        { SELECT ?x (COUNT(DISTINCT ?c) AS ?n) { ?x ?p ?o OPTIONAL { ?x a ?c } } GROUP BY ?x }
        FILTER(?n != 1)""",
    "rule 3: exactly one English label": """
        { SELECT ?x (COUNT(DISTINCT ?l) AS ?n) { ?x a ?c FILTER(?c != frkg:Citation)
          OPTIONAL { ?x rdfs:label ?l FILTER(langMatches(lang(?l), "en")) } } GROUP BY ?x }
        FILTER(?n != 1)""",
    "rule 3: at most one label per other language": """
        ?x rdfs:label ?a , ?b FILTER(?a != ?b && lang(?a) = lang(?b))""",
    "rule 4: a dct:source on every node but sources and roles": f"""
        ?x a ?c FILTER(?c NOT IN ({SOURCE_CLASSES.replace(" ", ", ")}, org:Role, frkg:Citation))
        FILTER NOT EXISTS {{ ?x dct:source ?s }}""",
    "rule 4: dct:source points at a source": f"""
        ?x dct:source ?s FILTER NOT EXISTS {{ VALUES ?c {{ {SOURCE_CLASSES} }} ?s a ?c }}""",
    "rule 4: sources have an xsd:anyURI url, a title and a publisher": f"""
        VALUES ?c {{ {SOURCE_CLASSES} }} ?s a ?c
        FILTER NOT EXISTS {{ ?s schema:url ?u ; rdfs:label ?t ; schema:publisher ?p
                             FILTER(datatype(?u) = xsd:anyURI) }}""",
    "rule 4: no dangling links to things": """
        ?s ?p ?x FILTER(STRSTARTS(STR(?x), "https://w3id.org/frkg/id/"))
        FILTER NOT EXISTS { ?x a ?c }""",
    "rule 5: dates are xsd:date, xsd:gYearMonth or xsd:gYear": """
        ?x dct:date|schema:datePublished|frkg:statusDate ?d
        FILTER(datatype(?d) NOT IN (xsd:date, xsd:gYearMonth, xsd:gYear))""",
    "rule 6: a statement has exactly one speaker": """
        VALUES ?c { frkg:Quote frkg:Paraphrase } ?x a ?c
        { SELECT ?x (COUNT(DISTINCT ?sp) AS ?n) { ?x a ?k OPTIONAL { ?x frkg:speaker ?sp } }
          GROUP BY ?x }
        FILTER(?n != 1)""",
    "rule 6: a statement has its text, a stance and a date": """
        { ?x a frkg:Quote FILTER NOT EXISTS { ?x frkg:verbatimText ?t } }
        UNION { ?x a frkg:Paraphrase FILTER NOT EXISTS { ?x frkg:paraphraseText ?t } }
        UNION { VALUES ?c { frkg:Quote frkg:Paraphrase } ?x a ?c
                FILTER NOT EXISTS { ?x frkg:stance ?st ; dct:date ?d } }""",
    "rule 7: memberships have member, organization, role and title": """
        ?x a org:Membership FILTER NOT EXISTS {
          ?x org:member ?m ; org:organization ?o ; org:role ?r ; frkg:title ?t .
          ?m org:memberOf ?o }""",
    "rule 8: legislation has one jurisdiction, policies a kind, scope and status": """
        { ?x a frkg:Legislation
          { SELECT ?x (COUNT(DISTINCT ?j) AS ?n) {
              ?x a frkg:Legislation OPTIONAL { ?x frkg:jurisdiction ?j } } GROUP BY ?x }
          FILTER(?n != 1) }
        UNION { VALUES ?c { frkg:Legislation frkg:CorporatePolicy frkg:PolicyProposal } ?x a ?c
                FILTER NOT EXISTS { ?x frkg:policyKind ?k ; frkg:scope ?sc ; frkg:status ?st ;
                                       frkg:statusDate ?d } }""",
    "rule 8: policy events have policy, type, date and resulting status": """
        ?x a frkg:PolicyEvent FILTER NOT EXISTS {
          ?x frkg:policy ?p ; frkg:eventType ?t ; dct:date ?d ; frkg:resultingStatus ?s }""",
    "rule 13: every event, statement, membership and dated node cites its source's words": """
        { VALUES ?c { frkg:PolicyEvent frkg:Quote frkg:Paraphrase org:Membership } ?x a ?c }
        UNION { ?x dct:date|frkg:status|frkg:statusDate ?v }
        FILTER NOT EXISTS { ?x frkg:citation [ a frkg:Citation ; frkg:excerpt ?e ;
                                               prov:wasQuotedFrom ?s ; frkg:supports ?p ] .
                            ?x dct:source ?s }""",
    "rule 9: every place but the largest is contained in another": """
        VALUES ?c { frkg:City frkg:County frkg:State frkg:Country frkg:SpecialDistrict }
        ?x a ?c FILTER NOT EXISTS { ?x schema:containedInPlace ?up }""",
}


@pytest.mark.parametrize("rule", RULES)
def test_generated_data_follows_the_modelling_rules(data, rule):
    assert data_query(data, RULES[rule]) == []


@pytest.mark.parametrize(
    "predicate, scheme",
    [
        ("frkg:stance", "frkg:StanceScheme"),
        ("frkg:policyKind", "frkg:PolicyKindScheme"),
        ("frkg:scope", "frkg:ScopeScheme"),
        ("frkg:status", "frkg:StatusScheme"),
        ("frkg:resultingStatus", "frkg:StatusScheme"),
        ("frkg:eventType", "frkg:EventTypeScheme"),
    ],
)
def test_controlled_values_are_concepts_of_their_scheme(data, kg, predicate, scheme):
    used = {r["v"].value for r in data_query(data, f"?x {predicate} ?v")}
    known = {
        r["v"].value
        for r in kg.store.query(
            f"{PREFIXES} SELECT ?v {{ GRAPH ?g {{ ?v skos:inScheme {scheme} }} }}"
        )
    }
    assert used and used <= known


def test_classes_and_properties_used_are_defined(data, kg):
    """Every frkg term the data uses is declared in the ontology (a typo would not be)."""
    rows = data_query(
        data,
        '{ ?s ?t ?o FILTER(STRSTARTS(STR(?t), "https://w3id.org/frkg/ontology#")) } '
        'UNION { ?s a ?t FILTER(STRSTARTS(STR(?t), "https://w3id.org/frkg/ontology#")) }',
    )
    used = {r["t"].value for r in rows}
    defined = {
        q.subject.value
        for q in kg.store.quads_for_pattern(None, None, None, kg.graphs("ontology")[0])
    }
    assert used and used <= defined


def test_generated_data_conforms_to_the_repository_shapes(generated):
    """The project's own validator with every shape in shapes/, so the generator cannot drift
    from the modelling rules unnoticed."""
    report = validate.validate(
        Settings.from_env(
            {}, ontology=[str(ONTOLOGY)], data=[str(generated)], shapes=[str(ROOT / "shapes")]
        )
    )
    assert report.conforms, [r.message for r in report.results][:5]


def test_command_line_writes_the_files_and_reports(tmp_path):
    out = tmp_path / "cli"
    result = bench_generate(out, "2k", "--seed", "3")
    assert result.returncode == 0, result.stderr
    manifest = manifest_of(out)
    assert (manifest["seed"], manifest["requested_triples"]) == (3, 2000)
    assert f"wrote {manifest['triples']} triples in {len(manifest['files'])} files" in result.stderr
    assert "seed 3" in result.stderr and manifest["hubs"]["organization"] in result.stderr
    assert sorted(p.name for p in out.glob("*.ttl")) == sorted(manifest["files"])


@pytest.mark.parametrize("bad", ["many", "-5", "500"])
def test_command_line_refuses_bad_counts_with_a_usage_error(tmp_path, bad):
    result = bench_generate(tmp_path / "x", bad)
    assert result.returncode == 2
    assert "Error" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("text", ["2000", "2k", "2K", "0.002M", "2e3"])
def test_counts_accept_k_and_m_suffixes(tmp_path, text):
    result = bench_generate(tmp_path / "out", text)
    assert result.returncode == 0, result.stderr
    assert manifest_of(tmp_path / "out")["requested_triples"] == 2000


#: Labels in the 10k seed-1 files and the slugs CONTRIBUTING.md rule 1 gives them: lower-case
#: ASCII and hyphens, accents dropped, letters NFKD cannot fold spelled out, apostrophes gone,
#: and a number after a name another thing already has.
SLUGS = {
    "Électronique Frontière Alliance": ["electronique-frontiere-alliance"],
    "Noémie Støre": ["noemie-store"],
    "Đorđe Gonçalves": ["dorde-goncalves"],
    "Oğuz O'Connor": ["oguz-oconnor"],
    "Coeur d’Alène Province Sheriff’s Office": ["coeur-dalene-province-sheriffs-office"],
    "Søren Janssen": ["soren-janssen", "soren-janssen-2"],
}


@pytest.mark.parametrize("label", SLUGS)
def test_slugs_are_lower_case_ascii_and_hyphens_read_from_the_label(data, label):
    things = data_query(data, f"?x rdfs:label {json.dumps(label, ensure_ascii=False)}@en ; a ?c")
    assert sorted(r["x"].value.removeprefix(CANONICAL_BASE + "id/") for r in things) == SLUGS[label]
