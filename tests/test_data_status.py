"""One rule for time (issue 13): a policy's status on a day, from its dated steps.

``frkg.publish.policy_status`` is the rule; the "status on a day" and "in force on a day" example
queries, ``frkg stats`` and the stored ``frkg:status`` must all say what it says, for every policy
on every day tested. Dates follow XML Schema 1.1 Part 2 (xsd:date 3.3.9, xsd:gYearMonth 3.3.14,
xsd:gYear 3.3.15); the queries compare their lexical forms (SPARQL 1.1 section 17.4.3).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from frkg import CANONICAL_BASE
from frkg.publish import policy_status as ps

from conftest import ROOT

QUERIES = ROOT / "src" / "frkg" / "sparql" / "queries"
ID = CANONICAL_BASE + "id/"
NS = CANONICAL_BASE + "ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DAYS = [
    "2008-10-02",
    "2019-01-01",
    "2019-05-14",
    "2019-06-27",
    "2019-06-28",
    "2019-07-01",
    "2019-10-10",
    "2019-12-31",
    "2020-01-01",
    "2020-06-24",
    "2020-12-15",
    "2021-01-01",
    "2021-05-18",
    "2021-07-13",
    "2021-07-14",
    "2023-01-01",
    "2025-02-02",
]


def step(name, status, date, datatype="date", event="event-final-vote"):
    """A synthetic step for the rule's unit tests."""
    if datatype == "notBefore":
        precision, start, last = "not-before", dt.date.fromisoformat(date), None
    else:
        precision, start, last = ps._interval(date, XSD + datatype)
    return ps.Step(ID + name, event, "status-" + status, date, precision, start, last)


def on(steps, day):
    return ps.derive(steps, dt.date.fromisoformat(day), NS)


# --- the rule, on synthetic steps --------------------------------------------------------------


def test_a_day_step_counts_from_its_day_and_nothing_before_it_is_not_yet():
    steps = [step("signed", "enacted", "2019-10-08"), step("effect", "in-force", "2020-01-01")]
    before = on(steps, "2019-10-07")
    assert (before.known, before.status, before.in_force) == (True, None, False)
    assert "before its first dated step" in before.reason
    assert on(steps, "2019-10-08").status == NS + "status-enacted"
    assert on(steps, "2019-12-31").in_force is False  # enacted, the effective date still ahead
    assert on(steps, "2020-01-01").in_force is True
    assert on(steps, "2030-01-01").in_force is True  # a lasting status holds


def test_a_passing_status_with_no_later_step_is_unknown_after_its_day():
    steps = [step("vote", "passed", "2019-05-14", event="event-first-vote")]
    assert on(steps, "2019-05-14").status == NS + "status-passed"
    later = on(steps, "2020-01-01")
    assert (later.known, later.status, later.in_force) == (False, None, None)
    assert "no later step is dated" in later.reason
    assert later.deciding_event == ID + "vote"


def test_a_month_step_may_have_happened_during_its_month_and_has_after_it():
    steps = [step("signed", "enacted", "2020-10", "gYearMonth", "event-signed")]
    during = on(steps, "2020-10-20")
    assert not during.known and "may or may not have happened" in during.reason
    assert on(steps, "2020-09-30").known is True and on(steps, "2020-09-30").status is None
    after = on(steps, "2020-11-01")
    assert not after.known and "no later step is dated" in after.reason  # enacted: passing


def test_a_step_without_a_day_is_never_known_to_have_happened():
    steps = [
        step("proposed", "introduced", "2021-07-13", event="event-introduced"),
        step("adopted", "enacted", "2021-07-13", "notBefore"),
    ]
    for day in ("2021-07-13", "2021-08-01", "2030-01-01"):
        answer = on(steps, day)
        assert not answer.known and answer.deciding_event == ID + "adopted", day
    assert on(steps, "2021-07-12").status is None and on(steps, "2021-07-12").known


def test_a_reported_status_says_nothing_about_the_days_before_the_report():
    steps = [step("report", "in-force", "2019", "gYear", "event-status-reported")]
    assert not on(steps, "2018-06-01").known
    assert not on(steps, "2019-12-31").known  # the report may be later in 2019
    assert on(steps, "2020-01-01").in_force is True


def test_steps_of_unknown_order_resolve_to_the_one_furthest_along():
    # A signature known to the month and a vote known to the day of that month.
    steps = [
        step("vote", "passed", "2020-12-01", event="event-first-vote"),
        step("signed", "enacted", "2020-12", "gYearMonth", "event-signed"),
        step("effect", "in-force", "2021-07-01", event="event-took-effect"),
    ]
    assert on(steps, "2021-01-05").status == NS + "status-enacted"
    assert ps.latest_status(steps, NS)[0] == NS + "status-in-force"


def test_no_steps_is_unknown():
    answer = on([], "2020-01-01")
    assert (answer.known, answer.in_force) == (False, None)


# --- the repository's data ---------------------------------------------------------------------


def run_query(kg, name: str, day: str):
    text = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    assert text.count('"2020-01-01"^^xsd:date') == 1, "one day to change"
    text = text.replace('"2020-01-01"^^xsd:date', f'"{day}"^^xsd:date')
    return list(kg.store.query(text, use_default_graph_as_union=True))


