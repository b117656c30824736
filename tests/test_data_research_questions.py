"""The four research questions of issue 13's "Done means", each answered by an example query.

Each answer is pinned twice: computed from the data in Python (so the query keeps answering its
title whatever data is added) and, for the rows the reference facts settle, written out here, with
"unknown" or "date unknown" rows where the sources do not decide.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from frkg import CANONICAL_BASE
from frkg.publish import policy_status as ps

from conftest import ROOT

QUERIES = ROOT / "src" / "frkg" / "sparql" / "queries"
ID = CANONICAL_BASE + "id/"
NS = CANONICAL_BASE + "ontology#"
PREFIXES = f"""PREFIX frkg: <{NS}> PREFIX id: <{ID}> PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/> PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


def run(kg, name: str) -> list[dict[str, str | None]]:
    text = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    solutions = kg.store.query(text, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [
        {n: (t.value if t is not None else None) for n, t in zip(names, row, strict=True)}
        for row in solutions
    ]


def values(kg, query: str) -> list[tuple]:
    return [
        tuple(t.value if t is not None else None for t in row)
        for row in kg.store.query(PREFIXES + query, use_default_graph_as_union=True)
    ]


def slug(iri: str) -> str:
    return iri.removeprefix(ID)


# --- 1. Which US cities banned police use of face recognition, and when? -----------------------


def expected_city_bans(kg) -> dict[str, tuple[str, str]]:
    """policy -> (voted, enacted), from the steps, by the query's description."""
    bans = values(
        kg,
        """SELECT DISTINCT ?p ?status { ?p frkg:policyKind frkg:kind-ban ; frkg:jurisdiction ?c ;
              frkg:scope ?s ; frkg:status ?status .
            FILTER (?s IN (frkg:scope-government-use, frkg:scope-law-enforcement-use))
            ?c a frkg:City ; schema:containedInPlace+ id:united-states }""",
    )
    steps = ps.steps_by_policy(kg)
    adopted = {"status-" + s for s in ("enacted", "in-force", "superseded", "expired", "repealed")}
    found = {}
    for policy, status in bans:
        mine = [s for s in steps.get(policy, []) if s.precision != "not-before"]
        votes = [s for s in mine if s.event_type in ("event-first-vote", "event-final-vote")]
        voted = min(votes, key=lambda s: s.last).date if votes else "date unknown"
        laws = [s for s in mine if s.status in adopted and s.event_type != ps.REPORTED]
        if status.endswith(("#status-introduced", "#status-passed")):
            enacted = "not known to be enacted"
        else:
            enacted = min(laws, key=lambda s: s.last).date if laws else "date unknown"
        found[policy] = (voted, enacted)
    return found


def test_us_city_bans_answer_which_cities_and_when(kg):
    rows = run(kg, "us-city-bans")
    got = {r["policy"]: (r["voted"], r["enacted"]) for r in rows}
    assert len(got) == len(rows), "one row per ban"
    assert got == expected_city_bans(kg)
    pinned = {slug(p): v for p, v in got.items()}
    assert pinned["somerville-face-surveillance-full-ban-ordinance"] == ("2019-06-27", "2019-06-27")
    assert pinned["portland-city-bureaus-facial-recognition-ban"] == ("2020-09-09", "2020-09-09")
    assert pinned["oakland-facial-recognition-ban"] == ("2019-07-16", "not known to be enacted")
    # The private-sector ban of Portland is not a ban on police use.
    assert "portland-private-entities-facial-recognition-ban" not in pinned
    # Counties, ports and states are not cities.
    assert not {"king-county-facial-recognition-ban", "port-of-seattle-order-2021-06"} & set(pinned)


# --- 2. Who opposed bans, and what did they propose instead? -----------------------------------


def test_opponents_of_bans_include_signers_and_coalition_members(kg):
    rows = run(kg, "opponents-of-bans")
    by_opponent: dict[str, set] = {}
    for r in rows:
        by_opponent.setdefault(slug(r["opponent"]), set()).add(
            (r["how"], slug(r["alternative"]) if r["alternative"] else None)
        )
    letter_alternative = "alternatives-to-facial-recognition-bans-2019"
    for member in ("itif", "national-police-foundation", "hid-global", "iris-id-systems"):
        assert ("member of the coalition", letter_alternative) in by_opponent[member], member
        assert ("signed the letter", letter_alternative) in by_opponent[member], member
    assert ("signed the letter", letter_alternative) in by_opponent["james-burch"]
    coalition = by_opponent["open-letter-coalition-2019"]
    assert ("made or was spoken for in the statement", letter_alternative) in coalition
    # Opposing a ban without proposing anything shows no alternative.
    assert ("made or was spoken for in the statement", None) in by_opponent["medaria-arradondo"]
    # No ban is ever offered as the alternative to a ban.
    bans = {slug(p) for (p,) in values(kg, "SELECT ?p { ?p frkg:policyKind frkg:kind-ban }")}
    assert not {a for pairs in by_opponent.values() for _, a in pairs} & bans


# --- 3. What did Evan Greer say, and where? ----------------------------------------------------


def test_statements_of_evan_greer_say_what_where_and_when(kg):
    rows = run(kg, "statements-of-evan-greer")
    expected = {s for (s,) in values(kg, "SELECT ?s { ?s frkg:speaker id:evan-greer }")}
    assert {r["statement"] for r in rows} == expected
    by = {slug(r["statement"]): r for r in rows}
    profit = by["evan-greer-2019-quote-companies-should-not-write-the-laws"]
    assert profit["text"] == (
        "The companies that stand to profit from the sale of facial recognition should not be "
        "writing the laws that govern it,"
    )
    assert (profit["kind"], profit["said"], profit["whereLabel"]) == (
        "quote",
        "date unknown",
        "not stated",
    )
    assert profit["url"].startswith("https://www.seattletimes.com/")
    launch = by["evan-greer-2019-quote-ban-it-entirely"]
    assert (launch["said"], slug(launch["where"])) == (
        "2019-07-09",
        "fight-for-the-future-2019-07-09-press-release",
    )
    assert all(r["speaksForLabel"] == "Fight for the Future" for r in rows)


# --- 4. Which policies were in force on 2020-01-01? --------------------------------------------

IN_FORCE_2020 = {
    "illinois-bipa",
    "axon-face-recognition-product-moratorium-2019",
    "california-ab-1215",
    "port-of-seattle-motion-2019-13",
    "oregon-body-camera-facial-recognition-ban",
    "new-hampshire-body-camera-facial-recognition-ban",
    # Surveillance-technology ordinances of 2016 and 2017 (facts-2.md A14, A15).
    "santa-clara-county-surveillance-technology-ordinance",
    "seattle-surveillance-ordinance",
    # Google Cloud's restraint, announced 2018-12-13 (facts-2.md B24).
    "google-cloud-facial-recognition-api-restraint-2018",
}
UNKNOWN_2020 = {
    # Council votes known, effective dates not.
    "san-francisco-stop-secret-surveillance-ordinance",
    "somerville-face-surveillance-full-ban-ordinance",
    "oakland-facial-recognition-ban",
    "berkeley-facial-recognition-ban",
    # Surveillance ordinances enacted without an effective date in our sources (facts-2.md).
    "davis-surveillance-technology-ordinance",
    "nashville-bl2017-646",
    "bart-surveillance-technology-ordinance",
    # Detroit's police directive, approved 2019-09-19, effective date not in our sources.
    "detroit-police-directive-307-5",
    # A preliminary vote dated only to January 2020: it may not have happened by the 1st.
    "springfield-massachusetts-facial-recognition-ban",
    # Known only from a bill text dated 2020-02-12.
    "ethical-use-of-facial-recognition-act",
    # Alameda's ban by resolution, adopted in December 2019 (the month only), no effective date.
    "alameda-facial-recognition-ban-resolution",
    # Texas CUBI: its enactment date is not in our sources, only a 2024 report of it in force.
    "texas-cubi",
}


def test_policies_in_force_on_2020_01_01_with_unknown_rows(kg):
    text = (QUERIES / "debate-policies-in-force-on-date.rq").read_text(encoding="utf-8")
    assert 'VALUES ?day { "2020-01-01"^^xsd:date }' in text, "the question's day is the default"
    rows = run(kg, "debate-policies-in-force-on-date")
    answer = {slug(r["policy"]): r["inForce"] for r in rows}
    assert {p for p, v in answer.items() if v == "yes"} == IN_FORCE_2020
    assert {p for p, v in answer.items() if v == "unknown"} == UNKNOWN_2020
    rule = ps.statuses_on(kg, "2020-01-01")
    assert {slug(p) for p, a in rule.items() if a.in_force} == IN_FORCE_2020
    assert {slug(p) for p, a in rule.items() if a.in_force is None} == UNKNOWN_2020


@pytest.mark.parametrize(
    "name",
    [
        "us-city-bans",
        "opponents-of-bans",
        "statements-of-evan-greer",
        "adopted-policies",
        "evidence-for-dated-steps",
    ],
)
def test_research_query_parses_and_has_a_question_for_a_title(name):
    lines = (QUERIES / f"{name}.rq").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# ") and lines[0].endswith("?")
    ox.Store().query("\n".join(lines))  # parses and runs on an empty store


def test_adopted_policies_lists_every_enacted_ban_with_date_unknown_where_it_is(kg):
    rows = run(kg, "adopted-policies")
    got = {slug(r["policy"]): r["adopted"] for r in rows}
    enacted_bans = {
        slug(p)
        for (p,) in values(
            kg,
            """SELECT DISTINCT ?p { ?p frkg:policyKind frkg:kind-ban .
                ?e frkg:policy ?p ; frkg:resultingStatus ?s .
                FILTER (?s IN (frkg:status-enacted, frkg:status-in-force, frkg:status-superseded,
                               frkg:status-expired, frkg:status-repealed)) }""",
        )
    }
    assert enacted_bans <= set(got)
    assert got["port-of-seattle-order-2021-06"] == "date unknown"
    assert got["somerville-face-surveillance-full-ban-ordinance"] == "2019-06-27"
    assert got["california-ab-1215"] == "2019-10-08"


def test_evidence_query_gives_the_words_behind_every_dated_step(kg):
    """ "Which source backs the status as of 14 May 2019?" is one row away: every dated step has
    the words that date it, the source's own where kept (issue 13)."""
    rows = run(kg, "evidence-for-dated-steps")
    dated_steps = {
        slug(r[0])
        for r in values(kg, "SELECT ?s { ?s frkg:policy ?p ; dct:date|frkg:notBefore ?d }")
    }
    assert {slug(r["step"]) for r in rows} == dated_steps
    sf = [
        r
        for r in rows
        if slug(r["step"]) == "san-francisco-stop-secret-surveillance-ordinance-first-vote"
    ]
    assert [(r["date"], r["evidence"], slug(r["source"]), r["checkedIn"]) for r in sf] == [
        ("2019-05-14", "excerpt", "straits-times-2019-san-francisco-ban-vote", "facts.md #1")
    ]
    assert "on Tuesday (May 14) voted eight to one" in sf[0]["words"]
    assert {r["evidence"] for r in rows} == {"excerpt", "reference note"}
