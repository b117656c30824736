"""Links written without url_for (entity pages and documents build them directly, for speed)
are the links url_for gives, also when the app is mounted under a path (WSGI SCRIPT_NAME)."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from http_helpers import parse_html

THING = "the-seattle-times"


@pytest.mark.parametrize("root", ["", "/mounted/here"])
def test_link_header_and_page_links_match_url_for(app, root):
    client = app.test_client()
    env = {"SCRIPT_NAME": root}
    reply = client.get(f"/data/{THING}.ttl", environ_overrides=env)
    targets = re.findall(r"<([^>]+)>; rel=\"alternate\"", reply.headers["Link"])
    with app.test_request_context(environ_overrides=env):
        expected = [url_for("entities.page", slug=THING)] + [
            url_for("entities.document", slug=THING, ext=ext)
            for ext in ("jsonld", "rdf", "nt", "nq", "trig")
        ]
        entity_links = {
            url_for("entities.page", slug=slug)
            for slug in ("the-seattle-times", "seattle-times-2019-tech-and-police-groups")
        }
    assert targets == expected
    assert all(t.startswith(root + "/") for t in targets)
    page = parse_html(client.get(f"/page/{THING}", environ_overrides=env).get_data(as_text=True))
    hrefs = {a["href"] for a in page.attrs("a") if "href" in a}
    assert entity_links & hrefs
    assert all(h.startswith(root + "/") for h in hrefs if "/page/" in h)
