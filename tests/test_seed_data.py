"""The seed article's graph: quotes verbatim, facts pinned, every node labelled and sourced.

The facts pinned here come from the founding article (``../shared/reference``) and the sources
``facts.md`` marks verified; CONTRIBUTING.md states the rules the generic checks enforce.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from frkg.namespaces import prefixes

from conftest import SHARED_REFERENCE, reference_text
from doc_examples import page_text

ID = "https://w3id.org/frkg/id/"
FRKG = "https://w3id.org/frkg/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"

# CI checks out ../shared beside the clone, as on a developer's machine.
ARTICLE_FILE = SHARED_REFERENCE / "000_7d96922bd44ebb31.txt"
ARTICLE = "seattle-times-2019-tech-and-police-groups"
LETTER = "open-letter-to-congress-on-facial-recognition-2019"
COALITION = "open-letter-coalition-2019"

# (slug, verbatim text, speaker, speaks for, source): Q1-Q4 from the article, A1-A3 from others.
QUOTES = [
    (
        "open-letter-2019-quote-bans-keep-tool-from-police",
        "bans would keep this important tool out of the hands of law enforcement officers, making "
        "it harder for them to do their jobs efficiently, stay safe, and protect our communities.",
        COALITION,
        None,
        ARTICLE,
    ),
    (
        "evan-greer-2019-quote-companies-should-not-write-the-laws",
        "The companies that stand to profit from the sale of facial recognition should not be "
        "writing the laws that govern it,",
        "evan-greer",
        "fight-for-the-future",
        ARTICLE,
    ),
    (
        "evan-greer-2019-quote-skeptical-of-law-enforcement-claims",
        "And we should be skeptical of claims from law enforcement agencies that have a long track "
        "record of abusing their existing surveillance tools to target marginalized people and "
        "crack down on dissent.",
        "evan-greer",
        "fight-for-the-future",
        ARTICLE,
    ),
    (
        "sean-whitcomb-2019-quote-probable-cause",
        "using artificial intelligence to help establish probable cause,",
        "sean-whitcomb",
        "seattle-police-department",
        ARTICLE,
    ),
    (
        "jeff-bezos-2019-quote-working-on-regulations",
        "Our public policy team is actually working on facial recognition regulations, and it "
        "makes a lot of sense to regulate that,",
        "jeff-bezos",
        "amazon",
        "reuters-2019-bezos-facial-recognition-regulations",
    ),
    (
        "jeff-bezos-2019-quote-positive-uses-and-abuses",
        "It's a perfect example of something that has really positive uses, so you don't want to "
        "put the brakes on it. At the same time, there's lots of potential for abuses with that "
        "kind of technology, and so you do want regulations.",
        "jeff-bezos",
        "amazon",
        "reuters-2019-bezos-facial-recognition-regulations",
    ),
    (
        "evan-greer-2019-quote-nuclear-weapons",
        "Imagine if we could go back in time and prevent governments around the world from ever "
        "building nuclear or biological weapons. That\u2019s the moment in history we\u2019re in "
        "right now with facial recognition,",
        "evan-greer",
        "fight-for-the-future",
        "fight-for-the-future-2019-07-09-press-release",
    ),
    (
        "evan-greer-2019-quote-ban-it-entirely",
        "This surveillance technology poses such a profound threat to the future of human society "
        "and basic liberty that its dangers far outweigh any potential benefits. "
        "We don\u2019t need to regulate it, we need to ban it entirely.",
        "evan-greer",
        "fight-for-the-future",
        "fight-for-the-future-2019-07-09-press-release",
    ),
    (
        "open-letter-2019-quote-ban-not-best-option",
        "While we agree that it is important to have effective oversight and accountability of "
        "these tools to uphold and protect civil liberties, we disagree that a ban is the best "
        "option to move forward.",
        COALITION,
        None,
        LETTER,
    ),
    (
        "open-letter-2019-quote-alternatives-to-bans",
        "These alternatives may include expanding testing and performance standards, the "
        "development of best practices and guidance for law enforcement, and additional training "
        "for different uses of the technology.",
        COALITION,
        None,
        LETTER,
    ),
]

# (person, organization, role, title as the article words it)
MEMBERSHIPS = [
    ("julie-cordua", "thorn", "role-chief-executive-officer", "Thorn CEO"),
    (
        "james-burch",
        "national-police-foundation",
        "role-president",
        "president of the National Police Foundation",
    ),
    ("jeff-bezos", "amazon", "role-chief-executive-officer", "Amazon CEO"),
    (
        "evan-greer",
        "fight-for-the-future",
        "role-deputy-director",
        "deputy director of Fight for the Future",
    ),
    ("sean-whitcomb", "seattle-police-department", "role-spokesperson", "spokesman"),
]

# The stance summary of facts.md: (actor, stances it must take, stances it must not take).
STANCES = [
    ("fight-for-the-future", {"supports-ban", "opposes-industry-written-rules"}, {"opposes-ban"}),
    (
        "evan-greer",
        {"supports-ban", "opposes-industry-written-rules", "skeptical-of-law-enforcement"},
        {"opposes-ban", "supports-regulation"},
    ),
    (COALITION, {"opposes-ban", "supports-oversight"}, {"supports-ban"}),
    ("itif", {"opposes-ban", "supports-oversight"}, {"supports-ban"}),
    ("national-police-foundation", {"opposes-ban", "supports-oversight"}, {"supports-ban"}),
    ("james-burch", {"opposes-ban", "supports-oversight", "supports-use"}, {"supports-ban"}),
    ("amazon", {"supports-regulation"}, {"supports-ban", "opposes-ban"}),
    ("jeff-bezos", {"supports-regulation"}, {"supports-ban", "opposes-ban"}),
]
NO_POSITION_ONLY = ["seattle-police-department", "sean-whitcomb", "the-seattle-times"]


def select(kg, query: str, **bindings: str) -> list[dict[str, ox.NamedNode | ox.Literal]]:
    """Run a SELECT over the union of all graphs; ``bindings`` replace ``?name`` with id:slug."""
    # pyoxigraph's own substitutions only bind projected variables, so the IRIs go in the text.
    for name, value in bindings.items():
        query = re.sub(rf"\?{name}\b", f"<{ID}{value}>", query)
    solutions = kg.store.query(query, prefixes=prefixes(kg.base), use_default_graph_as_union=True)
    return [{v.value: s[v] for v in solutions.variables if s[v] is not None} for s in solutions]


def values(kg, query: str, var: str = "x", **bindings: str) -> set[str]:
    """The lexical values (IRIs or literal text) of one variable over all solutions."""
    return {row[var].value for row in select(kg, query, **bindings) if var in row}


def slug(term: ox.NamedNode) -> str:
    """The slug of an entity IRI under the canonical base (fails on anything else)."""
    assert term.value.startswith(ID), term
    return term.value[len(ID) :]


def data_graph_filter(kg) -> str:
    """SPARQL filter keeping the graphs of data files, except the dataset's own description."""
    data = f"{kg.base}graph/data/"
    return f'FILTER(STRSTARTS(STR(?g), "{data}") && ?g != <{data}dataset>)'


