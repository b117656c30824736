"""Aliases people search by (issue 13): skos:altLabel on the entities facts.md abbreviates.

Each alias below is how facts.md itself names the entity ("Fight for the Future (FFTF)", "SF
Supervisor", "AB 1215"); bill numbers are the policies' legislation identifiers. The site search
matches skos:altLabel, so searching the alias finds the entity first.
"""

from __future__ import annotations

import pytest

from frkg import CANONICAL_BASE
from frkg.publish import search
from frkg.publish.dataset import DatasetIndex
from frkg.publish.describe import Describer

ID = CANONICAL_BASE + "id/"
ALIASES = {
    "SF": "san-francisco",
    "SPD": "seattle-police-department",
    "FFTF": "fight-for-the-future",
    "ITIF": "itif",
    "NPF": "national-police-foundation",
    "ACLU": "aclu",
    "EFF": "electronic-frontier-foundation",
    "EPIC": "epic",
    "SIA": "security-industry-association",
    "NIST": "nist",
    "AJL": "algorithmic-justice-league",
    "ACLU NorCal": "aclu-of-northern-california",
    "ACLU-MA": "aclu-of-massachusetts",
    "BIPA": "illinois-bipa",
    "AB 1215": "california-ab-1215",
    "SB 6280": "washington-sb-6280",
    "HB 2031": "virginia-hb-2031",
    "S.124": "vermont-s-124",
    "H.R. 7356": "facial-recognition-and-biometric-technology-moratorium-act",
    "S. 4084": "facial-recognition-and-biometric-technology-moratorium-act",
}


@pytest.fixture(scope="module")
def finder(kg) -> search.SearchIndex:
    describer = Describer(kg)
    return search.from_dataset(DatasetIndex(kg, describer.inverse), describer)


@pytest.mark.parametrize(("alias", "entity"), sorted(ALIASES.items()))
def test_alias_is_an_alt_label_of_its_entity_only(kg, alias, entity):
    holders = {
        row["s"].value
        for row in kg.store.query(
            f'SELECT ?s {{ ?s <http://www.w3.org/2004/02/skos/core#altLabel> "{alias}"@en }}',
            use_default_graph_as_union=True,
        )
    }
    assert holders == {ID + entity}


@pytest.mark.parametrize(("alias", "entity"), sorted(ALIASES.items()))
def test_searching_the_alias_finds_the_entity_first(finder, alias, entity):
    hits = finder.search(alias)
    assert hits and hits[0].node.value == ID + entity, [h.node.value for h in hits[:3]]
    assert hits[0].match == "exact"