@pytest.mark.parametrize("day", DAYS)
def test_status_on_a_day_query_agrees_with_the_rule_for_every_policy(kg, day):
    rule = ps.statuses_on(kg, day)
    rows = run_query(kg, "debate-policy-status-on-date", day)
    by_policy: dict[str, list] = {}
    for row in rows:
        by_policy.setdefault(row["policy"].value, []).append(row)
    assert set(by_policy) == set(rule), "every policy, and only policies"
    for policy, answer in rule.items():
        (row,) = by_policy[policy]  # one row per policy
        if not answer.known:
            assert row["answer"].value == "unknown", (policy, answer.reason)
        elif answer.status is None:
            assert row["answer"].value == "not yet", (policy, answer.reason)
        else:
            assert row["status"].value == answer.status, (policy, answer.reason)
            assert row["step"].value == answer.deciding_event, policy


@pytest.mark.parametrize("day", DAYS)
def test_in_force_query_agrees_with_the_rule_for_every_policy(kg, day):
    rule = ps.statuses_on(kg, day)
    rows = run_query(kg, "debate-policies-in-force-on-date", day)
    found = {row["policy"].value: row["inForce"].value for row in rows}
    assert len(found) == len(rows), "one row per policy"
    expected = {
        p: ("yes" if a.in_force else "unknown") for p, a in rule.items() if a.in_force is not False
    }
    assert found == expected


@pytest.mark.parametrize("day", ["2019-12-31", "2020-01-01", "2021-07-14"])
def test_frkg_stats_counts_policies_by_the_same_rule(day):
    result = subprocess.run(
        [sys.executable, "-m", "frkg", "stats", "--json", "--on", day],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout)["policyStatusOn"]
    from frkg import store

    from conftest import repo_settings

    kg = store.load(repo_settings(base_iri=CANONICAL_BASE))
    expected: dict[str, int] = {}
    for row in run_query(kg, "debate-policy-status-on-date", day):
        answer = row["answer"].value
        name = (
            answer if answer in ("unknown", "not yet") else row["status"].value.split("#status-")[1]
        )
        expected[name] = expected.get(name, 0) + 1
    assert counts == {"day": day, "counts": expected}


def test_every_stored_status_is_the_one_the_latest_step_gives(kg):
    stored = {
        r["p"].value: (r["s"].value, r["d"].value if r["d"] else None)
        for r in kg.store.query(
            f"SELECT ?p ?s ?d {{ ?p <{NS}status> ?s ; a ?c . ?c <http://www.w3.org/2000/01/"
            f"rdf-schema#subClassOf>* <{NS}Policy> OPTIONAL {{ ?p <{NS}statusDate> ?d }} }}",
            use_default_graph_as_union=True,
        )
    }
    steps = ps.steps_by_policy(kg)
    assert set(stored) == set(ps.policies(kg)), "every policy states its status"
    for policy, (status, date) in stored.items():
        expected, latest = ps.latest_status(steps.get(policy, []), NS)
        assert status == expected, policy
        assert date == (None if latest.precision == "not-before" else latest.date), policy


@pytest.mark.parametrize(
    ("policy", "day", "known", "status"),
    [
        # Council votes with no effective date: unknown after the vote, never "not in force".
        ("san-francisco-stop-secret-surveillance-ordinance", "2020-01-01", False, None),
        ("oakland-facial-recognition-ban", "2020-01-01", False, None),
        ("berkeley-facial-recognition-ban", "2019-10-15", True, "passed"),
        ("berkeley-facial-recognition-ban", "2020-01-01", False, None),
        # Reported in force in 2019: unknown within 2019, in force from 2020.
        ("oregon-body-camera-facial-recognition-ban", "2019-12-31", False, None),
        ("oregon-body-camera-facial-recognition-ban", "2020-01-01", True, "in-force"),
        # In force from its adoption; the supersession's day is not known.
        ("port-of-seattle-motion-2019-13", "2020-01-01", True, "in-force"),
        ("port-of-seattle-motion-2019-13", "2021-08-01", False, None),
        ("california-ab-1215", "2019-12-31", True, "enacted"),
        ("california-ab-1215", "2023-01-01", True, "expired"),
        ("amazon-rekognition-police-moratorium-2020", "2021-05-18", True, "superseded"),
        (
            "facial-recognition-and-biometric-technology-moratorium-act",
            "2021-01-01",
            True,
            "introduced",
        ),
    ],
)
def test_status_on_pins_the_cases_the_audit_named(kg, policy, day, known, status):
    answer = ps.status_on(kg, ID + policy, day)
    assert answer.known is known, answer.reason
    assert answer.status == (NS + "status-" + status if status else None), answer.reason
    assert answer.reason


def test_status_on_accepts_a_store_and_a_date(kg):
    answer = ps.status_on(kg.store, ID + "california-ab-1215", dt.date(2020, 1, 1))
    assert (
        answer.in_force is True and answer.deciding_event == ID + "california-ab-1215-took-effect"
    )


def test_the_rule_is_documented_in_the_data_docs():
    text = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert "## A policy's status on a day" in text
    for words in ("unknown", "not yet", "frkg:notBefore", "status reported", "policy_status"):
        assert words in text, words
    assert Path(ps.__file__).name == "policy_status.py"