@pytest.fixture(scope="module")
def article_text() -> str:
    """The founding article's text, as the quotes must match it."""
    return reference_text(ARTICLE_FILE.name)


# --- quotes ----------------------------------------------------------------------------------


def test_every_quote_citing_the_article_occurs_verbatim_in_it(kg, article_text):
    quotes = select(
        kg,
        "SELECT ?q ?text { ?q a frkg:Quote ; dct:source ?article ; frkg:verbatimText ?text }",
        article=ARTICLE,
    )
    assert len(quotes) >= 4
    missing = [slug(r["q"]) for r in quotes if r["text"].value not in article_text]
    assert missing == []


def test_article_quote_texts_are_the_words_between_its_quotation_marks(kg, article_text):
    printed = set(re.findall("\u201c([^\u201d]*)\u201d", article_text))
    recorded = values(
        kg,
        "SELECT ?x { ?q a frkg:Quote ; dct:source ?article ; frkg:verbatimText ?x }",
        article=ARTICLE,
    )
    assert printed == recorded  # every quoted passage of the article, and nothing else


@pytest.mark.parametrize(
    "quote, text, speaker, speaks_for, source", QUOTES, ids=[q[0] for q in QUOTES]
)
def test_quote_text_speaker_organization_and_source(kg, quote, text, speaker, speaks_for, source):
    (row,) = select(
        kg,
        "SELECT ?text ?lang ?speaker { ?q a frkg:Quote ; frkg:verbatimText ?text ; "
        "frkg:speaker ?speaker . BIND(LANG(?text) AS ?lang) }",
        q=quote,
    )
    assert (row["text"].value, row["lang"].value) == (text, "en")
    assert slug(row["speaker"]) == speaker
    orgs = values(kg, "SELECT ?x { ?q frkg:speaksFor ?x }", q=quote)
    assert orgs == ({ID + speaks_for} if speaks_for else set())
    assert ID + source in values(kg, "SELECT ?x { ?q dct:source ?x }", q=quote)


