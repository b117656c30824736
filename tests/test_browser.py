"""A real browser (Debian's chromium, driven by playwright) reads the pages, offline."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser_page():
    """A page in a fresh chromium that records console errors and refuses any outside request."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context()
        problems: list[str] = []
        outside: list[str] = []

        def guard(route):
            host = urlsplit(route.request.url).hostname
            if route.request.url.startswith(("data:", "about:")) or host == "127.0.0.1":
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))

        def dialog(d):  # an alert() would mean hostile text ran as script
            problems.append(f"dialog: {d.message}")
            d.dismiss()

        page.on("dialog", dialog)
        yield page, problems, outside
        context.close()
        browser.close()


@pytest.mark.parametrize(
    "slug, heading, must_show",
    [
        ("ada-example", "Ada Example", "Example Rights Group"),
        ("example-rights-group", "Example Rights Group", "What links here"),
        ("quote-ada-ban", "Ada Example on a ban", "We need a ban, not promises."),
        (
            "hostile-script",
            "<script>alert('label')</script> & \"Quotes\" 'Co'",
            "javascript:alert('homepage')",
        ),
    ],
)
def test_pages_render_without_console_errors_or_outside_requests(
    fixture_server, browser_page, slug, heading, must_show
):
    page, problems, outside = browser_page
    problems.clear()
    response = page.goto(f"{fixture_server}id/{slug}")  # the browser follows the 303
    assert response.status == 200 and page.url == f"{fixture_server}page/{slug}"
    assert page.locator("h1").inner_text() == heading
    assert must_show in page.locator("main").inner_text()
    # the stylesheet applied (CSP allowed it): the site header has its panel background
    background = page.eval_on_selector(".site-header", "e => getComputedStyle(e).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    assert problems == [] and outside == []


def test_following_links_from_home_to_an_entity_and_back(fixture_server, browser_page):
    page, problems, outside = browser_page
    problems.clear()
    page.goto(fixture_server)
    page.get_by_role("link", name="every entity, A to Z").click()
    page.locator(".results").get_by_role("link", name="Ada Example", exact=True).first.click()
    page.wait_for_url(f"{fixture_server}page/ada-example")
    page.get_by_role("link", name="Example Rights Group", exact=True).first.click()
    page.wait_for_url(f"{fixture_server}page/example-rights-group")
    assert page.locator("h1").inner_text() == "Example Rights Group"
    page.get_by_role("link", name="frkg", exact=True).click()
    page.wait_for_url(fixture_server)
    page.goto(f"{fixture_server}ontology#speaker")
    assert page.locator("#speaker h3").inner_text().startswith("speaker")
    assert problems == [] and outside == []


def test_walk_from_home_to_search_to_entity_to_class_list_to_a_dump(discovery_server, browser_page):
    """What a reader does in the first minutes: home page, search, an entity, its class, data."""
    import gzip

    import rdflib

    page, problems, outside = browser_page
    problems.clear()
    page.goto(discovery_server)
    assert page.locator("h1").inner_text() == "Discovery test dataset"
    assert page.locator("table.matrix a.actor").count() > 0  # the overview drew
    # search from the box every page has
    box = page.get_by_role("combobox", name="Search by name")
    box.fill("GREER")
    box.press("Enter")
    page.wait_for_url(f"{discovery_server}search?q=GREER")
    page.get_by_role("link", name="Evan Greer", exact=True).first.click()
    page.wait_for_url(f"{discovery_server}page/evan-greer")
    assert page.locator("h1").inner_text() == "Evan Greer"
    # from the entity to the list of its class
    page.locator(".browse-kinds").get_by_role("link", name="person").click()
    page.wait_for_url(f"{discovery_server}browse/schema:Person")
    assert "Evan Greer" in page.locator("main").inner_text()
    # and from there to a dump of everything
    with page.expect_download() as info:
        page.locator(".footer-links").get_by_role("link", name="N-Triples (gzip)").click()
    download = info.value
    assert download.url == f"{discovery_server}dumps/frkg.nt.gz"
    with open(download.path(), "rb") as f:
        graph = rdflib.Graph().parse(data=gzip.decompress(f.read()), format="nt")
    person = rdflib.URIRef(f"{discovery_server}id/evan-greer")
    assert (person, rdflib.RDFS.label, rdflib.Literal("Evan Greer", lang="en")) in graph
    assert problems == [] and outside == []


def test_the_search_box_suggests_names_as_you_type(discovery_server, browser_page):
    page, problems, outside = browser_page
    problems.clear()
    page.goto(f"{discovery_server}browse")
    page.get_by_role("combobox", name="Search by name").press_sequentially("nune")
    options = page.locator("#site-search-suggestions option")
    options.first.wait_for(state="attached")
    assert "José Núñez" in [options.nth(i).get_attribute("value") for i in range(options.count())]
    assert problems == [] and outside == []


def test_overview_marks_are_links_a_reader_can_follow(discovery_server, browser_page):
    page, problems, outside = browser_page
    problems.clear()
    page.goto(discovery_server)
    page.locator('svg.timeline a.mark[href="/page/ban-campaign"]').click()
    page.wait_for_url(f"{discovery_server}page/ban-campaign")
    page.go_back()
    page.locator('table.matrix a.actor[href="/page/mary-mcdonald"]').click()
    page.wait_for_url(f"{discovery_server}page/mary-mcdonald")
    assert page.locator("h1").inner_text() == "Mary McDONALD"
    assert problems == [] and outside == []
