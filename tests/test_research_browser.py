"""The research views in a real browser (Debian's chromium through playwright, offline), over the
repository's data served by ``frkg serve``:

- every page kind at 1400 px and 400 px: a screenshot kept in ``build/screenshots/``, nothing
  wider than the window (a wide table scrolls in its own frame), no console error, no request
  leaving 127.0.0.1, and no serious or critical violation found by axe-core (npm ``axe-core``,
  WCAG 2 A and AA rules);
- one test per research question of the research-views issue, answered by clicking from the
  home page, with the rows a researcher should see computed from the data.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from test_research_tracker import TAKES_STANCE, select

from conftest import CHROMIUM, CHROMIUM_ARGS, ROOT

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "build" / "screenshots"
WIDTHS = (1400, 400)

#: One page of each kind (path, name for the screenshot).
PAGE_KINDS = [
    ("", "home"),
    ("tracker", "tracker"),
    ("tracker?day=2020-01-01&level=frkg:City", "tracker-filtered"),
    ("tracker/people", "people"),
    ("page/san-francisco-stop-secret-surveillance-ordinance", "policy"),
    ("page/evan-greer", "person"),
    ("page/fight-for-the-future", "organization"),
    ("page/evan-greer-2019-quote-ban-it-entirely", "quote"),
    ("concept?name=stance-supports-ban", "concept"),
    ("search?q=dissent", "search"),
    ("browse", "browse-index"),
    ("browse/frkg:Legislation", "browse-list"),
    ("source/seattle-times-2019-tech-and-police-groups", "source"),
    ("ontology.html", "ontology"),
    ("shapes.html", "shapes"),
    ("void.html", "void"),
    ("sparql", "sparql"),
    ("page/no-such-thing", "not-found"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def page(browser):
    """A fresh page that records console errors and refuses every request leaving 127.0.0.1."""
    # axe is injected by the test harness (DevTools), never by the page: the pages' CSP stays on.
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.problems = []

    def guard(route):
        url = urlsplit(route.request.url)
        if url.scheme in ("data", "blob", "about") or url.hostname == "127.0.0.1":
            route.continue_()
        else:
            page.problems.append(f"request to {route.request.url}")
            route.abort()

    context.route("**/*", guard)
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    yield page
    context.close()


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations of the page (WCAG 2.0/2.1 A and AA rules)."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async () => {
          const result = await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
          });
          return result.violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.help + ' — ' +
                 v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
        }"""
    )
    return found


