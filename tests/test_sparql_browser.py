"""The query page in a real browser (Debian's chromium through playwright), fully offline."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

#: Records every Content-Security-Policy violation of the page (CSP Level 3 section 5.4: the
#: securitypolicyviolation event), from the first script on.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.cspViolations.push(e.effectiveDirective + " " + e.blockedURI + " " + e.sourceFile +
    ":" + e.columnNumber + " " + e.sample);
});
"""


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

            def on_dialog(dialog):  # an alert() would mean a result ran as script
                page.problems.append(f"dialog: {dialog.message}")
                dialog.dismiss()

            page.on("dialog", on_dialog)
            page.add_init_script(RECORD_VIOLATIONS)
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


def test_the_starter_query_needs_no_prefix_lines_and_runs(page, sparql_server):
    """The dataset's prefixes are declared server side (pyoxigraph's ``prefixes=``) and listed on
    the page: the starter is four lines with none, and it runs."""
    page.goto(sparql_server + "sparql")
    page.wait_for_function("window.frkgYasgui && window.frkgYasgui.getTab()")
    query = page.evaluate("() => window.frkgYasgui.getTab().getQuery()")
    assert "PREFIX" not in query and "rdfs:label" in query
    listed = page.locator(".prefixes").inner_text()
    assert f"{sparql_server}ontology#" in page.locator(".prefix-table").inner_text(
        timeout=5000
    ) or ("frkg:" in listed)
    page.evaluate("() => window.frkgYasgui.getTab().query()")
    page.locator(".yasr table tbody tr").first.wait_for(timeout=30_000)
    assert page.problems == []


def test_the_page_opens_at_its_top_with_the_site_navigation(page, sparql_server):
    page.set_viewport_size({"width": 1400, "height": 800})
    page.goto(sparql_server + "sparql")
    page.wait_for_function("window.frkgYasgui && window.frkgYasgui.getTab()")
    page.wait_for_timeout(300)  # YASGUI draws its tab after a tick
    assert page.evaluate("window.scrollY") == 0
    nav = page.get_by_role("navigation", name="Site")
    assert nav.get_by_role("link", name="Policies").is_visible()
    assert page.problems == []


def test_examples_are_grouped_by_question_without_internal_references(page, sparql_server):
    page.goto(sparql_server + "sparql")
    text = page.locator(".examples").inner_text()
    for internal in ("facts.md", "README", "section 2.1"):
        assert internal not in text
    assert page.locator(".examples .question h3").count() >= 2


def test_each_example_links_its_results_as_csv(page, sparql_server):
    page.goto(sparql_server + "sparql")
    link = (
        page.locator(".examples li")
        .filter(has_text="open letter")
        .get_by_role("link", name="Results as CSV")
    )
    href = link.get_attribute("href")
    reply = page.request.get(sparql_server + href.lstrip("/"))
    assert reply.status == 200 and reply.headers["content-type"].startswith("text/csv")
    assert "HID Global" in reply.text()


def test_result_cells_show_their_whole_text(page, sparql_server):
    page.goto(sparql_server + "sparql")
    page.wait_for_function("window.frkgYasgui && window.frkgYasgui.getTab()")
    long = "x" * 40 + " " + "y" * 200
    page.evaluate(
        "(text) => { const tab = window.frkgYasgui.getTab();"
        " tab.setQuery('SELECT ?long WHERE { BIND(\"' + text + '\" AS ?long) }'); tab.query(); }",
        long,
    )
    cell = page.locator(".yasr table tbody td").filter(has_text="yyyy").first
    cell.wait_for(timeout=30_000)
    assert long in cell.inner_text()
    overflow = cell.evaluate(
        "td => [...td.querySelectorAll('div')].map(d => getComputedStyle(d).textOverflow)"
    )
    assert "ellipsis" not in overflow
    assert page.problems == []


def violations(page) -> list[str]:
    return page.evaluate("window.cspViolations")


#: An IRI (valid: ' = ; : ( ) are sub-delims, RFC 3987) that, written into href='...' as it
#: is, closes the attribute and adds a style covering the page and a handler.
HOSTILE_IRI = (
    "http://example.org/x'style='position:fixed;top:0;left:0;width:100vw;height:100vh;"
    "background:red;z-index:2147483647'onmouseover='alert(1)'"
)


def test_a_shared_query_link_with_a_hostile_iri_neither_restyles_the_page_nor_runs_script(
    page, sparql_server
):
    query = f"SELECT ?x WHERE {{ VALUES ?x {{ <{HOSTILE_IRI}> <javascript:alert(2)> }} }}"
    response = page.goto(sparql_server + "sparql?" + urlencode({"query": query}))
    csp = response.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "style-src 'self'" in csp
    links = page.locator(".yasr table tbody a.iri")
    links.first.wait_for(timeout=30_000)  # the link ran its query and shows the answer
    assert links.count() == 2
    hostile, script = links.nth(0), links.nth(1)
    assert hostile.get_attribute("href") == HOSTILE_IRI  # one attribute, holding the IRI
    assert hostile.get_attribute("style") is None
    assert hostile.get_attribute("onmouseover") is None
    assert hostile.evaluate("a => getComputedStyle(a).position") == "static"
    # Nothing covers the page: the page's own heading is what is at its top left.
    assert page.evaluate("() => document.elementFromPoint(20, 20).closest('.yasr table') === null")
    assert script.get_attribute("href") is None  # a javascript: IRI is shown, never linked
    hostile.hover()
    page.wait_for_timeout(300)
    assert violations(page) == []
    assert page.problems == []


def test_normal_use_of_the_query_page_reports_no_csp_violation(page, sparql_server):
    response = page.goto(sparql_server + "sparql")
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    page.get_by_role("button", name="Which organizations signed the open letter?").click()
    page.locator(".yasr table tbody tr").first.wait_for(timeout=30_000)
    # column-resizer's stylesheet (an allowed hash) applies
    table = page.locator(".yasr table.grip-resizable")
    assert table.evaluate("t => getComputedStyle(t).tableLayout") == "fixed"
    # drag a column's grip: its cursor stylesheet (an allowed hash) applies while dragging
    grip = page.locator(".grip-handle .grip-resizable").first
    grip.scroll_into_view_if_needed()
    box = grip.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 40, box["y"] + box["height"] / 2, steps=4)
    assert page.evaluate("() => getComputedStyle(document.body).cursor") == "col-resize"
    page.mouse.up()
    # the raw response, and back to the table
    page.locator(".yasr .select_response").click()
    page.locator(".yasr .select_table").click()
    # a syntax error's tooltip: its underline (a style attribute, an allowed hash) applies
    page.evaluate("() => { window.frkgYasgui.getTab().setQuery('SELECT * WHERE { ?s ?p }}'); }")
    page.locator(".parseErrorIcon").first.hover()
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.yasqe_tooltip strong'))"
        ".some(s => getComputedStyle(s).textDecorationLine === 'underline')",
        timeout=10_000,
    )
    # a query the server refuses (400), in a new tab
    page.locator(".addTab").first.click()
    page.evaluate(
        "() => { const tab = window.frkgYasgui.getTab();"
        " tab.setQuery('SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }');"
        " tab.query(); }"
    )
    page.locator(".yasr .errorResult").first.wait_for(timeout=30_000)
    assert violations(page) == []
    # The refusal is the only problem (YASGUI also reports it as an unhandled rejection).
    assert all("400" in p or "SERVICE clauses are not allowed" in p for p in page.problems), (
        page.problems
    )
