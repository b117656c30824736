"""Seeded synthetic generator of debate-shaped frkg data, for benchmarks and engine comparisons.

    python bench/generate.py --triples 1M --out bench/scratch/1m [--seed 7]

Writes Turtle files (data only; the real ``ontology/frkg.ttl`` is reused) against the canonical
base ``https://w3id.org/frkg/id/``, following CONTRIBUTING.md's modelling rules: places in a
``schema:containedInPlace`` hierarchy, organizations of the frkg classes, people with
``org:Membership`` roles, sources with ``schema:url``, legislation, corporate policies and
proposals with their dated ``frkg:PolicyEvent`` steps, technologies, products and their uses, and
quotes and paraphrases with speaker, ``frkg:speaksFor``, stance, source and date.

The shape is skewed like a real debate: one hub organization receives about 1.4% of all triples as
incoming links (the 14,000-backlink hub of a 1M-triple dataset), other organizations, sources and
policies are picked with Zipf weights (a few popular, a long tail), and labels carry accents,
apostrophes, mixed case and a few non-English language tags so label search is exercised. Dates
mix ``xsd:date``, ``xsd:gYearMonth`` and ``xsd:gYear``. Some cities lie in two counties, so the
place hierarchy has diamonds (two routes to one ancestor) for property paths. Everything here is
fictional: the names are drawn from word lists and the URLs use the reserved ``.example`` domain.
Never publish it.

The same seed gives byte-identical files. ``manifest.json`` beside the Turtle files records the
seed, the triple count of each file, the count of each class and the IRIs of the hubs.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import click

GENERATOR_VERSION = "2"
BASE = "https://w3id.org/frkg/id/"
HUB_SHARE = 0.014  # incoming links of the hub organization, as a share of all triples
FILES = (
    "roles",
    "places",
    "organizations",
    "people",
    "sources",
    "technologies",
    "policies",
    "statements",
)
PREFIXES = """@prefix id:     <https://w3id.org/frkg/id/> .
@prefix frkg:   <https://w3id.org/frkg/ontology#> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .
@prefix skos:   <http://www.w3.org/2004/02/skos/core#> .
@prefix dct:    <http://purl.org/dc/terms/> .
@prefix foaf:   <http://xmlns.com/foaf/0.1/> .
@prefix org:    <http://www.w3.org/ns/org#> .
@prefix schema: <https://schema.org/> .
@prefix prov:   <http://www.w3.org/ns/prov#> .
"""

# Word lists: accents, apostrophes (curly and straight), particles and mixed case on purpose.
# fmt: off
GIVEN = (
    "José", "Zoë", "Ólafur", "Renée", "Søren", "Ngozi", "François", "Łukasz", "Đorđe", "Aoife",
    "Saoirse", "Chloé", "Björn", "Anaïs", "Ji-woo", "Mía", "Noémie", "Tomás", "Åsa", "Ignacy",
    "Kwame", "Priya", "Mateus", "Hélène", "Jürgen", "Dolores", "Thandiwe", "Yusuf", "Ingrid",
    "Raúl", "Siobhán", "Émile", "Zeynep", "Bartholomew", "Leilani", "Oğuz", "Marisol", "Hyun-ae",
    "DeShawn", "LaToya", "Evan", "Julie", "Ana", "Ming", "Fatima", "Olu", "Greta", "Ramón",
)
FAMILY = (
    "Müller", "Nguyễn", "O’Brien", "McKenzie", "de la Cruz", "DeLuca", "van Dijk", "Çelik",
    "Sánchez", "Żukowski", "Ólafsdóttir", "Kowalczyk", "d’Almeida", "MacLeod", "García-Márquez",
    "Okonkwo", "Lefèvre", "Støre", "Ångström", "Dvořák", "Papadopoulos", "Abernathy", "Iñiguez",
    "Rossi", "Schäfer", "Fernández", "Kim", "Bianchi", "LeBlanc", "Haddad", "Ferreira",
    "Nakamura", "Janssen", "Novák", "St. Clair", "Ó Súilleabháin", "Brontë", "Gonçalves", "Weiß",
    "O'Connor", "Łukaszewicz", "Al-Rashid", "von Trapp", "Smith", "Greer", "Cordua", "Wexler",
)
PLACE_ROOTS = (
    "Aubérive", "Castellón", "Fjällby", "Mérignac", "Kraśnik", "Ölandsvik", "Tiquipaya",
    "Ríohondo", "Brückenau", "Čadež", "Oakhaven", "Greywater", "Ashbourne", "Île-Verte",
    "Kaçanik", "Sønderå", "Ștefănești", "Valdoré", "Quillota", "Hœnheim", "Þórsvík", "Zaragüeta",
    "Marlowe", "Northfield", "Esperanza", "Kirkwall", "Rivière-Noire", "Tōkai", "Vila Nova",
    "Smörgen", "Bellwether", "Coeur d’Alène", "Ste. Agathe", "Puerto Ñandú", "Gdańskie",
)
PLACE_PREFIXES = ("", "", "", "Saint-", "Nueva ", "Bad ", "Port ", "Villa ", "Mont-", "North ")
COMPANY_WORDS = (
    "Visagé", "Ocellus", "Lumière", "Mirrorwise", "Gesichtskraft", "Pixelmark", "Argus",
    "Iriscape", "nuFace", "eyeQ", "VISAGE", "Rostro", "FaceLedger", "Kamerø", "OptiÇa", "iDentify",
)
ORG_CLASSES = (
    # class, relative weight, label templates ({place}, {word})
    ("AdvocacyOrganization", 20, (
        "{place} Civil Liberties Union", "Liga Ciudadana de {place}",
        "Digital Rights Watch {place}", "Bürgerrechte {place} e.V.", "Fight for {place}’s Future",
        "Ligue des droits numériques de {place}",
    )),
    ("ThinkTank", 5, ("{place} Institute for Policy Studies", "Centre d’études {place}",
                      "Fundación {place} para la Tecnología")),
    ("PoliceFoundation", 3, ("{place} Police Foundation", "Friends of the {place} Police")),
    ("TradeAssociation", 4, ("{place} Security Industry Association",
                             "Verband der Sicherheitsindustrie {place}")),
    ("Company", 18, ("{word} Vision Inc.", "{word}Tech AG", "{word} Biométrie SA",
                     "{word} Labs LLC", "{word} {place} GmbH")),
    ("NewsOrganization", 14, ("The {place} Gazette", "{place} Times", "Le Courrier de {place}",
                              "{place} Tribune", "Radio {place}")),
    ("AcademicOrganization", 6, ("Center on Privacy at {place} University",
                                 "Université de {place} Surveillance Lab")),
    ("Legislature", 10, ("{place} City Council", "{place} Board of Supervisors",
                         "{place} State Legislature")),
    ("GovernmentAgency", 5, ("{place} Port Authority", "{place} Standards Institute")),
    ("PoliceDepartment", 10, ("{place} Police Department", "{place} Sheriff’s Office")),
    ("Coalition", 3, ("Ban Face Surveillance Coalition of {place}", "{place} Privacy Coalition")),
    ("NonprofitOrganization", 2, ("{place} Community Foundation",)),
)
ROLES = (
    ("role-chief-executive-officer", "chief executive officer", "CEO"),
    ("role-president", "president", "president"),
    ("role-executive-director", "executive director", "executive director"),
    ("role-deputy-director", "deputy director", "deputy director"),
    ("role-spokesperson", "spokesperson", "spokesperson"),
    ("role-policy-counsel", "policy counsel", "policy counsel"),
    ("role-researcher", "researcher", "senior researcher"),
    ("role-council-member", "council member", "council member"),
    ("role-police-chief", "chief of police", "police chief"),
)
STANCES = (
    "supports-ban", "supports-regulation", "supports-moratorium", "opposes-ban",
    "skeptical-of-law-enforcement", "supports-use", "supports-oversight", "opposes-use",
    "opposes-industry-written-rules", "no-position",
)  # Zipf order: most used first
KINDS = (
    ("ban", "Ban"), ("moratorium", "Moratorium"), ("regulation", "Regulation"),
    ("oversight", "Surveillance Oversight"), ("consent-requirement", "Biometric Consent"),
    ("sales-restriction", "Sales Pause"), ("market-exit", "Market Exit"),
    ("product-restriction", "Product Restriction"),
)
SCOPES = (
    "government-use", "law-enforcement-use", "body-cameras", "private-sector-use",
    "public-accommodations", "schools", "port-facilities", "federal-government-use",
    "sales-to-police", "all-customers",
)
STATUSES = ("introduced", "passed", "enacted", "in-force", "expired", "repealed", "not-enacted")
EVENT_STEPS = (  # event type, resulting status, has a vote tally
    ("introduced", "introduced", False),
    ("committee-vote", "introduced", True),
    ("first-vote", "passed", True),
    ("final-vote", "passed", True),
    ("signed", "enacted", False),
    ("took-effect", "in-force", False),
    ("extended", "in-force", False),
    ("expired", "expired", False),
)
SOURCE_CLASSES = (
    ("NewsArticle", 50), ("PressRelease", 14), ("WebPage", 12), ("Report", 8),
    ("OpenLetter", 6), ("LegislativeDocument", 6), ("ScholarlyArticle", 4),
)
TECHNOLOGIES = (
    ("facial-recognition", "facial recognition"),
    ("face-surveillance", "face surveillance"),
    ("emotion-recognition", "emotion recognition"),
    ("biometric-identification", "Biometric Identification"),
    ("gait-analysis", "gait analysis"),
)
TOPICS = (
    "mass surveillance", "racial bias in face matching", "finding missing children",
    "body cameras", "school safety", "airport boarding", "shoplifting", "protests",
    "wrongful arrests", "the city’s budget", "accuracy tests", "consent",
)
# fmt: on
QUOTE_TEMPLATES = (
    "We’re asking {place} to {verb} face surveillance before it’s too late.",
    "This technology is not ready for {topic}, and it’s not neutral.",
    'They call it "{topic}", but it is a dragnet.',
    "Facial recognition helps us with {topic}; banning it would be a mistake.",
    "Lawmakers shouldn’t let the companies that profit from it write the rules.",
    "We need clear rules on {topic}, not a blanket ban.",
    "Our officers use it as a lead, never as probable cause.\nNo one is arrested on a match alone.",
    "The data shows error rates of up to 35% for darker-skinned women.",
    "It’s a civil-rights issue — full stop.",
    "We’re pausing sales to police until {place} passes a law.",
    "¯\\_(ツ)_/¯ is not a privacy policy.",
)
PARAPHRASE_TEMPLATES = (
    "Argued that {place} should {verb} facial recognition for {topic}.",
    "Said the department would keep using the system for {topic}.",
    "Warned that police misuse of surveillance tools is well documented.",
    "Called for oversight and testing standards instead of a ban.",
    "Described the vote as a first step toward regulating {topic}.",
)
VERBS = ("ban", "pause", "regulate", "rethink", "stop")
CAUTIONS = (
    "The outlets word this quote differently; the wording here is the cited source’s.",
    "The date is the date of publication; the event itself may be earlier.",
    "Secondary source: the original statement was not found.",
)

# Letters NFKD does not decompose to ASCII; apostrophes vanish (d’Alène: dalene).
# fmt: off
_FOLD = str.maketrans(
    {"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae", "Æ": "AE",
     "œ": "oe", "Œ": "OE", "ı": "i", "þ": "th", "Þ": "Th", "ð": "d", "’": "", "'": ""}
)
# fmt: on
_ESCAPE = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """Lower-case ASCII, digits and hyphens (CONTRIBUTING.md rule 1) from a label."""
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD))
    ascii_text = folded.encode("ascii", "ignore").decode().lower()
    return _SLUG_JUNK.sub("-", ascii_text).strip("-") or "x"


def literal(text: str, lang: str | None = "en") -> str:
    """A Turtle string literal with the characters Turtle requires escaped (ECHAR, section 6.4)."""
    quoted = '"' + text.translate(_ESCAPE) + '"'
    return f"{quoted}@{lang}" if lang else quoted


def typed(value: str, datatype: str) -> str:
    """A typed literal whose lexical form needs no escaping (dates, URLs, numbers)."""
    return f'"{value}"^^{datatype}'


@dataclass
class Day:
    """A date of known precision: day, month or year (CONTRIBUTING.md rule 5)."""

    ordinal: int
    precision: str  # "day", "month" or "year"

    def turtle(self) -> str:
        """The date as a literal of the datatype its precision allows."""
        d = dt.date.fromordinal(self.ordinal)
        if self.precision == "day":
            return typed(d.isoformat(), "xsd:date")
        if self.precision == "month":
            return typed(f"{d.year:04d}-{d.month:02d}", "xsd:gYearMonth")
        return typed(f"{d.year:04d}", "xsd:gYear")

    def text(self) -> str:
        """The date as a reader sees it in a label."""
        return dt.date.fromordinal(self.ordinal).isoformat()[
            : {"day": 10, "month": 7}.get(self.precision, 4)
        ]


#: The properties whose values a citation must back (shapes/citations.ttl).
CITED_PROPERTIES = (
    "dct:date",
    "frkg:status",
    "frkg:statusDate",
    "frkg:notBefore",
    "schema:expires",
    "schema:startDate",
    "schema:endDate",
    "schema:foundingDate",
)


def citation(source: str, supports: Sequence[str]) -> str:
    """A bracketed citation of ``source`` backing ``supports`` (its words are fictional)."""
    return (
        f"[ a frkg:Citation ; prov:wasQuotedFrom id:{source} ; "
        'frkg:excerpt "The source reports it in these words."@en ; '
        f'frkg:supports {" , ".join(supports)} ; frkg:checkedIn "seed article" ]'
    )


class TurtleWriter:
    """Writes subject blocks to one Turtle file and counts the triples written."""

    def __init__(self, stream: TextIO, name: str, seed: int, watch: str) -> None:
        self.stream, self.name, self.triples = stream, name, 0
        self.watch, self.watched = watch, 0  # links to one node (the hub), counted as written
        stream.write(
            f"# Synthetic frkg benchmark data ({name}), seed {seed}, generator {GENERATOR_VERSION}."
            "\n# Fictional: generated by bench/generate.py. Never publish it.\n\n" + PREFIXES + "\n"
        )

    def node(self, slug: str, cls: str, pairs: Sequence[tuple[str, str]]) -> None:
        """Write ``id:slug a cls ; p o ; ... .`` (one triple per pair, plus the type)."""
        body = " ;\n    ".join(f"{p} {o}" for p, o in pairs)
        self.stream.write(f"id:{slug} a {cls} ;\n    {body} .\n\n")
        self.triples += len(pairs) + 1
        # A bracketed node's own triples: one per "p o" and one more per ", o".
        self.triples += sum(o.count(" ; ") + 1 + o.count(" , ") for _, o in pairs if o[0] == "[")
        self.watched += sum(1 for _, o in pairs if o == self.watch)


@dataclass
class Org:
    """An organization planned before writing, and the people who turn out to be its members."""

    slug: str
    cls: str
    label: str
    members: list[str] = field(default_factory=list)


@dataclass
class Place:
    """A place planned before writing."""

    slug: str
    cls: str
    label: str


@dataclass
class Policy:
    """A policy already written, that later statements can be about."""

    slug: str
    label: str


@dataclass
class Manifest:
    """What was written: counts per file and class, and the hubs (written as manifest.json)."""

    seed: int
    requested_triples: int
    files: dict[str, int] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)
    hubs: dict[str, str] = field(default_factory=dict)
    hub_incoming: int = 0

    @property
    def triples(self) -> int:
        """Triples written in all files."""
        return sum(self.files.values())

    def count(self, cls: str, n: int = 1) -> None:
        """Count ``n`` more nodes of class ``cls``."""
        self.classes[cls] = self.classes.get(cls, 0) + n

    def as_json(self) -> dict:
        """The manifest as JSON-ready data."""
        return {
            "generator": GENERATOR_VERSION,
            "seed": self.seed,
            "requested_triples": self.requested_triples,
            "triples": self.triples,
            "files": {f"{name}.ttl": n for name, n in self.files.items()},
            "classes": dict(sorted(self.classes.items())),
            "hubs": self.hubs,
            "hub_incoming": self.hub_incoming,
        }


def zipf_weights(n: int, exponent: float, first_rank: int = 1) -> list[float]:
    """Cumulative Zipf weights for n items of ranks first_rank, first_rank + 1, ... (the first
    most popular), for ``random.choices``."""
    ranks = range(first_rank, first_rank + n)
    return list(itertools.accumulate(1.0 / (k**exponent) for k in ranks))


class Generator:
    """Plans the entities for a triple budget and writes them file by file."""

    def __init__(self, triples: int, seed: int, out: Path) -> None:
        self.budget, self.seed, self.out = triples, seed, out
        self.rng = random.Random(seed)
        self.manifest = Manifest(seed=seed, requested_triples=triples)
        self.used_slugs: dict[str, int] = {}
        self.counter = itertools.count(1)

    # -- helpers ------------------------------------------------------------------------------

    def unique(self, slug: str) -> str:
        """``slug``, or ``slug-2``, ``slug-3``... when taken (two people can share a name)."""
        n = self.used_slugs.get(slug, 0) + 1
        self.used_slugs[slug] = n
        return slug if n == 1 else f"{slug}-{n}"

    def day(self, lo: int = 2012, hi: int = 2025) -> Day:
        """A random day between two years, known to the day, month or year only."""
        start, end = dt.date(lo, 1, 1).toordinal(), dt.date(hi, 12, 31).toordinal()
        r = self.rng.random()
        precision = "day" if r < 0.75 else "month" if r < 0.9 else "year"
        return Day(self.rng.randint(start, end), precision)

    def place_name(self) -> str:
        """A fictional place name from the word lists."""
        return self.rng.choice(PLACE_PREFIXES) + self.rng.choice(PLACE_ROOTS)

    def source(self) -> str:
        """A source slug: each one once first (every source is used by something, as the shapes
        require), then Zipf-weighted so a few sources are cited very often."""
        if self.uncited_sources:
            return self.uncited_sources.pop()
        return self.rng.choices(self.sources, cum_weights=self.source_weights)[0]

    def sourced(self, pairs: list[tuple[str, str]], claim: bool = False) -> list[tuple[str, str]]:
        """``pairs`` with one or two ``dct:source`` links and, rarely, a ``frkg:caution``; a
        ``claim`` (an event, a statement, a membership) or a node with a status or a date also
        cites the first source's words for them (CONTRIBUTING.md rule 13)."""
        first = self.source()
        cited = [p for p in dict.fromkeys(p for p, _ in pairs) if p in CITED_PROPERTIES]
        pairs.append(("dct:source", f"id:{first}"))
        if self.rng.random() < 0.08:  # a node whose facts come from several sources cites each
            second = self.source()
            if second != first:  # a repeated triple would make the written count too high
                pairs.append(("dct:source", f"id:{second}"))
        if self.rng.random() < 0.02:
            pairs.append(("frkg:caution", literal(self.rng.choice(CAUTIONS))))
        if claim or cited:
            pairs.append(("frkg:citation", citation(first, cited or ["rdfs:label"])))
        return pairs

    def open(self, name: str) -> tuple[TextIO, TurtleWriter]:
        """Start ``{name}.ttl`` in the output folder."""
        stream = open(self.out / f"{name}.ttl", "w", encoding="utf-8", newline="\n")
        return stream, TurtleWriter(stream, name, self.seed, f"id:{self.orgs[0].slug}")

    def close(self, stream: TextIO, writer: TurtleWriter) -> None:
        """Finish a file and record its counts in the manifest."""
        stream.close()
        self.manifest.files[writer.name] = writer.triples
        self.manifest.hub_incoming += writer.watched

    # -- planning -----------------------------------------------------------------------------

    def plan(self) -> None:
        """Choose slugs and names for everything that other nodes link to, before writing."""
        n = self.budget
        rng = self.rng
        self.n_cities = max(12, n // 2500)
        self.n_orgs = max(30, n // 150)
        self.n_people = max(40, n // 120)
        self.n_sources = max(40, n // 60)
        self.n_policies = max(15, n // 300)
        self.n_products = max(4, n // 5000)
        self.n_uses = max(4, n // 2000)

        # Sources are planned first (every other node cites one); their publishers come later.
        self.sources = [self.unique(f"source-{i}") for i in range(1, self.n_sources + 1)]
        self.source_weights = zipf_weights(self.n_sources, 0.8)
        self.uncited_sources = self.sources[::-1]
        self.manifest.hubs["source"] = BASE + self.sources[0]

        # Places: a union of countries > countries > states > counties > cities and districts.
        self.places: list[Place] = []
        union = Place(
            self.unique("union-of-northern-republics"),
            "frkg:SupranationalUnion",
            "Union of Northern Républiques",
        )
        self.places.append(union)
        n_counties = max(4, self.n_cities // 4)
        n_states = max(3, n_counties // 3)
        n_countries = max(2, n_states // 5)
        self.parent: dict[str, list[str]] = {}
        levels = (
            (n_countries, "frkg:Country", "Republic of {}"),
            (n_states, "frkg:State", "{} Province"),
            (n_counties, "frkg:County", "{} County"),
            (self.n_cities, "frkg:City", "{}"),
        )
        upper = [union]
        for count, cls, template in levels:
            level = []
            for _ in range(count):
                label = template.format(self.place_name())
                place = Place(self.unique(slugify(label)), cls, label)
                # The first place of each level is the hub of the next (a capital region).
                parent = upper[0] if rng.random() < 0.3 else rng.choice(upper)
                self.parent[place.slug] = [parent.slug]
                # Some cities span two counties: two routes up the hierarchy (a diamond), where
                # a property path must still match each place once (SPARQL 1.1 section 18.4).
                spans = not level or rng.random() < 0.08  # the first city always does
                if cls == "frkg:City" and len(upper) > 1 and spans:
                    other = rng.choice([u for u in upper if u is not parent])
                    self.parent[place.slug].append(other.slug)
                level.append(place)
            self.places.extend(level)
            upper = level
        self.cities = upper
        counties = [p for p in self.places if p.cls == "frkg:County"]
        for _ in range(max(1, self.n_cities // 20)):
            label = f"Port of {self.place_name()}"
            place = Place(self.unique(slugify(label)), "frkg:SpecialDistrict", label)
            self.parent[place.slug] = [rng.choice(counties).slug]
            self.places.append(place)
        self.jurisdictions = [p for p in self.places if p.cls != "frkg:SupranationalUnion"]
        self.jurisdiction_weights = zipf_weights(len(self.jurisdictions), 0.7)
        self.manifest.hubs["place"] = BASE + self.places[1].slug

        # Organizations; the first is the hub.
        self.orgs: list[Org] = [
            Org(
                self.unique("electronique-frontiere-alliance"),
                "frkg:AdvocacyOrganization",
                "Électronique Frontière Alliance",
            )
        ]
        self.manifest.hubs["organization"] = BASE + self.orgs[0].slug
        class_weights = [w for _, w, _ in ORG_CLASSES]
        named_places = [p.label for p in self.places if p.cls in ("frkg:City", "frkg:State")]
        for _ in range(self.n_orgs - 1):
            cls, _, templates = rng.choices(ORG_CLASSES, weights=class_weights)[0]
            label = rng.choice(templates).format(
                place=rng.choice(named_places), word=rng.choice(COMPANY_WORDS)
            )
            self.orgs.append(Org(self.unique(slugify(label)), f"frkg:{cls}", label))
        by_class: dict[str, list[Org]] = {}
        for o in self.orgs:
            by_class.setdefault(o.cls, []).append(o)
        self.by_class = by_class
        self.publishers = by_class.get("frkg:NewsOrganization") or self.orgs
        self.companies = by_class.get("frkg:Company") or self.orgs
        self.legislatures = by_class.get("frkg:Legislature") or self.orgs
        self.police = by_class.get("frkg:PoliceDepartment") or self.orgs

        # People (names only; memberships are drawn when people are written).
        self.people = []
        for _ in range(self.n_people):
            name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
            self.people.append((self.unique(slugify(name)), name))

        self.technologies = [self.unique(slug) for slug, _ in TECHNOLOGIES]

        # Policies: names are drawn when written; slugs now, so statements can be about them.
        self.policies: list[Policy] = []
        self.policy_weights = zipf_weights(self.n_policies, 1.0)

    # -- writing ------------------------------------------------------------------------------

    def write_roles(self) -> None:
        stream, w = self.open("roles")
        for slug, label, _ in ROLES:
            self.unique(slug)
            w.node(slug, "org:Role", [("rdfs:label", literal(label))])
        self.manifest.count("org:Role", len(ROLES))
        self.close(stream, w)

    def write_places(self) -> None:
        stream, w = self.open("places")
        for i, p in enumerate(self.places):
            pairs = [("rdfs:label", literal(p.label))]
            r = self.rng.random() if i > 1 else i * 0.16  # the first two places always have one
            if r < 0.15:  # other languages may add one label each (rule 3)
                french = p.label.replace("Republic of", "République de")
                pairs.append(("rdfs:label", literal(french, "fr")))
            elif r < 0.2:  # a region subtag, which some engines lower-case (ENGINE-NOTES.md)
                pairs.append(("rdfs:label", literal(p.label.upper(), "pt-BR")))
            pairs += [("schema:containedInPlace", f"id:{up}") for up in self.parent.get(p.slug, ())]
            w.node(p.slug, p.cls, self.sourced(pairs))
            self.manifest.count(p.cls)
        self.close(stream, w)

    def write_organizations(self) -> None:
        stream, w = self.open("organizations")
        rng = self.rng
        for i, o in enumerate(self.orgs):
            pairs = [("rdfs:label", literal(o.label))]
            if i == 0 or rng.random() < 0.1:
                pairs.append(("rdfs:label", literal(o.label.lower(), "de")))
            if i == 0 or rng.random() < 0.2:
                pairs.append(("rdfs:comment", literal(f"A fictional {o.cls[5:]} for benchmarks.")))
            if o.cls == "frkg:Coalition":
                for member in rng.sample(self.orgs, min(len(self.orgs), rng.randint(2, 8))):
                    if member is not o:
                        pairs.append(("org:hasMember", f"id:{member.slug}"))
            w.node(o.slug, o.cls, self.sourced(pairs))
            self.manifest.count(o.cls)
        self.close(stream, w)

    def write_people(self) -> None:
        stream, w = self.open("people")
        rng = self.rng
        hub = self.orgs[0]
        others = self.orgs[1:]
        org_weights = zipf_weights(len(others), 1.0, first_rank=2)  # the hub is rank 1
        for slug, name in self.people:
            n_roles = rng.choices((0, 1, 2), weights=(5, 75, 20))[0]
            memberships = []
            for _ in range(n_roles):
                if rng.random() < 0.08:
                    o = hub
                else:
                    o = rng.choices(others, cum_weights=org_weights)[0]
                if o in (m[0] for m in memberships):
                    continue
                memberships.append((o, rng.choice(ROLES)))
            pairs = [("rdfs:label", literal(name)), ("foaf:name", literal(name, None))]
            pairs += [("org:memberOf", f"id:{o.slug}") for o, _ in memberships]
            w.node(slug, "schema:Person", self.sourced(pairs))
            self.manifest.count("schema:Person")
            for o, (role, _, title_word) in memberships:
                o.members.append(slug)
                title = f"{title_word} of {o.label}"
                mslug = self.unique(f"membership-{next(self.counter)}")
                mpairs = [
                    ("rdfs:label", literal(f"{name}, {title}")),
                    ("org:member", f"id:{slug}"),
                    ("org:organization", f"id:{o.slug}"),
                    ("org:role", f"id:{role}"),
                    ("frkg:title", literal(title)),
                ]
                if rng.random() < 0.8:
                    mpairs.append(("dct:date", self.day().turtle()))
                w.node(mslug, "org:Membership", self.sourced(mpairs, claim=True))
                self.manifest.count("org:Membership")
        self.close(stream, w)

    def write_sources(self) -> None:
        stream, w = self.open("sources")
        rng = self.rng
        classes = [c for c, _ in SOURCE_CLASSES]
        weights = [wt for _, wt in SOURCE_CLASSES]
        for slug in self.sources:
            cls = rng.choices(classes, weights=weights)[0]
            published = self.day(2014, 2025)
            if cls == "PressRelease":
                publisher = rng.choice(self.orgs)
            elif cls == "LegislativeDocument":
                publisher = rng.choice(self.legislatures)
            else:
                publisher = rng.choice(self.publishers)
            topic = rng.choice(TOPICS)
            place = rng.choice(self.cities).label
            title = rng.choice(
                (
                    f"{place} weighs facial recognition rules for {topic}",
                    f"Why {publisher.label} says “no” to face surveillance",
                    f"FACIAL RECOGNITION and {topic}: what’s next in {place}",
                    f"Letter on {topic} to the {place} council",
                    f'{place}: the debate over "{topic}"',
                )
            )
            d = dt.date.fromordinal(published.ordinal)
            url = f"https://{publisher.slug}.example/{d.year}/{d.month:02d}/{slug}"
            pairs = [
                ("rdfs:label", literal(title)),
                ("schema:url", typed(url, "xsd:anyURI")),
                ("schema:publisher", f"id:{publisher.slug}"),
            ]
            if rng.random() < 0.9:  # when the source shows it
                pairs.append(("schema:datePublished", published.turtle()))
            if cls == "OpenLetter":
                signers = [self.orgs[0]] if rng.random() < 0.5 else []
                signers += rng.sample(self.orgs, min(len(self.orgs), rng.randint(3, 12)))
                seen = set()
                for s in signers:
                    if s.slug not in seen:
                        seen.add(s.slug)
                        pairs.append(("frkg:signatory", f"id:{s.slug}"))
                pairs.append(("frkg:addressee", f"id:{rng.choice(self.legislatures).slug}"))
                n_sign = len(seen) + rng.randint(0, 30)
                pairs.append(("frkg:signatoryCount", typed(str(n_sign), "xsd:integer")))
            elif cls == "ScholarlyArticle":
                pairs.append(("frkg:doi", literal(f"10.5555/frkg.{slug}", None)))
            w.node(slug, f"frkg:{cls}", pairs)
            self.manifest.count(f"frkg:{cls}")
        self.close(stream, w)

    def write_technologies(self) -> None:
        stream, w = self.open("technologies")
        rng = self.rng
        for slug, (_, label) in zip(self.technologies, TECHNOLOGIES, strict=True):
            w.node(slug, "frkg:Technology", self.sourced([("rdfs:label", literal(label))]))
            self.manifest.count("frkg:Technology")
        self.products = []
        for _ in range(self.n_products):
            maker = rng.choice(self.companies)
            label = f"{rng.choice(COMPANY_WORDS)} Face {rng.randint(1, 9)}.{rng.randint(0, 9)}"
            slug = self.unique(slugify(label))
            self.products.append(slug)
            pairs = [
                ("rdfs:label", literal(label)),
                ("schema:manufacturer", f"id:{maker.slug}"),
                ("frkg:technology", f"id:{self.technologies[0]}"),
            ]
            w.node(slug, "frkg:Product", self.sourced(pairs))
            self.manifest.count("frkg:Product")
        for _ in range(self.n_uses):
            user = rng.choice(self.police)
            product = rng.choice(self.products)
            slug = self.unique(f"use-{next(self.counter)}")
            pairs = [
                ("rdfs:label", literal(f"{user.label} use of {product}")),
                ("frkg:user", f"id:{user.slug}"),
                ("frkg:product", f"id:{product}"),
                ("frkg:technology", f"id:{self.technologies[0]}"),
                ("frkg:purpose", literal(f"identifying suspects in {rng.choice(TOPICS)}")),
                ("frkg:status", f"frkg:status-{rng.choice(('in-use', 'discontinued'))}"),
                ("frkg:statusDate", self.day().turtle()),
            ]
            w.node(slug, "frkg:TechnologyUse", self.sourced(pairs))
            self.manifest.count("frkg:TechnologyUse")
        self.close(stream, w)

    def write_policies(self) -> None:
        stream, w = self.open("policies")
        rng = self.rng
        people = [slug for slug, _ in self.people]
        for i in range(self.n_policies):
            kind, kind_label = rng.choices(KINDS, weights=(8, 5, 6, 3, 2, 2, 1, 1))[0]
            r = rng.random()
            year = rng.randint(2014, 2025)
            if r < 0.6:
                cls = "frkg:Legislation"
                place = rng.choices(self.jurisdictions, cum_weights=self.jurisdiction_weights)[0]
                label = f"{place.label} Facial Recognition {kind_label} Ordinance ({year})"
                pairs = [("frkg:jurisdiction", f"id:{place.slug}")]
                if rng.random() < 0.4:
                    pairs.append(("frkg:sponsor", f"id:{rng.choice(people)}"))
                if rng.random() < 0.3:
                    pairs.append(("frkg:adoptedBy", f"id:{rng.choice(self.legislatures).slug}"))
            elif r < 0.8:
                cls = "frkg:CorporatePolicy"
                company = rng.choice(self.companies)
                label = f"{company.label} {kind_label} on Sales to Police ({year})"
                pairs = [("frkg:adoptedBy", f"id:{company.slug}")]
            else:
                cls = "frkg:PolicyProposal"
                proposer = self.orgs[0] if rng.random() < 0.1 else rng.choice(self.orgs)
                label = f"{proposer.label}’s proposed {kind_label.lower()} framework ({year})"
                # A proposal names the jurisdiction whose lawmakers it asks (shapes/policies.ttl);
                # chosen without a draw, so a seed still gives the same data as before.
                asked = self.jurisdictions[i % len(self.jurisdictions)]
                pairs = [
                    ("frkg:proposedBy", f"id:{proposer.slug}"),
                    ("frkg:jurisdiction", f"id:{asked.slug}"),
                ]
            slug = self.unique(slugify(label))
            policy = Policy(slug, label)
            pairs[:0] = [("rdfs:label", literal(label))]
            pairs.append(("frkg:policyKind", f"frkg:kind-{kind}"))
            for scope in rng.sample(SCOPES, rng.randint(1, 2)):
                pairs.append(("frkg:scope", f"frkg:scope-{scope}"))
            if rng.random() < 0.3:
                pairs.append(("skos:scopeNote", literal("Exceptions for “exigent circumstances”.")))
            # Chains of amendments and extensions, for property paths (+ and *).
            if self.policies and rng.random() < 0.15:
                earlier = self.policies[-1] if rng.random() < 0.6 else rng.choice(self.policies)
                pairs.append((rng.choice(("frkg:amends", "frkg:extends")), f"id:{earlier.slug}"))
            # Dated steps: a prefix of the event sequence, in order.
            n_steps = rng.randint(1, 4)
            start = dt.date(year, 1, 1).toordinal() + rng.randint(0, 300)
            events = []
            ordinal = start
            for k, (etype, status, vote) in enumerate(EVENT_STEPS[:n_steps]):
                ordinal += rng.randint(5, 60) if k else 0
                events.append(
                    (etype, status, vote, Day(ordinal, rng.choice(("day", "day", "month"))))
                )
            # The stored status is the one the last step gives (shapes/policies.ttl checks it);
            # the draws that once picked another are kept, so a seed still gives the same data.
            if rng.random() >= 0.9:
                rng.choice(STATUSES)
            final_status = events[-1][1]
            pairs.append(("frkg:status", f"frkg:status-{final_status}"))
            pairs.append(("frkg:statusDate", events[-1][3].turtle()))
            w.node(slug, cls, self.sourced(pairs))
            self.manifest.count(cls)
            for etype, status, vote, day in events:
                eslug = self.unique(f"event-{next(self.counter)}")
                epairs = [
                    ("rdfs:label", literal(f"{label}: {etype.replace('-', ' ')} ({day.text()})")),
                    ("frkg:policy", f"id:{slug}"),
                    ("frkg:eventType", f"frkg:event-{etype}"),
                    ("dct:date", day.turtle()),
                    ("frkg:resultingStatus", f"frkg:status-{status}"),
                ]
                if vote:
                    yes = rng.randint(3, 9)
                    tally = (
                        "unanimous" if rng.random() < 0.2 else f"{yes}-{rng.randint(0, yes - 1)}"
                    )
                    epairs.append(("frkg:voteTally", literal(tally, None)))
                w.node(eslug, "frkg:PolicyEvent", self.sourced(epairs, claim=True))
                self.manifest.count("frkg:PolicyEvent")
            self.policies.append(policy)
            if i == 0:
                self.manifest.hubs["policy"] = BASE + slug
        self.close(stream, w)

    def write_statements(self) -> None:
        """Quotes and paraphrases until the triple budget is spent."""
        stream, w = self.open("statements")
        rng = self.rng
        hub = self.orgs[0]
        speaking = [o for o in self.orgs[1:] if o.members]
        speaking_weights = zipf_weights(len(speaking), 1.0, first_rank=2)  # the hub is rank 1
        people = [slug for slug, _ in self.people]
        names = dict(self.people)
        remaining = self.budget - self.manifest.triples
        # The hub speaks for enough statements that its incoming links reach HUB_SHARE.
        expected_statements = max(1, remaining / 15.2)  # measured triples per statement
        wanted = HUB_SHARE * self.budget - self.manifest.hub_incoming
        p_hub = min(0.5, max(0.02, wanted / expected_statements)) if hub.members else 0.0
        stance_weights = zipf_weights(len(STANCES), 1.0)
        while w.triples < remaining:
            n = next(self.counter)
            r = rng.random()
            if r < p_hub:
                org, speaker = hub, rng.choice(hub.members)
            elif r < 0.9 or not speaking:
                org = rng.choices(speaking, cum_weights=speaking_weights)[0] if speaking else None
                speaker = rng.choice(org.members) if org else rng.choice(people)
            else:  # speaks for no organization the source names
                org, speaker = None, rng.choice(people)
            policy = rng.choices(self.policies, cum_weights=self.policy_weights)[0]
            fill = {
                "place": rng.choice(self.cities).label,
                "topic": rng.choice(TOPICS),
                "verb": rng.choice(VERBS),
            }
            quote = rng.random() < 0.7
            day = self.day(2014, 2025)
            if quote:
                cls, slug = "frkg:Quote", self.unique(f"quote-{n}")
                text = rng.choice(QUOTE_TEMPLATES).format(**fill)
                pairs = [("frkg:verbatimText", literal(text))]
                label = f"Quote by {names[speaker]} ({day.text()})"
            else:
                cls, slug = "frkg:Paraphrase", self.unique(f"paraphrase-{n}")
                text = rng.choice(PARAPHRASE_TEMPLATES).format(**fill)
                pairs = [("frkg:paraphraseText", literal(text))]
                label = f"Position of {names[speaker]} ({day.text()})"
            pairs[:0] = [("rdfs:label", literal(label))]
            pairs.append(("frkg:speaker", f"id:{speaker}"))
            if org is not None:
                pairs.append(("frkg:speaksFor", f"id:{org.slug}"))
            stances = rng.choices(STANCES, cum_weights=stance_weights, k=rng.choice((1, 1, 1, 2)))
            for stance in dict.fromkeys(stances):  # distinct, in drawn order (sets are unordered)
                pairs.append(("frkg:stance", f"frkg:stance-{stance}"))
            pairs.append(("dct:date", day.turtle()))
            if rng.random() < 0.8:
                pairs.append(("frkg:about", f"id:{policy.slug}"))
            else:
                pairs.append(("frkg:about", f"id:{rng.choice(self.technologies)}"))
            w.node(slug, cls, self.sourced(pairs))
            self.manifest.count(cls)
        self.close(stream, w)

    def run(self) -> Manifest:
        """Write every file and the manifest; return the manifest."""
        self.out.mkdir(parents=True, exist_ok=True)
        self.plan()
        self.write_roles()
        self.write_places()
        self.write_organizations()
        self.write_people()
        self.write_sources()
        self.write_technologies()
        self.write_policies()
        self.write_statements()
        (self.out / "manifest.json").write_text(
            json.dumps(self.manifest.as_json(), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        return self.manifest


def generate(triples: int, out: Path, seed: int = 1) -> Manifest:
    """Write about ``triples`` triples of debate-shaped data into ``out``; return the manifest."""
    if triples < 1000:
        raise ValueError("--triples must be at least 1000 (the smallest dataset with every shape)")
    return Generator(triples, seed, Path(out)).run()


def parse_count(text: str) -> int:
    """``10000``, ``10k``, ``1M`` or ``1e6`` as an integer."""
    m = re.fullmatch(r"\s*([0-9.]+(?:e[0-9]+)?)\s*([kKmM]?)\s*", text)
    if not m:
        raise ValueError(f"not a count: {text!r} (examples: 10000, 100k, 1M)")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2).lower()]
    return int(float(m.group(1)) * scale)


class _Count(click.ParamType):
    name = "COUNT"

    def convert(self, value, param, ctx):
        """A count, or a usage error naming the bad value."""
        if isinstance(value, int):
            return value
        try:
            return parse_count(value)
        except ValueError as e:
            self.fail(str(e), param, ctx)


@click.command()
@click.option("--triples", type=_Count(), required=True, help="About how many triples (10k, 1M).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write the Turtle files and manifest.json into.",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same files.")
def main(triples: int, out: Path, seed: int) -> None:
    """Generate synthetic, fictional frkg data for benchmarks."""
    started = time.perf_counter()
    try:
        manifest = generate(triples, out, seed)
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    seconds = time.perf_counter() - started
    click.echo(
        f"wrote {manifest.triples} triples in {len(manifest.files)} files to {out} "
        f"in {seconds:.1f} s (seed {seed}; hub {manifest.hubs['organization']} "
        f"with {manifest.hub_incoming} incoming links)",
        err=True,
    )


if __name__ == "__main__":
    main()
