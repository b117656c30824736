"""The audit's corrections (issue 13, "Corrections found by the audit"): one test per bullet.

Each test names the correction it guards and fails on the data as it was before the correction.
The facts come from ../shared/reference/facts.md (rows of its section 2.1 and section 5) and
facts-2.md (row B18 for the Massachusetts signature month).
"""

from __future__ import annotations

from frkg import CANONICAL_BASE

ID = CANONICAL_BASE + "id/"
FRKG = CANONICAL_BASE + "ontology#"
PREFIXES = f"""
PREFIX frkg:   <{FRKG}>
PREFIX id:     <{ID}>
PREFIX rdfs:   <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd:    <http://www.w3.org/2001/XMLSchema#>
PREFIX dct:    <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
"""


def rows(kg, query: str) -> list[dict[str, str | None]]:
    solutions = kg.store.query(PREFIXES + query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [
        {n: (t.value if t is not None else None) for n, t in zip(names, r, strict=True)}
        for r in solutions
    ]


def one(kg, subject: str, predicate: str) -> set[str]:
    return {r["o"] for r in rows(kg, f"SELECT ?o {{ id:{subject} {predicate} ?o }}")}


def ask(kg, query: str) -> bool:
    return bool(kg.store.query(PREFIXES + query, use_default_graph_as_union=True))


def test_correction_port_of_seattle_order_2021_06_is_adopted_not_introduced(kg):
    # facts.md row 15: "adopted (per Security Magazine)"; only the adoption date is unverified.
    assert one(kg, "port-of-seattle-order-2021-06", "frkg:status") == {FRKG + "status-enacted"}
    adopted = rows(
        kg,
        """SELECT ?d ?nb ?s { ?e frkg:policy id:port-of-seattle-order-2021-06 ;
            frkg:eventType frkg:event-final-vote ; frkg:resultingStatus ?s .
            OPTIONAL { ?e dct:date ?d } OPTIONAL { ?e frkg:notBefore ?nb } }""",
    )
    # The adoption is a step without a day: not before the draft's "PROPOSED JULY 13, 2021".
    assert adopted == [{"d": None, "nb": "2021-07-13", "s": FRKG + "status-enacted"}]


def test_correction_massachusetts_police_reform_is_signed_and_its_vote_passed_a_ban(kg):
    # facts.md row 18: "signed into law (ACLU-MA)"; facts-2.md B18: signed "in December 2020".
    policy = "massachusetts-police-reform-facial-recognition-limits"
    assert one(kg, policy, "frkg:status") == {FRKG + "status-enacted"}
    signed = rows(
        kg,
        f"""SELECT ?d (DATATYPE(?d) AS ?t) {{ ?e frkg:policy id:{policy} ;
            frkg:eventType frkg:event-signed ; dct:date ?d }}""",
    )
    assert signed == [{"d": "2020-12", "t": "http://www.w3.org/2001/XMLSchema#gYearMonth"}]
    # The day-dated step of 2020-12-01 passed a first version that contained a ban: it says so,
    # and it is not the final vote.
    vote = rows(
        kg,
        f"""SELECT ?type ?label ?caution {{ ?e frkg:policy id:{policy} ;
            dct:date "2020-12-01"^^xsd:date ;
            frkg:eventType ?type ; rdfs:label ?label ; frkg:caution ?caution }}""",
    )
    assert [r["type"] for r in vote] == [FRKG + "event-first-vote"]
    assert (
        "ban" in vote[0]["label"] and "contained the facial-recognition ban" in vote[0]["caution"]
    )


def test_correction_port_of_seattle_motion_2019_13_was_in_force_then_superseded(kg):
    # facts.md row 14: adopted 2019-12-10 (Crosscut: "voted last month to enact a moratorium"),
    # superseded/extended by Order 2021-06 (row 15).
    motion = "port-of-seattle-motion-2019-13"
    steps = rows(
        kg,
        f"""SELECT ?type ?d ?nb ?s {{ ?e frkg:policy id:{motion} ; frkg:eventType ?type ;
            frkg:resultingStatus ?s . OPTIONAL {{ ?e dct:date ?d }}
            OPTIONAL {{ ?e frkg:notBefore ?nb }} }}
            ORDER BY ?type""",
    )
    assert steps == [
        {
            "type": FRKG + "event-final-vote",
            "d": "2019-12-10",
            "nb": None,
            "s": FRKG + "status-in-force",
        },
        {
            "type": FRKG + "event-superseded",
            "d": None,
            "nb": "2021-07-13",
            "s": FRKG + "status-superseded",
        },
    ]
    assert ask(
        kg,
        """ASK { id:port-of-seattle-order-2021-06
                    frkg:supersedes id:port-of-seattle-motion-2019-13 ;
                    frkg:extends id:port-of-seattle-motion-2019-13 .
                 id:port-of-seattle-motion-2019-13
                    frkg:supersededBy id:port-of-seattle-order-2021-06 ;
                    frkg:extendedBy id:port-of-seattle-order-2021-06 }""",
    )


def test_correction_vermont_s124_status_date_is_the_signature_month_not_a_report_date(kg):
    dates = rows(kg, "SELECT ?d (DATATYPE(?d) AS ?t) { id:vermont-s-124 frkg:statusDate ?d }")
    assert dates == [{"d": "2020-10", "t": "http://www.w3.org/2001/XMLSchema#gYearMonth"}]
    assert any(
        "2020-10-15 is the date of the Tenth Amendment Center's report" in c
        for c in one(kg, "vermont-s-124", "frkg:caution")
    )


def test_correction_amazon_2020_moratorium_is_on_police_use_not_on_sales(kg):
    # facts.md row 4: "a one-year moratorium on police use of Amazon's facial recognition".
    for policy in (
        "amazon-rekognition-police-moratorium-2020",
        "amazon-rekognition-police-moratorium-extension-2021",
    ):
        assert one(kg, policy, "frkg:policyKind") == {FRKG + "kind-moratorium"}
        assert one(kg, policy, "frkg:scope") == {FRKG + "scope-law-enforcement-use"}


def test_correction_coalition_paraphrases_carry_only_what_the_article_says(kg):
    # "The coalition highlighted ..." / "..., the coalition said": no channel, no date.
    for name in ("positive-police-uses", "bigger-role-in-investigations"):
        node = f"open-letter-coalition-2019-paraphrase-{name}"
        assert one(kg, node, "frkg:channel") == set()
        assert one(kg, node, "dct:date") == set()
    # "a coalition ... is responding to a backlash ... by calling on lawmakers": the coalition
    # responds, not the lawmakers.
    (text,) = one(
        kg, "open-letter-coalition-2019-paraphrase-oversight-instead-of-bans", "frkg:paraphraseText"
    )
    assert "the coalition calls on lawmakers to provide oversight instead of bans" in text
    assert "tools, lawmakers should" not in text


def test_correction_claims_not_in_facts_md_are_removed(kg):
    (label,) = one(kg, "national-police-foundation-author-archive", "rdfs:label")
    assert "Erica Richardson" not in label
    assert one(kg, "microsoft-2018-facial-recognition-blog-post", "schema:author") == set()
    text = " ".join(r["o"] for r in rows(kg, "SELECT ?o { ?s ?p ?o FILTER(isLiteral(?o)) }"))
    assert "Erica Richardson" not in text


def test_correction_cordua_figure_is_what_the_article_reports_not_a_fact_about_thorn(kg):
    node = "julie-cordua-paraphrase-eight-missing-children-daily"
    # Attributed to the article, which reports what she "has said"; not spoken for Thorn.
    assert one(kg, node, "frkg:speaker") == {ID + "the-seattle-times"}
    assert one(kg, node, "frkg:speaksFor") == set()
    (label,) = one(kg, node, "rdfs:label")
    assert label.startswith("The Seattle Times reports") and "not verified" in label
    (caution,) = one(kg, node, "frkg:caution")
    assert "unverified" in caution and "not a fact about Thorn" in caution
    # The figure appears nowhere else in the data: only the paraphrase and the excerpt of the
    # article that its own citation quotes (CONTRIBUTING rule 13) hold it.
    holders = rows(
        kg,
        f"""SELECT DISTINCT ?s {{ ?s ?p ?o
            FILTER(isLiteral(?o) && CONTAINS(STR(?o), "eight missing"))
            FILTER NOT EXISTS {{ id:{node} frkg:citation ?s }} }}""",
    )
    assert [r["s"] for r in holders] == [ID + node]


def test_correction_a_proposal_without_jurisdiction_is_rejected(kg):
    """A proposal aimed at lawmakers names their place; a company's own says it has none."""
    from frkg import validate
    from frkg.config import Settings

    from conftest import FIXTURES, ROOT

    report = validate.validate(
        Settings.from_env(
            {},
            ontology=[str(ROOT / "ontology")],
            data=[str(FIXTURES / "bad" / "proposal-without-jurisdiction.ttl")],
            shapes=[str(ROOT / "shapes")],
        )
    )
    assert not report.conforms
    assert any("names no jurisdiction" in r.message for r in report.results)
    # Every proposal in the data does one or the other.
    missing = rows(
        kg,
        """SELECT ?p { ?p a frkg:PolicyProposal .
            FILTER NOT EXISTS { ?p frkg:jurisdiction ?j }
            FILTER NOT EXISTS { ?p frkg:hasNoJurisdiction true } }""",
    )
    assert missing == []


def test_no_caution_says_what_an_unverified_item_says(kg):
    """CONTRIBUTING.md, "Left out, on purpose": a caution may say that a believed or unverified
    thing exists, never what it says (no "believed 2020-10-07")."""
    rows = kg.store.query(
        "SELECT ?s ?text WHERE { ?s ?p ?text "
        'FILTER(isLiteral(?text) && REGEX(?text, "believed", "i")) '
        'FILTER(STRSTARTS(STR(?s), "https://w3id.org/frkg/id/")) }',
        use_default_graph_as_union=True,
    )
    assert [(r["s"].value, r["text"].value) for r in rows] == []
