"""A real browser (Debian's chromium, driven by playwright) reads the pages, offline."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser_page():
    """A page in a fresh chromium that records console errors and refuses any outside request."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
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
    page.get_by_role("link", name="Ada Example", exact=True).first.click()
    page.wait_for_url(f"{fixture_server}page/ada-example")
    page.get_by_role("link", name="Example Rights Group", exact=True).first.click()
    page.wait_for_url(f"{fixture_server}page/example-rights-group")
    assert page.locator("h1").inner_text() == "Example Rights Group"
    page.get_by_role("link", name="frkg", exact=True).click()
    page.wait_for_url(fixture_server)
    page.goto(f"{fixture_server}ontology#speaker")
    assert page.locator("#speaker h3").inner_text().startswith("speaker")
    assert problems == [] and outside == []
