"""The query page in a real browser (Debian's chromium through playwright), fully offline."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser


@pytest.fixture()
def page(sparql_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.problems = []  # console errors, page errors, requests leaving the server
            server = urlsplit(sparql_server)

            def on_request(request):
                url = urlsplit(request.url)
                if url.scheme in ("data", "blob"):
                    return
                if (url.hostname, url.port) != (server.hostname, server.port):
                    page.problems.append(f"request to {request.url}")

            page.on("request", on_request)
            page.on(
                "console",
                lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"),
            )
            page.on(
                "response",
                lambda r: r.status >= 400 and page.problems.append(f"{r.status} {r.url}"),
            )
            page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
            yield page
        finally:
            browser.close()


def test_example_query_runs_in_the_page_and_shows_the_result_table(page, sparql_server):
    response = page.goto(sparql_server + "sparql")
    # the page may only talk to this server, whatever a script tries
    assert "connect-src 'self'" in response.headers["content-security-policy"]
    page.get_by_role("button", name="Which organizations signed the open letter?").click()
    table = page.locator(".yasr table tbody")
    table.get_by_text("HID Global").first.wait_for(timeout=30_000)
    assert table.locator("tr").count() == 3  # the three organizations of the fixture letter
    assert page.locator(".yasr table thead").get_by_text("organizationLabel").count() == 1
    assert page.locator("#sparql-notice").is_hidden()
    assert page.problems == []


def test_truncated_answer_shows_a_note(page, sparql_server):
    page.goto(sparql_server + "sparql")
    page.wait_for_function("window.frkgYasgui && window.frkgYasgui.getTab()")
    page.evaluate(
        "() => { const tab = window.frkgYasgui.getTab();"
        " tab.setQuery('SELECT * WHERE { ?s ?p ?o }'); tab.query(); }"
    )
    notice = page.locator("#sparql-notice")
    notice.wait_for(state="visible", timeout=30_000)
    assert "Only the first 100 results are shown" in notice.inner_text()
    assert page.problems == []


def test_editor_is_prefilled_with_the_dataset_prefixes(page, sparql_server):
    page.goto(sparql_server + "sparql")
    page.wait_for_function("window.frkgYasgui && window.frkgYasgui.getTab()")
    query = page.evaluate("() => window.frkgYasgui.getTab().getQuery()")
    assert f"PREFIX id: <{sparql_server}id/>" in query
    assert f"PREFIX frkg: <{sparql_server}ontology#>" in query
    assert page.problems == []