# --- pinned facts -----------------------------------------------------------------------------


def test_article_record(kg):
    (row,) = select(
        kg,
        "SELECT ?url ?publisher ?date ?series ?copy { ?a a frkg:NewsArticle ; schema:url ?url ; "
        "schema:publisher ?publisher ; schema:datePublished ?date ; schema:isPartOf ?series ; "
        "frkg:republishedAs ?copy }",
        a=ARTICLE,
    )
    assert row["url"].value == (
        "https://www.seattletimes.com/business/technology/"
        "tech-and-police-groups-urge-lawmakers-not-to-ban-facial-recognition/"
    )
    assert slug(row["publisher"]) == "the-seattle-times"
    # Only the month is verified; a day would be a guess.
    assert (row["date"].value, row["date"].datatype.value) == ("2019-09", XSD + "gYearMonth")
    assert slug(row["series"]) == "the-ai-age"
    assert slug(row["copy"]) == "activist-post-2019-tech-and-police-groups"
    funders = values(kg, "SELECT ?x { ?s schema:funder ?x }", s="the-ai-age")
    assert funders == {ID + "harvard-mit-ethics-and-governance-of-ai-initiative"}


def test_open_letter_date_count_addressee_and_named_signatories(kg):
    (row,) = select(
        kg,
        "SELECT ?date ?count ?to ?url { ?l a frkg:OpenLetter ; schema:datePublished ?date ; "
        "frkg:signatoryCount ?count ; frkg:addressee ?to ; schema:url ?url }",
        l=LETTER,
    )
    assert (row["date"].value, row["date"].datatype.value) == ("2019-09-26", XSD + "date")
    assert row["count"].value == "39"
    assert row["count"].datatype.value == XSD + "integer"
    assert slug(row["to"]) == "united-states-congress"
    assert row["url"].value == (
        "https://itif.org/publications/2019/09/26/open-letter-congress-facial-recognition"
    )
    signatories = {slug(r["x"]) for r in select(kg, "SELECT ?x { ?l frkg:signatory ?x }", l=LETTER)}
    assert signatories == {
        "itif",
        "national-police-foundation",
        "james-burch",
        "hid-global",
        "iris-id-systems",
        "security-industry-association",
    }
    members = values(kg, "SELECT ?x { ?c org:hasMember ?x }", c=COALITION)
    assert {ID + s for s in signatories - {"james-burch"}} == members


