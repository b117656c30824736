"""The wider debate (issue 6): pinned counts and facts, the debate-*.rq queries, sourcing rules.

Everything here reads the repository's data through the ``kg`` fixture and SPARQL over the union
of its named graphs, so a later edit that loses a policy, a date, a vote tally or a quote's exact
words fails a test. Counts are taken over the files this data lives in, so that data added by
other files (the founding article's) does not change them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from frkg import CANONICAL_BASE

from doc_examples import page_text, section

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "src" / "frkg" / "sparql" / "queries"
ID = CANONICAL_BASE + "id/"
FRKG = CANONICAL_BASE + "ontology#"
PREFIXES = f"""
PREFIX frkg:   <{FRKG}>
PREFIX id:     <{ID}>
PREFIX rdf:    <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs:   <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:    <http://www.w3.org/2002/07/owl#>
PREFIX xsd:    <http://www.w3.org/2001/XMLSchema#>
PREFIX skos:   <http://www.w3.org/2004/02/skos/core#>
PREFIX dct:    <http://purl.org/dc/terms/>
PREFIX foaf:   <http://xmlns.com/foaf/0.1/>
PREFIX org:    <http://www.w3.org/ns/org#>
PREFIX prov:   <http://www.w3.org/ns/prov#>
PREFIX schema: <https://schema.org/>
"""

# The files of the wider debate (data/<stem>.ttl).
DEBATE_FILES = (
    "debate-agents",
    "debate-sources",
    "debate-statements",
    "jurisdictions",
    "policies-corporate",
    "policies-federal-and-eu",
    "policies-local",
    "policies-state",
    "studies",
)

# Entities of the founding article, defined by the seed data files: the debate files refer to
# them and must never define them again.
SEED_SLUGS = frozenset(
    {
        "the-seattle-times",
        "activist-post",
        "united-states-congress",
        "itif",
        "national-police-foundation",
        "open-letter-coalition-2019",
        "security-industry-association",
        "hid-global",
        "iris-id-systems",
        "thorn",
        "amazon",
        "fight-for-the-future",
        "seattle-police-department",
        "julie-cordua",
        "james-burch",
        "jeff-bezos",
        "evan-greer",
        "sean-whitcomb",
        "seattle",
        "los-angeles",
        "washington-state",
        "california",
        "united-states",
        "facial-recognition-technology",
        "amazon-rekognition",
        "spotlight",
        "booking-photo-comparison-software",
        "open-letter-to-congress-on-facial-recognition-2019",
        "seattle-times-2019-tech-and-police-groups",
        # Also defined by the founding article's data, and used here as they are.
        "role-chief-executive-officer",
        "role-president",
        "cnet",
    }
)

# facts.md section 2.1, row number -> the policy nodes that model it. Row 11 is two Portland
# ordinances, row 13 (a group row) four Massachusetts towns, row 23 two states.
POLICY_ROWS = {
    1: ["san-francisco-stop-secret-surveillance-ordinance"],
    2: ["somerville-face-surveillance-full-ban-ordinance"],
    3: ["oakland-facial-recognition-ban"],
    4: ["amazon-rekognition-police-moratorium-2020"],
    5: ["amazon-rekognition-police-moratorium-extension-2021"],
    6: ["ibm-facial-recognition-market-exit-2020"],
    7: ["microsoft-police-sales-refusal-2020"],
    8: ["california-ab-1215"],
    9: ["washington-sb-6280"],
    10: ["king-county-facial-recognition-ban"],
    11: [
        "portland-city-bureaus-facial-recognition-ban",
        "portland-private-entities-facial-recognition-ban",
    ],
    12: ["boston-face-surveillance-ban"],
    13: [
        "springfield-massachusetts-facial-recognition-ban",
        "cambridge-massachusetts-facial-recognition-ban",
        "northampton-massachusetts-facial-recognition-ban",
        "brookline-massachusetts-facial-recognition-ban",
    ],
    14: ["port-of-seattle-motion-2019-13"],
    15: ["port-of-seattle-order-2021-06"],
    16: ["vermont-s-124"],
    17: ["virginia-hb-2031"],
    18: ["massachusetts-police-reform-facial-recognition-limits"],
    19: ["eu-ai-act-article-5-biometric-prohibitions"],
    20: ["illinois-bipa"],
    21: ["facial-recognition-and-biometric-technology-moratorium-act"],
    22: ["ethical-use-of-facial-recognition-act"],
    23: [
        "oregon-body-camera-facial-recognition-ban",
        "new-hampshire-body-camera-facial-recognition-ban",
    ],
    24: ["berkeley-facial-recognition-ban"],
    25: ["minneapolis-facial-recognition-ban"],
    26: ["axon-face-recognition-product-moratorium-2019"],
}
POLICIES = frozenset(slug for slugs in POLICY_ROWS.values() for slug in slugs)

# facts.md section 3: the Wikidata items it marks verified. Amazon and Jeff Bezos belong to the
# founding article's data; the other five to this data.
VERIFIED_QIDS = {
    "amazon": "Q3884",
    "jeff-bezos": "Q312556",
    "microsoft": "Q2283",
    "ibm": "Q37156",
    "aclu": "Q21637",
    "electronic-frontier-foundation": "Q624023",
    "nist": "Q176691",
}
DEBATE_QIDS = {k: v for k, v in VERIFIED_QIDS.items() if k not in SEED_SLUGS}

# facts.md section 3: official websites listed as seen (those this data uses).
HOMEPAGES_SEEN = {
    "https://www.aclu.org/",
    "https://www.aclunc.org/",
    "https://www.aclum.org/",
    "https://www.acluvt.org/",
    "https://www.aclusocal.org/",
    "https://www.eff.org/",
    "https://atlasofsurveillance.org/",
    "https://epic.org/",
    "https://www.law.georgetown.edu/privacy-technology-center/",
    "https://www.ajl.org/",
    "http://gendershades.org/",
    "https://www.nist.gov/",
    "https://www.policingproject.org/",
}


def slug(iri: str | None) -> str | None:
    """The slug of an ``id:`` IRI (other values unchanged)."""
    return iri[len(ID) :] if iri and iri.startswith(ID) else iri


def select(kg, query: str) -> list[dict[str, str | None]]:
    """Run a SELECT over the union of graphs; each row maps variable names to lexical values."""
    solutions = kg.store.query(query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [
        {
            name: (None if term is None else term.value)
            for name, term in zip(names, row, strict=True)
        }
        for row in solutions
    ]


def ask(kg, query: str) -> bool:
    """Run an ASK over the union of graphs."""
    return bool(kg.store.query(query, use_default_graph_as_union=True))


def debate_graphs(kg) -> str:
    """A VALUES clause binding ?g to the named graphs of the debate files."""
    graphs = [f.graph for f in kg.files if f.kind == "data" and f.path.stem in DEBATE_FILES]
    assert len(graphs) == len(DEBATE_FILES), "every debate file is loaded"
    return "VALUES ?g { " + " ".join(f"<{g}>" for g in graphs) + " }"


def run_query_file(kg, name: str, replace: tuple[str, str] | None = None):
    """Run ``src/frkg/sparql/queries/<name>.rq``, optionally replacing one literal piece of it."""
    text = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    if replace:
        old, new = replace
        assert text.count(old) == 1, f"{name}.rq should contain {old!r} exactly once"
        text = text.replace(old, new)
    return select(kg, text)


# ---------------------------------------------------------------------------------------------
# Policies: rows, counts and exact facts
# ---------------------------------------------------------------------------------------------


def test_all_26_policy_rows_are_modelled_as_31_policies(kg):
    assert sorted(POLICY_ROWS) == list(range(1, 27))
    assert len(POLICIES) == 31
    rows = select(
        kg,
        PREFIXES
        + f"""SELECT DISTINCT ?p {{ {debate_graphs(kg)}
            GRAPH ?g {{ ?p a ?c }} ?c rdfs:subClassOf* frkg:Policy }}""",
    )
    assert {slug(r["p"]) for r in rows} == POLICIES


def test_debate_policies_query_lists_each_policy_once_with_its_numbers(kg):
    rows = run_query_file(kg, "debate-policies")
    by_policy = {}
    for r in rows:
        assert slug(r["policy"]) not in by_policy, f"{r['policy']} listed twice"
        by_policy[slug(r["policy"])] = r
    assert POLICIES <= set(by_policy)

    def numbers(name):
        return set(filter(None, (by_policy[name]["identifiers"] or "").split(" | ")))

    assert numbers("california-ab-1215") == {"AB 1215", "Chapter 579, Statutes of 2019"}
    assert numbers("washington-sb-6280") == {"SB 6280", "RCW 43.386", "2020 c 257"}
    assert numbers("facial-recognition-and-biometric-technology-moratorium-act") == {
        "H.R. 7356",
        "S. 4084",
    }
    assert numbers("virginia-hb-2031") == {"HB 2031"}
    assert numbers("san-francisco-stop-secret-surveillance-ordinance") == {
        "File No. 190110",
        "File No. 190568",
        "Ordinance No. 107-19",
    }
    assert numbers("portland-private-entities-facial-recognition-ban") == {
        "Ordinance 190114",
        "Portland City Code Chapter 34.10",
    }
    assert numbers("illinois-bipa") == {"740 ILCS 14", "Public Act 95-0994"}
    assert numbers("eu-ai-act-article-5-biometric-prohibitions") == {"Regulation (EU) 2024/1689"}
    ab1215 = by_policy["california-ab-1215"]
    assert (ab1215["status"], ab1215["statusDate"]) == ("expired", "2023-01-01")
    assert set(ab1215["kinds"].split(" | ")) == {"ban", "moratorium"}
    ibm = by_policy["ibm-facial-recognition-market-exit-2020"]
    assert (slug(ibm["by"]), ibm["byLabel"], ibm["jurisdiction"]) == ("ibm", "IBM", None)
    king_county = by_policy["king-county-facial-recognition-ban"]
    assert (slug(king_county["jurisdiction"]), king_county["jurisdictionLabel"]) == (
        "king-county",
        "King County",
    )


@pytest.mark.parametrize(
    ("policy", "step", "date", "tally"),
    [
        ("san-francisco-stop-secret-surveillance-ordinance", "first-vote", "2019-05-14", "8-1"),
        ("somerville-face-surveillance-full-ban-ordinance", "final-vote", "2019-06-27", "11-0"),
        ("oakland-facial-recognition-ban", "first-vote", "2019-07-16", "unanimous"),
        ("boston-face-surveillance-ban", "final-vote", "2020-06-24", "13-0"),
        ("king-county-facial-recognition-ban", "final-vote", "2021-06-01", "9-0"),
        ("minneapolis-facial-recognition-ban", "final-vote", "2021-02-12", "unanimous"),
        ("berkeley-facial-recognition-ban", "final-vote", "2019-10-15", "unanimous"),
        ("california-ab-1215", "signed", "2019-10-08", None),
        ("california-ab-1215", "took-effect", "2020-01-01", None),
        ("california-ab-1215", "expired", "2023-01-01", None),
        ("washington-sb-6280", "introduced", "2020-01-14", None),
        ("washington-sb-6280", "signed", "2020-03-31", None),
        ("washington-sb-6280", "took-effect", "2021-07-01", None),
        ("virginia-hb-2031", "enacted", "2021-04-07", None),
        (
            "facial-recognition-and-biometric-technology-moratorium-act",
            "introduced",
            "2020-06-25",
            None,
        ),
        (
            "facial-recognition-and-biometric-technology-moratorium-act",
            "reintroduced",
            "2023-03-07",
            None,
        ),
        ("amazon-rekognition-police-moratorium-2020", "announced", "2020-06-10", None),
        ("amazon-rekognition-police-moratorium-2020", "extended", "2021-05-18", None),
        ("amazon-rekognition-police-moratorium-extension-2021", "announced", "2021-05-18", None),
        ("ibm-facial-recognition-market-exit-2020", "announced", "2020-06-08", None),
        ("microsoft-police-sales-refusal-2020", "announced", "2020-06-11", None),
        ("axon-face-recognition-product-moratorium-2019", "announced", "2019-06-27", None),
        ("eu-ai-act-article-5-biometric-prohibitions", "took-effect", "2025-02-02", None),
        ("illinois-bipa", "took-effect", "2008-10-03", None),
        ("port-of-seattle-motion-2019-13", "final-vote", "2019-12-10", None),
        ("vermont-s-124", "signed", "2020-10", None),
    ],
)
def test_policy_step_is_dated_and_tallied_as_its_source_says(kg, policy, step, date, tally):
    rows = select(
        kg,
        PREFIXES
        + f"""SELECT ?date ?tally {{
            ?e frkg:policy id:{policy} ; frkg:eventType frkg:event-{step} ; dct:date ?date .
            OPTIONAL {{ ?e frkg:voteTally ?tally }} }}""",
    )
    assert [(r["date"], r["tally"]) for r in rows] == [(date, tally)]


def test_amazon_extension_extends_the_2020_moratorium_both_ways(kg):
    assert ask(
        kg,
        PREFIXES
        + """ASK { id:amazon-rekognition-police-moratorium-extension-2021
            frkg:extends id:amazon-rekognition-police-moratorium-2020 .
            id:amazon-rekognition-police-moratorium-2020
            frkg:extendedBy id:amazon-rekognition-police-moratorium-extension-2021 }""",
    )


def test_nothing_on_the_unverified_list_is_in_the_data(kg):
    """facts.md section 5: believed dates and numbers stay out until a source shows them."""
    literals = {
        r["o"]
        for r in select(
            kg,
            PREFIXES
            + f"""SELECT DISTINCT ?o {{ {debate_graphs(kg)}
                GRAPH ?g {{ ?s ?p ?o FILTER isLiteral(?o) }} }}""",
        )
    }
    text = "\n".join(literals)
    # King County's Ordinance 19296 is verified since facts-2.md (F1), the AI Act's Official
    # Journal date (2024-07-12) since facts-2.md B34.
    for believed in ("Chapter 253", "190113", "34.7", "Sean Walton"):
        assert believed not in text, believed
    event_dates = {
        r["d"] for r in select(kg, PREFIXES + "SELECT ?d { ?e a frkg:PolicyEvent ; dct:date ?d }")
    }
    # Somerville's signature, Vermont's signature, Massachusetts' signature; the EU's entry into
    # force (verified by facts-2.md B34) is no step, as Article 5 applies only from 2025-02-02.
    assert not event_dates & {"2019-06-28", "2020-10-07", "2020-12-31", "2024-08-01"}
    # Port of Seattle Order 2021-06: only its proposal is dated; the adoption date is not verified,
    # so the adoption step has only the earliest day it can have happened (frkg:notBefore).
    assert sorted(
        (r["t"], r["d"])
        for r in select(
            kg,
            PREFIXES
            + """SELECT ?t ?d { ?e frkg:policy id:port-of-seattle-order-2021-06 ;
                frkg:eventType ?t . OPTIONAL { ?e dct:date ?d } }""",
        )
    ) == [(FRKG + "event-final-vote", None), (FRKG + "event-introduced", "2021-07-13")]


@pytest.mark.parametrize(
    ("node", "words"),
    [
        ("san-francisco-stop-secret-surveillance-ordinance", "2019-05-06"),
        ("california-ab-1215-expired", "renewal status is not verified"),
        ("springfield-massachusetts-facial-recognition-ban", "facts-2.md A"),
        ("cambridge-massachusetts-facial-recognition-ban", "facts-2.md A"),
        ("northampton-massachusetts-facial-recognition-ban", "facts-2.md A"),
        ("brookline-massachusetts-facial-recognition-ban", "facts-2.md A"),
        ("oregon-body-camera-facial-recognition-ban", "not known"),
        ("berkeley-facial-recognition-ban", "October 16th, 2019"),
        ("quote-brad-smith-2020-national-law", "human rights, that"),
        ("quote-aaron-peskin-2019-security-state", "repost"),
        ("king-county-facial-recognition-ban", "Ordinance 19296 on 2021-06-17"),
        ("massachusetts-police-reform-facial-recognition-limits", "not verified"),
    ],
)
def test_cautions_from_the_reference_facts_are_on_the_node(kg, node, words):
    cautions = [r["c"] for r in select(kg, PREFIXES + f"SELECT ?c {{ id:{node} frkg:caution ?c }}")]
    assert any(words in c for c in cautions), cautions


# ---------------------------------------------------------------------------------------------
# In force on a day; status on a day; containment
# ---------------------------------------------------------------------------------------------

ALWAYS_FROM_2019 = {"illinois-bipa", "axon-face-recognition-product-moratorium-2019"}
# Port of Seattle Motion 2019-13, in force from its adoption on 2019-12-10.
FROM_DECEMBER_2019 = ALWAYS_FROM_2019 | {"port-of-seattle-motion-2019-13"}
# Oregon's and New Hampshire's body-camera bans, reported in force in 2019 (day not known).
FROM_2020 = FROM_DECEMBER_2019 | {
    "oregon-body-camera-facial-recognition-ban",
    "new-hampshire-body-camera-facial-recognition-ban",
}
JUNE_2020 = FROM_2020 | {
    "california-ab-1215",
    "ibm-facial-recognition-market-exit-2020",
    "amazon-rekognition-police-moratorium-2020",
    "microsoft-police-sales-refusal-2020",
}
BEFORE_EXTENSION = JUNE_2020 | {
    "portland-city-bureaus-facial-recognition-ban",
    "portland-private-entities-facial-recognition-ban",
}
AFTER_EXTENSION = (BEFORE_EXTENSION - {"amazon-rekognition-police-moratorium-2020"}) | {
    "amazon-rekognition-police-moratorium-extension-2021"
}
JULY_2021 = AFTER_EXTENSION | {"washington-sb-6280", "virginia-hb-2031"}
# From 2021-07-13 Order 2021-06 may have superseded Motion 2019-13: the motion is then unknown.
AFTER_ORDER = JULY_2021 - {"port-of-seattle-motion-2019-13"}


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2008-10-02", set()),
        ("2019-06-26", {"illinois-bipa"}),
        ("2019-06-27", ALWAYS_FROM_2019),
        # AB 1215 is signed (2019-10-08) but not yet in force.
        ("2019-12-31", FROM_DECEMBER_2019),
        ("2020-01-01", FROM_2020 | {"california-ab-1215"}),
        # Before and after Amazon's one-year moratorium.
        (
            "2020-06-09",
            FROM_2020 | {"california-ab-1215", "ibm-facial-recognition-market-exit-2020"},
        ),
        ("2020-06-11", JUNE_2020),
        # Portland: the public-use ban in force at its vote, the private-use ban from 2021-01-01.
        ("2020-12-31", JUNE_2020 | {"portland-city-bureaus-facial-recognition-ban"}),
        # The day before and the day of Amazon's extension.
        ("2021-05-17", BEFORE_EXTENSION),
        ("2021-05-18", AFTER_EXTENSION),
        ("2021-07-01", JULY_2021),
        # The day before and the day of AB 1215's sunset.
        ("2022-12-31", AFTER_ORDER),
        ("2023-01-01", AFTER_ORDER - {"california-ab-1215"}),
        (
            "2025-02-02",
            (AFTER_ORDER - {"california-ab-1215"}) | {"eu-ai-act-article-5-biometric-prohibitions"},
        ),
    ],
)
def test_policies_in_force_on_a_day(kg, day, expected):
    rows = run_query_file(
        kg,
        "debate-policies-in-force-on-date",
        ('"2020-01-01"^^xsd:date', f'"{day}"^^xsd:date'),
    )
    found = [slug(r["policy"]) for r in rows if r["inForce"] == "yes"]
    assert len(found) == len(set(found)), "one row per policy"
    assert set(found) & POLICIES == expected


@pytest.mark.parametrize(
    ("day", "policy", "status"),
    [
        ("2019-12-31", "california-ab-1215", "enacted"),
        ("2020-01-01", "california-ab-1215", "in force"),
        ("2023-01-01", "california-ab-1215", "expired"),
        ("2021-05-17", "amazon-rekognition-police-moratorium-2020", "in force"),
        ("2021-05-18", "amazon-rekognition-police-moratorium-2020", "superseded"),
        ("2020-06-01", "washington-sb-6280", "enacted"),
        ("2020-02-01", "washington-sb-6280", "introduced"),
        ("2021-06-01", "king-county-facial-recognition-ban", "passed a vote"),
    ],
)
def test_status_of_a_policy_on_a_day(kg, day, policy, status):
    rows = run_query_file(
        kg, "debate-policy-status-on-date", ('"2020-01-01"^^xsd:date', f'"{day}"^^xsd:date')
    )
    assert [r["answer"] for r in rows if slug(r["policy"]) == policy] == [status]


def test_bans_in_massachusetts_are_found_through_containment(kg):
    rows = run_query_file(kg, "debate-bans-in-massachusetts")
    assert {slug(r["policy"]) for r in rows} == {
        "somerville-face-surveillance-full-ban-ordinance",
        "boston-face-surveillance-ban",
        *POLICY_ROWS[13],
        # facts-2.md B2 and B3.
        "easthampton-face-surveillance-ban",
        "worcester-face-surveillance-ban",
    }
    # None of them names the state itself as its jurisdiction: the query had to walk the places.
    assert {slug(r["place"]) for r in rows}.isdisjoint({"massachusetts"})


def test_bans_query_works_for_another_place_including_the_place_itself(kg):
    rows = run_query_file(
        kg, "debate-bans-in-massachusetts", ("* id:massachusetts", "* id:california")
    )
    assert {slug(r["policy"]) for r in rows} & POLICIES == {
        "san-francisco-stop-secret-surveillance-ordinance",
        "oakland-facial-recognition-ban",
        "berkeley-facial-recognition-ban",
        "california-ab-1215",
    }


def test_every_place_of_the_debate_cites_a_source_and_sits_in_a_larger_one(kg):
    rows = select(
        kg,
        PREFIXES
        + f"""SELECT ?place ?parent {{ {debate_graphs(kg)}
            GRAPH ?g {{ ?place a ?c }} ?c rdfs:subClassOf* frkg:Jurisdiction .
            FILTER NOT EXISTS {{ ?place dct:source/schema:url ?u }}
            OPTIONAL {{ ?place schema:containedInPlace ?parent }} }}""",
    )
    assert rows == []
    orphans = select(
        kg,
        PREFIXES
        + f"""SELECT ?place {{ {debate_graphs(kg)}
            GRAPH ?g {{ ?place a ?c }} ?c rdfs:subClassOf* frkg:Jurisdiction .
            FILTER NOT EXISTS {{ ?place schema:containedInPlace ?parent }} }}""",
    )
    assert [slug(r["place"]) for r in orphans] == ["european-union"]


# ---------------------------------------------------------------------------------------------
# Organizations, people, roles, outside links
# ---------------------------------------------------------------------------------------------


def test_organizations_and_people_are_counted(kg):
    rows = select(
        kg,
        PREFIXES
        + f"""SELECT ?kind (COUNT(DISTINCT ?x) AS ?n) {{ {debate_graphs(kg)}
            GRAPH ?g {{ ?x a ?c }}
            BIND(IF(?c = schema:Person, "person",
                 IF(?c = frkg:NewsOrganization, "news", "organization")) AS ?kind)
            FILTER(?c = schema:Person || EXISTS {{ ?c rdfs:subClassOf* org:Organization }}) }}
            GROUP BY ?kind""",
    )
    # 44 people, and 3 King County sponsors named by facts-2.md (F1).
    assert {r["kind"]: int(r["n"]) for r in rows} == {"person": 47, "organization": 61, "news": 32}


def test_organizations_and_people_query_lists_roles(kg):
    rows = run_query_file(kg, "debate-organizations-and-people")
    roles = {
        (slug(r["agent"]), slug(r["organization"]), slug(r["role"]), r["title"])
        for r in rows
        if r["organization"]
    }
    for expected in [
        ("arvind-krishna", "ibm", "role-chief-executive-officer", "new IBM CEO"),
        ("brad-smith", "microsoft", "role-president", "Microsoft President"),
        (
            "alvaro-bedoya",
            "georgetown-center-on-privacy-and-technology",
            "role-executive-director",
            "Executive Director",
        ),
        (
            "clare-garvie",
            "georgetown-center-on-privacy-and-technology",
            "role-associate",
            "Center associate",
        ),
        ("caitriona-fitzgerald", "epic", "role-policy-director", "Policy Director"),
        ("jeanne-kohl-welles", "king-county-council", "role-council-member", "Councilmember"),
        ("aaron-peskin", "san-francisco-board-of-supervisors", "role-council-member", "Supervisor"),
        (
            "joy-buolamwini",
            "algorithmic-justice-league",
            "role-founder",
            "founded the Algorithmic Justice League",
        ),
        ("michael-punke", "amazon", "role-vice-president", "VP Global Public Policy"),
        ("matt-cagle", "aclu-of-northern-california", None, None),
    ]:
        assert expected in roles
    agents = {slug(r["agent"]) for r in rows}
    for name in [
        "aclu",
        "electronic-frontier-foundation",
        "epic",
        "nist",
        "clearview-ai",
        "axon",
        "gavin-newsom",
    ]:
        assert name in agents


def test_every_membership_links_person_organization_and_role_both_ways(kg):
    assert not ask(
        kg,
        PREFIXES
        + f"""ASK {{ {debate_graphs(kg)} GRAPH ?g {{ ?m a org:Membership }}
            FILTER NOT EXISTS {{ ?m org:member ?p ; org:organization ?o ; org:role ?r ;
                                   frkg:title ?t ; dct:source/schema:url ?u .
                                 ?p org:memberOf ?o . ?o org:hasMember ?p }} }}""",
    )


def test_wikidata_links_are_exactly_the_verified_ones(kg):
    rows = run_query_file(kg, "debate-wikidata-links")
    found = {slug(r["entity"]): r["wikidata"] for r in rows}
    expected = {k: f"http://www.wikidata.org/entity/{q}" for k, q in DEBATE_QIDS.items()}
    assert {k: v for k, v in found.items() if k in expected} == expected
    # Nothing in the whole graph links to an identifier facts.md does not verify.
    every_same_as = {
        (slug(r["s"]), r["o"]) for r in select(kg, PREFIXES + "SELECT ?s ?o { ?s owl:sameAs ?o }")
    }
    allowed = {(k, f"http://www.wikidata.org/entity/{q}") for k, q in VERIFIED_QIDS.items()}
    assert every_same_as <= allowed


def test_homepages_are_only_sites_listed_as_seen(kg):
    rows = select(
        kg,
        PREFIXES
        + f"SELECT ?h {{ {debate_graphs(kg)} GRAPH ?g {{ ?s foaf:homepage|foaf:page ?h }} }}",
    )
    pages = {r["h"] for r in rows}
    assert pages <= HOMEPAGES_SEEN
    assert {"https://www.aclu.org/", "https://www.eff.org/", "https://www.nist.gov/"} <= pages


# ---------------------------------------------------------------------------------------------
# Statements
# ---------------------------------------------------------------------------------------------


def test_quotes_query_returns_every_quote_with_speaker_and_source(kg):
    rows = run_query_file(kg, "debate-quotes")
    mine = [r for r in rows if slug(r["quote"]).startswith("quote-")]
    assert len({r["quote"] for r in mine}) == 19 + 9  # and 9 of facts-2.md section C
    assert all(r["speaker"] and r["sourceUrl"].startswith("http") for r in mine)
    by_quote = {slug(r["quote"]): r for r in mine}
    kohl_welles = by_quote["quote-jeanne-kohl-welles-2021-first-county"]
    assert kohl_welles["text"] == (
        "Our vote today makes King County the first county in the nation to pass this type of ban"
    )
    assert (slug(kohl_welles["speaker"]), kohl_welles["date"]) == (
        "jeanne-kohl-welles",
        "2021-06-01",
    )
    assert slug(kohl_welles["channel"]) == "king-county-facial-recognition-ban-final-vote"
    smith = by_quote["quote-brad-smith-2020-national-law"]
    assert smith["text"] == (
        "We will not sell facial-recognition technology to police departments in the United "
        "States until we have a national law in place, grounded in human rights that will "
        "govern this technology,"
    )
    assert (
        smith["sourceUrl"]
        == "https://www.washingtonpost.com/technology/2020/06/11/microsoft-facial-recognition/"
    )
    bedoya = by_quote["quote-alvaro-bedoya-2016-innocent-people"]
    assert bedoya["text"] == "Innocent people don\u2019t belong in criminal databases,"
    assert (bedoya["date"], slug(bedoya["speaksFor"])) == (
        "2016-10-18",
        "georgetown-center-on-privacy-and-technology",
    )
    krishna = by_quote["quote-arvind-krishna-2020-national-dialogue"]
    assert krishna["text"].startswith("We believe now is the time to begin a national dialogue")
    assert (slug(krishna["speaksFor"]), krishna["date"]) == ("ibm", "2020-06-08")


def test_quotes_facts_md_says_to_complete_or_resource_stay_out(kg):
    texts = "\n".join(
        r["t"]
        for r in select(kg, PREFIXES + "SELECT ?t { ?q frkg:verbatimText|frkg:paraphraseText ?t }")
    )
    assert (
        "empirical evidence for the existence of demographic differentials" not in texts
    )  # NIST, cut off
    assert "Amazon wants to write the laws" not in texts  # Greer, forum repost only


def test_paraphrases_are_kept_apart_from_quotes(kg):
    rows = run_query_file(kg, "debate-paraphrases")
    mine = {slug(r["statement"]) for r in rows if slug(r["statement"]).startswith("paraphrase-")}
    assert len(mine) == 9
    assert not ask(kg, PREFIXES + "ASK { ?s frkg:verbatimText ?a ; frkg:paraphraseText ?b }")


# ---------------------------------------------------------------------------------------------
# Studies
# ---------------------------------------------------------------------------------------------


def test_studies_query_gives_authors_dates_and_doi(kg):
    rows = {slug(r["work"]): r for r in run_query_file(kg, "debate-studies")}
    nist = rows["nistir-8280"]
    assert nist["doi"] == "10.6028/NIST.IR.8280"
    assert nist["url"] == "https://doi.org/10.6028/NIST.IR.8280"
    assert set(nist["authors"].split(" | ")) == {"Patrick Grother", "Mei Ngan", "Kayee Hanaoka"}
    assert nist["datePublished"] == "2019-12-19"
    shades = rows["gender-shades"]
    assert set(shades["authors"].split(" | ")) == {"Joy Buolamwini", "Timnit Gebru"}
    assert shades["datePublished"] == "2018"
    lineup = rows["the-perpetual-line-up"]
    assert (lineup["datePublished"], lineup["publisherName"]) == (
        "2016-10-18",
        "Center on Privacy & Technology at Georgetown Law",
    )


# ---------------------------------------------------------------------------------------------
# Sourcing rules: every claim cites a source with a URL; every source is used
# ---------------------------------------------------------------------------------------------


def test_every_policy_step_and_statement_cites_a_source_with_a_url(kg):
    rows = select(
        kg,
        PREFIXES
        + """SELECT ?x { ?x a ?c .
            VALUES ?top { frkg:Policy frkg:Statement frkg:PolicyEvent }
            ?c rdfs:subClassOf* ?top .
            FILTER NOT EXISTS {
                ?x dct:source ?s . ?s schema:url ?u .
                FILTER(datatype(?u) = xsd:anyURI && STRSTARTS(STR(?u), "http")) } }""",
    )
    assert rows == []


def test_every_source_has_one_url_and_is_used_by_something(kg):
    sources = select(
        kg,
        PREFIXES
        + """SELECT ?s (COUNT(DISTINCT ?u) AS ?urls) { ?s a ?c . ?c rdfs:subClassOf* frkg:Source .
            OPTIONAL { ?s schema:url ?u } } GROUP BY ?s""",
    )
    declared_here = select(
        kg,
        PREFIXES
        + f"""SELECT DISTINCT ?s {{ {debate_graphs(kg)} GRAPH ?g {{ ?s a ?c }}
            ?c rdfs:subClassOf* frkg:Source }}""",
    )
    assert len(declared_here) == 96  # 90 in debate-sources.ttl, 6 studies and reports
    assert [r["s"] for r in sources if r["urls"] != "1"] == []
    # Every source names its publisher, an organization node.
    assert not ask(
        kg,
        PREFIXES
        + """ASK { ?s a ?c . ?c rdfs:subClassOf* frkg:Source .
            FILTER NOT EXISTS { ?s schema:publisher ?p } }""",
    )
    publishers = select(
        kg,
        PREFIXES
        + """SELECT DISTINCT ?p { ?s a ?c . ?c rdfs:subClassOf* frkg:Source ; schema:publisher ?p .
            FILTER NOT EXISTS { ?p a ?pc . ?pc rdfs:subClassOf* org:Organization } }""",
    )
    assert publishers == []
    # Used: cited with dct:source, the channel of a statement, or a republication of a source.
    unused = select(
        kg,
        PREFIXES
        + """SELECT ?s { ?s a ?c . ?c rdfs:subClassOf* frkg:Source .
            FILTER NOT EXISTS { ?x dct:source|frkg:channel|frkg:republishedAs ?s
                                FILTER(?x != ?s) } }""",
    )
    assert unused == []


def test_every_node_of_the_debate_files_has_one_english_label_and_a_source(kg):
    rows = select(
        kg,
        PREFIXES
        # A citation belongs to the node that cites it (CONTRIBUTING.md rule 13): not an entity.
        + f"""SELECT DISTINCT ?x ?labels {{ {debate_graphs(kg)} GRAPH ?g {{ ?x a ?c }}
            FILTER(?c != frkg:Citation)
            {{ SELECT ?x (COUNT(DISTINCT ?l) AS ?labels) {{
                ?x a ?any . OPTIONAL {{ ?x rdfs:label ?l FILTER(langMatches(lang(?l), "en")) }} }}
               GROUP BY ?x }}
            FILTER(?labels != 1 || (NOT EXISTS {{ ?x dct:source ?s }}
                   && NOT EXISTS {{ ?x a/rdfs:subClassOf* frkg:Source }}
                   && NOT EXISTS {{ ?x a org:Role }})) }}""",
    )
    assert rows == []


def test_dates_are_days_months_or_years(kg):
    rows = select(
        kg,
        PREFIXES
        + f"""SELECT ?x ?d {{ {debate_graphs(kg)}
            GRAPH ?g {{ ?x dct:date|frkg:statusDate|schema:datePublished|schema:dateCreated
                           |schema:dateModified ?d }}
            FILTER(datatype(?d) NOT IN (xsd:date, xsd:gYearMonth, xsd:gYear)) }}""",
    )
    assert rows == []


def test_references_resolve_and_seed_entities_are_not_redefined(kg):
    used = select(
        kg,
        PREFIXES
        + f"""SELECT DISTINCT ?o {{ {debate_graphs(kg)} GRAPH ?g {{ ?s ?p ?o }}
            FILTER(isIRI(?o) && STRSTARTS(STR(?o), STR(id:)))
            FILTER NOT EXISTS {{ ?o a ?type }} }}""",
    )
    assert used == []
    defined_here = select(
        kg,
        PREFIXES + f"SELECT DISTINCT ?s {{ {debate_graphs(kg)} GRAPH ?g {{ ?s a ?type }} }}",
    )
    assert {slug(r["s"]) for r in defined_here}.isdisjoint(SEED_SLUGS)


def test_verbatim_quotes_keep_typographic_characters(kg):
    """A quote is copied character for character: curly apostrophes stay curly."""
    rows = select(
        kg,
        PREFIXES
        + "SELECT ?t { id:quote-carol-rose-2020-supercharges-policing frkg:verbatimText ?t }",
    )
    assert [r["t"] for r in rows] == [
        "Face surveillance supercharges the policing of Black and brown communities and tramples "
        "on everyone\u2019s rights to anonymity and privacy."
    ]


# ---------------------------------------------------------------------------------------------
# The query files and their documentation
# ---------------------------------------------------------------------------------------------

DEBATE_QUERIES = sorted(p.stem for p in QUERIES.glob("debate-*.rq"))


def test_there_is_a_query_per_section_that_done_means_names():
    assert {
        "debate-policies",
        "debate-policies-in-force-on-date",
        "debate-bans-in-massachusetts",
        "debate-organizations-and-people",
        "debate-wikidata-links",
        "debate-quotes",
    } <= set(DEBATE_QUERIES)


@pytest.mark.parametrize("name", DEBATE_QUERIES)
def test_query_file_has_title_description_and_returns_rows(kg, name):
    lines = (QUERIES / f"{name}.rq").read_text(encoding="utf-8").splitlines()
    assert re.fullmatch(r"# \S.*", lines[0]), "first line is '# <Title>'"
    assert lines[1].startswith("# ") and len(lines[1]) > 10, "then a description"
    assert run_query_file(kg, name), f"{name} returns rows on the repository data"


def test_docs_document_every_debate_query():
    text = section(page_text("docs/sparql.md"), "The wider debate: queries")
    for name in DEBATE_QUERIES:
        assert f"`{name}.rq`" in text, name


def test_contributing_templates_parse_and_use_only_defined_frkg_terms(kg):
    """The copyable Turtle templates in CONTRIBUTING.md stay valid as the ontology changes."""
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```turtle\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 4  # policy with steps, source, person with role, quote
    header = "\n".join(
        f"@prefix {line.split()[1]} {line.split()[2]} ." for line in PREFIXES.strip().splitlines()
    )
    defined = {
        r["t"]
        for r in select(
            kg,
            PREFIXES
            + "SELECT DISTINCT ?t { GRAPH ?g { ?t a ?type } "
            + "FILTER(STRSTARTS(STR(?t), STR(frkg:))) "
            f'FILTER(STRSTARTS(STR(?g), "{CANONICAL_BASE}graph/ontology/")) }}',
        )
    }
    for block in blocks:
        triples = list(ox.parse(header + "\n" + block, format=ox.RdfFormat.TURTLE))
        assert triples
        used = {
            term.value
            for t in triples
            for term in (t.predicate, t.object)
            if isinstance(term, ox.NamedNode) and term.value.startswith(FRKG)
        }
        assert used <= defined, used - defined