@pytest.mark.parametrize("path, name", PAGE_KINDS)
def test_every_page_kind_reads_at_both_widths_with_no_serious_accessibility_violation(
    live_server, page, path, name
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(live_server + path)
        assert response.status == (404 if name == "not-found" else 200)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"))
        # Nothing is cut: the document is never wider than the window (wide tables and charts
        # scroll inside their own frames).
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{name} at {width} px is {overflow} px wider than the window"
        assert axe_violations(page) == [], f"{name} at {width} px"
    assert page.problems == [] or (name == "not-found" and all("404" in p for p in page.problems))


def _rows(page) -> list[str]:
    """The slugs of the rows a research table shows."""
    hrefs = page.locator("table.data-table tbody th[scope=row] a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    return [h.rsplit("/", 1)[-1] for h in hrefs]


def _facet(page, caption: str, value: str) -> None:
    facet = page.locator(".facet").filter(has=page.get_by_role("heading", name=caption, exact=True))
    facet.get_by_role("link", name=value, exact=True).first.click()
    page.wait_for_load_state()


def test_which_us_cities_banned_police_use_and_when(live_server, repo_kg, page):
    """Question 1: from the home page, the tracker narrowed to city bans in the United States;
    each row with the dated steps that say when, linked to the event."""
    page.goto(live_server)
    page.get_by_role("link", name="Policy tracker").first.click()
    page.wait_for_url(f"{live_server}tracker")
    _facet(page, "level", "city")
    _facet(page, "kind", "ban")
    _facet(page, "jurisdiction", "United States")
    expected = select(
        repo_kg,
        "SELECT DISTINCT ?p { ?p frkg:policyKind frkg:kind-ban ; frkg:jurisdiction ?city ."
        " ?city a frkg:City ; schema:containedInPlace+ id:united-states }".replace(
            "id:united-states", f"<{live_server}id/united-states>"
        ),
    )
    assert sorted(_rows(page)) == sorted(r["p"].rsplit("/", 1)[-1] for r in expected)
    # when: every dated step of these policies is in its row, linked to the event
    events = select(
        repo_kg,
        "SELECT ?p ?e { ?e frkg:policy ?p ; <http://purl.org/dc/terms/date> ?d ;"
        " frkg:eventType ?t FILTER(?t != frkg:event-status-reported) }",
    )
    shown = set(_rows(page))
    for r in events:
        slug = r["p"].rsplit("/", 1)[-1]
        if slug in shown:
            row = page.locator("tbody tr").filter(has=page.locator(f'th a[href="/page/{slug}"]'))
            assert row.locator(f'a[href="/page/{r["e"].rsplit("/", 1)[-1]}"]').count() >= 1
    assert page.problems == []


def test_who_opposed_bans_and_what_they_proposed_instead(live_server, repo_kg, page):
    """Question 2: from the home page, the people table narrowed to "opposes a ban" (said, or
    shared through a coalition or a signed letter); then a signatory's page shows what the
    letter proposed instead."""
    page.goto(live_server)
    page.get_by_role("link", name="People and organizations").first.click()
    page.wait_for_url(f"{live_server}tracker/people")
    _facet(page, "stance (stated, or shared through a coalition or letter)", "opposes a ban")
    expected = {r["a"].rsplit("/", 1)[-1] for r in select(repo_kg, TAKES_STANCE)}
    assert set(_rows(page)) == expected
    proposals = select(
        repo_kg,
        "SELECT ?who ?policy ?label { ?letter frkg:signatory ?who ; frkg:advocates ?policy ."
        " ?policy rdfs:label ?label }",
    )
    assert proposals
    who = proposals[0]["who"].rsplit("/", 1)[-1]
    page.locator(f'tbody th a[href="/page/{who}"]').click()
    page.wait_for_url(f"{live_server}page/{who}")
    lead = page.locator(".lead").inner_text()
    assert proposals[0]["label"] in lead
    assert page.locator("#shared .statement-line").count() > 0
    assert page.problems == []


def test_what_evan_greer_said_and_where(live_server, repo_kg, page):
    """Question 3: from the home page's search box, her page lists every statement in full, with
    its date and where it was said."""
    page.goto(live_server)
    box = page.get_by_role("combobox", name="Search by name")
    box.fill("Evan Greer")
    box.press("Enter")
    page.wait_for_url(re.compile(r".*/search\?q=Evan\+Greer"))
    page.get_by_role("link", name="Evan Greer", exact=True).first.click()
    page.wait_for_url(f"{live_server}page/evan-greer")
    said = select(
        repo_kg,
        f"SELECT ?s ?words ?venue {{ ?s frkg:speaker <{live_server}id/evan-greer> ;"
        " frkg:verbatimText|frkg:paraphraseText ?words ."
        " OPTIONAL { ?s frkg:channel ?venue } }",
    )
    statements = page.locator("#statements")
    text = " ".join(statements.inner_text().split())
    for r in said:
        assert " ".join(r["words"].split()) in text
        if "venue" in r:
            assert statements.locator(f'a[href="/page/{r["venue"].rsplit("/", 1)[-1]}"]').count()
    assert page.problems == []


def test_which_policies_were_in_force_on_2020_01_01(live_server, repo_kg, page):
    """Question 4: from the home page, the tracker on 2020-01-01 narrowed to "in force"; the
    rows are those the dataset's time rule puts in force that day, and the undecided are there
    too, as "unknown"."""
    from frkg.publish import policy_status

    day = dt.date(2020, 1, 1)
    statuses = policy_status.statuses_on(repo_kg, day)
    page.goto(live_server)
    page.get_by_role("link", name="Policy tracker").first.click()
    page.get_by_label("Status on", exact=True).fill("2020-01-01")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r".*day=2020-01-01.*"))
    in_force = {p.rsplit("/", 1)[-1] for p, s in statuses.items() if s.in_force}
    unknown = {p.rsplit("/", 1)[-1] for p, s in statuses.items() if not s.known}
    status = page.locator(".facet").filter(
        has=page.get_by_role("heading", name="status on the day", exact=True)
    )
    if unknown:
        assert status.get_by_role("link", name="unknown", exact=True).count() == 1
    assert in_force, "the data puts nothing in force on that day"
    status.get_by_role("link", name="in force", exact=True).click()
    page.wait_for_load_state()
    assert set(_rows(page)) == in_force
    assert page.problems == []


def test_screenshots_are_kept():
    """The screenshots of the page kinds are artefacts of the run (``build/screenshots``)."""
    kept = {p.name for p in Path(SCREENSHOTS).glob("*.png")} if SCREENSHOTS.exists() else set()
    if not kept:
        pytest.skip("the page-kind tests did not run in this session")
    assert {f"home-{w}.png" for w in WIDTHS} <= kept