def test_fight_for_the_future_campaign_launched_2019_07_09(kg):
    (row,) = select(
        kg,
        "SELECT ?date ?organizer ?policy ?proposer { ?c a frkg:Campaign ; schema:startDate ?date ;"
        " frkg:organizer ?organizer ; frkg:advocates ?policy . ?policy frkg:proposedBy ?proposer }",
        c="fight-for-the-future-ban-campaign-2019",
    )
    assert (row["date"].value, row["date"].datatype.value) == ("2019-07-09", XSD + "date")
    assert slug(row["organizer"]) == slug(row["proposer"]) == "fight-for-the-future"
    assert slug(row["policy"]) == "federal-ban-on-government-facial-recognition"


def test_amazon_announced_its_proposed_legislation_on_2019_09_25(kg):
    (row,) = select(
        kg,
        "SELECT ?date ?type ?status { ?e a frkg:PolicyEvent ; frkg:policy ?p ; dct:date ?date ; "
        "frkg:eventType ?type ; frkg:resultingStatus ?status }",
        p="amazon-proposed-facial-recognition-legislation",
    )
    assert (row["date"].value, row["date"].datatype.value) == ("2019-09-25", XSD + "date")
    assert row["type"].value == FRKG + "event-announced"
    assert row["status"].value == FRKG + "status-proposed"


@pytest.mark.parametrize(
    "policy, proposer, kind, scope",
    [
        ("amazon-proposed-facial-recognition-legislation", "amazon", "regulation", "not-stated"),
        (
            "federal-ban-on-government-facial-recognition",
            "fight-for-the-future",
            "ban",
            "government-use",
        ),
        (
            "alternatives-to-facial-recognition-bans-2019",
            COALITION,
            "regulation",
            "law-enforcement-use",
        ),
    ],
)
def test_proposed_policies(kg, policy, proposer, kind, scope):
    (row,) = select(
        kg,
        "SELECT ?by ?kind ?scope ?status ?where { ?p a frkg:PolicyProposal ; "
        "frkg:proposedBy ?by ; frkg:policyKind ?kind ; frkg:scope ?scope ; frkg:status ?status ; "
        "frkg:jurisdiction ?where }",
        p=policy,
    )
    assert slug(row["by"]) == proposer
    assert row["kind"].value == FRKG + "kind-" + kind
    assert row["scope"].value == FRKG + "scope-" + scope
    assert row["status"].value == FRKG + "status-proposed"
    assert slug(row["where"]) == "united-states"


@pytest.mark.parametrize(
    "use, user, product, status",
    [
        ("thorn-use-of-amazon-rekognition", "thorn", "amazon-rekognition", "in-use"),
        (
            "seattle-police-use-of-facial-recognition",
            "seattle-police-department",
            "booking-photo-comparison-software",
            "discontinued",
        ),
    ],
)
def test_technology_uses(kg, use, user, product, status):
    (row,) = select(
        kg,
        "SELECT ?user ?status ?caution { ?u a frkg:TechnologyUse ; frkg:user ?user ; "
        "frkg:status ?status ; frkg:caution ?caution }",
        u=use,
    )
    assert slug(row["user"]) == user
    assert row["status"].value == FRKG + "status-" + status
    assert ID + product in values(kg, "SELECT ?x { ?u frkg:product ?x }", u=use)
    # Neither product is named by the article; the caution must say where the name comes from.
    assert "does not name" in row["caution"].value


@pytest.mark.parametrize("person, organization, role, title", MEMBERSHIPS)
def test_role_held_as_w3c_org_membership(kg, person, organization, role, title):
    (row,) = select(
        kg,
        "SELECT ?m ?title { ?m a org:Membership ; org:member ?person ; org:organization ?org ; "
        "org:role ?role ; frkg:title ?title }",
        person=person,
        org=organization,
        role=role,
    )
    assert row["title"].value == title
    shortcut = values(kg, "SELECT ?x { ?person org:memberOf ?x }", person=person)
    assert shortcut == {ID + organization}


def test_wikidata_links_are_the_verified_ones(kg):
    links = {
        (slug(r["s"]), r["o"].value)
        for r in select(kg, "SELECT ?s ?o { ?s owl:sameAs ?o }")
        if r["s"].value.startswith(ID)
    }
    assert ("amazon", "http://www.wikidata.org/entity/Q3884") in links
    assert ("jeff-bezos", "http://www.wikidata.org/entity/Q312556") in links
    assert all(re.fullmatch(r"http://www\.wikidata\.org/entity/Q[1-9]\d*", o) for _, o in links)


# --- stances ----------------------------------------------------------------------------------

# An actor's stances: those of statements it makes or is spoken for in, of statements made by a
# coalition it belongs to, and of statements made in a letter it signed.
ACTOR_STANCES = """
SELECT DISTINCT ?x {
  ?st frkg:stance ?x .
  { ?st frkg:speaker ?actor } UNION { ?st frkg:speaksFor ?actor }
  UNION { ?st frkg:speaker ?coalition . ?coalition a frkg:Coalition ; org:hasMember ?actor }
  UNION { ?st frkg:channel ?letter . ?letter a frkg:OpenLetter ; frkg:signatory ?actor }
}"""


@pytest.mark.parametrize("actor, required, forbidden", STANCES, ids=[s[0] for s in STANCES])
def test_actor_stances_follow_the_sources(kg, actor, required, forbidden):
    stances = {s.removeprefix(FRKG + "stance-") for s in values(kg, ACTOR_STANCES, actor=actor)}
    assert required <= stances
    assert not (forbidden & stances)


@pytest.mark.parametrize("actor", NO_POSITION_ONLY)
def test_reporters_of_facts_take_no_position(kg, actor):
    stances = values(kg, ACTOR_STANCES, actor=actor)
    assert stances == {FRKG + "stance-no-position"}


def test_every_stance_is_a_concept_of_the_stance_scheme(kg):
    outside = values(
        kg,
        "SELECT ?x { ?st frkg:stance ?x FILTER NOT EXISTS { ?x skos:inScheme frkg:StanceScheme } }",
    )
    assert outside == set()


# --- rules every node follows -----------------------------------------------------------------


def test_every_node_has_exactly_one_english_label(kg):
    rows = select(
        kg,
        "SELECT ?s (COUNT(DISTINCT ?label) AS ?n) { GRAPH ?g { ?s ?p ?o } "
        f'FILTER(STRSTARTS(STR(?g), "{kg.base}graph/data/")) '
        f"{NOT_A_CITATION} "
        'OPTIONAL { ?s rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) } } GROUP BY ?s',
    )
    assert rows, "no data loaded"
    wrong = sorted(r["s"].value for r in rows if int(r["n"].value) != 1)
    assert wrong == []


def test_every_source_has_a_url(kg):
    rows = select(
        kg,
        "SELECT ?s ?url ?publisher { GRAPH ?g { ?s a ?c } ?c rdfs:subClassOf* frkg:Source "
        f"{data_graph_filter(kg)} OPTIONAL {{ ?s schema:url ?url }} "
        "OPTIONAL { ?s schema:publisher ?publisher } }",
    )
    assert len(rows) >= 13
    bad = sorted(slug(r["s"]) for r in rows if "url" not in r or "publisher" not in r)
    assert bad == []
    assert all(r["url"].datatype.value == XSD + "anyURI" for r in rows)


def test_every_other_node_cites_a_source_that_has_a_url(kg):
    rows = select(
        kg,
        "SELECT DISTINCT ?s { GRAPH ?g { ?s ?p ?o } "
        f"{data_graph_filter(kg)} "
        "FILTER NOT EXISTS { ?s a ?c . ?c rdfs:subClassOf* frkg:Source } "
        "FILTER NOT EXISTS { ?s a org:Role } "
        f"{NOT_A_CITATION} "
        "FILTER NOT EXISTS { ?s dct:source ?src . ?src schema:url ?url . "
        "  ?src a ?sc . ?sc rdfs:subClassOf* frkg:Source } }",
    )
    assert [r["s"].value for r in rows] == []


def test_no_entity_is_referenced_without_being_described(kg):
    referenced = values(
        kg,
        "SELECT DISTINCT ?x { GRAPH ?g { ?s ?p ?x } "
        f'FILTER(isIRI(?x) && STRSTARTS(STR(?x), "{ID}") '
        f'&& STRSTARTS(STR(?g), "{kg.base}graph/")) }}',
    )
    described = values(
        kg, f'SELECT DISTINCT ?x {{ ?x a ?type FILTER(STRSTARTS(STR(?x), "{ID}")) }}'
    )
    dangling = {iri.removeprefix(ID) for iri in referenced - described}
    assert dangling == set()


def test_every_vocabulary_term_used_in_data_is_defined_in_the_ontology(kg):
    used = values(
        kg,
        "SELECT DISTINCT ?x { GRAPH ?g { ?s ?p ?o } "
        f'FILTER(STRSTARTS(STR(?g), "{kg.base}graph/data/")) '
        "VALUES ?pos { 1 2 } BIND(IF(?pos = 1, ?p, ?o) AS ?x) "
        f'FILTER(STRSTARTS(STR(?x), "{FRKG}") && ?x != <{FRKG}>) }}',
    )
    ontology = f"{kg.base}graph/ontology/"
    defined = values(
        kg,
        f'SELECT DISTINCT ?x {{ GRAPH ?g {{ ?x a ?t }} FILTER(STRSTARTS(STR(?g), "{ontology}")) }}',
    )
    assert used and used <= defined, sorted(used - defined)


def test_no_blank_nodes_in_data_but_citations(kg):
    """CONTRIBUTING.md rules 1 and 13: the only blank nodes are the citations of the node citing
    them, each cited by exactly one node."""
    rows = select(
        kg,
        "SELECT ?s ?o { GRAPH ?g { ?s ?p ?o } "
        f'FILTER(STRSTARTS(STR(?g), "{kg.base}graph/data/") && (isBlank(?s) || isBlank(?o))) '
        "FILTER((isBlank(?s) && NOT EXISTS { ?s a frkg:Citation }) "
        "       || (isBlank(?o) && NOT EXISTS { ?o a frkg:Citation })) } LIMIT 5",
    )
    assert rows == []
    shared = select(
        kg,
        "SELECT ?c { ?a frkg:citation ?c . ?b frkg:citation ?c FILTER(?a != ?b) } LIMIT 5",
    )
    assert shared == []


# --- docs/data-model.md's table agrees with the data -------------------------------------------


#: A citation is a blank node of the claim citing it (CONTRIBUTING.md rule 13), not an entity.
NOT_A_CITATION = "FILTER NOT EXISTS { ?s a frkg:Citation }"


def docs_data_model_rows() -> list[tuple[str, str]]:
    """(class IRI, example IRI) for each row of the class table in docs/data-model.md."""
    text = page_text("docs/data-model.md")
    names = prefixes()
    rows = []
    for cls, example in re.findall(r"^\| `(\w+:\w+)` \|[^\n]*\| `(id:[\w-]+)` \|$", text, re.M):
        prefix, local = cls.split(":")
        rows.append((names[prefix] + local, ID + example.removeprefix("id:")))
    return rows


def test_docs_data_model_table_lists_every_class_used_in_data(kg):
    rows = docs_data_model_rows()
    used = values(
        kg,
        "SELECT DISTINCT ?x { GRAPH ?g { ?s a ?x } "
        f'FILTER(STRSTARTS(STR(?g), "{kg.base}graph/data/")) }}',
    )
    assert used and used <= {cls for cls, _ in rows}, sorted(used - {cls for cls, _ in rows})


def test_docs_data_model_examples_exist_with_their_class(kg):
    rows = docs_data_model_rows()
    assert len(rows) >= 30
    # A citation's example is the claim that cites it.
    typed = {
        (r["t"].value, r["s"].value)
        for r in select(kg, "SELECT ?s ?t { { ?s a ?t } UNION { ?s frkg:citation/a ?t } }")
    }
    assert [row for row in rows if row not in typed] == []
