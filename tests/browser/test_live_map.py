"""The live opinion map in real headless Chromium: two people on the same issue."""

from __future__ import annotations

import time

import pytest

from app.extensions import db
from app.models import Issue
from tests.support.issues import make_issue
from tests.support.opinion_data import make_blocs

pytestmark = pytest.mark.browser


def slug_of(app, issue_id: int) -> str:
    with app.app_context():
        return db.session.get(Issue, issue_id).slug


def open_issue(new_context, url: str, **kwargs):
    page = new_context(**kwargs).new_page()
    page.goto(url)
    page.wait_for_selector("#opinion-map .om-group")  # the first map arrived over the socket
    return page


def vote_in_page(page, times: int) -> None:
    """Click "Agree" on the statements the page offers, waiting for each acknowledgement."""
    for _ in range(times):
        statement_id = page.locator('#vote input[name="statement_id"]').input_value()
        page.locator("#vote button.vote-agree").click()
        page.wait_for_function(
            "id => document.querySelector('#vote input[name=\"statement_id\"]').value !== id "
            "|| !document.querySelector('[data-all-voted]').hidden",
            arg=statement_id,
        )


def test_votes_in_one_browser_change_the_other_map_within_2_seconds(live_server, new_context):
    app = live_server.app
    issue_id = make_issue(app)
    make_blocs(app, issue_id)
    url = f"{live_server.url}/issues/{slug_of(app, issue_id)}"
    watcher = open_issue(new_context, url)
    voter = open_issue(new_context, url)
    watcher.evaluate("window.__notReloaded = true")
    tick = int(watcher.get_attribute("#opinion-map", "data-tick"))
    assert watcher.locator("#opinion-map .om-group").count() == 2
    assert watcher.locator("[data-om-points] > *").count() == 40

    vote_in_page(voter, 7)
    acknowledged = time.monotonic()

    # A newer tick with the new participant on the map, within 2 s, without reload.
    watcher.wait_for_function(
        "tick => +document.getElementById('opinion-map').dataset.tick > tick"
        " && document.querySelectorAll('[data-om-points] > *').length === 41",
        arg=tick,
        timeout=2000,
    )
    assert time.monotonic() - acknowledged < 2.0
    assert watcher.evaluate("window.__notReloaded") is True
    # The voter sees where they stand: the "you are here" marker and their group.
    voter.wait_for_selector("[data-om-me-marker]", state="attached")
    assert "You are in group" in voter.locator("[data-om-you]").inner_text()
    assert watcher.locator("[data-om-me-marker]").count() == 0  # the watcher has not voted


def test_accessible_equivalent_and_untrusted_text(live_server, new_context):
    app = live_server.app
    issue_id = make_issue(app)
    make_blocs(app, issue_id)
    page = open_issue(new_context, f"{live_server.url}/issues/{slug_of(app, issue_id)}")

    # The statement texts contain "<b>view</b>": shown as text, never as markup.
    assert page.locator("#opinion-map b").count() == 0
    assert "<b>view</b>" in page.locator("#opinion-map .om-group").first.inner_text()
    # The SVG is one labelled image whose description summarises the groups.
    assert page.get_attribute("[data-om-svg]", "role") == "img"
    assert "2 groups" in page.locator("[data-om-desc]").text_content()
    # The table opens from the keyboard and lists every representative statement per group.
    page.locator(".om-table-details summary").focus()
    page.keyboard.press("Enter")
    table = page.get_by_role("table", name="How each group voted on its representative statements")
    assert table.is_visible()
    headers = table.locator("thead th").all_inner_texts()
    assert headers[2:] == ["Group A (20 people)", "Group B (20 people)"]
    assert table.locator("tbody tr").count() == sum(
        page.locator(f".om-group[data-group-id='{g}'] .om-statement-list > li").count() for g in (0, 1)
    )


def test_the_map_fits_a_phone_and_survives_a_lost_connection(live_server, new_context):
    app = live_server.app
    issue_id = make_issue(app)
    make_blocs(app, issue_id)
    url = f"{live_server.url}/issues/{slug_of(app, issue_id)}"
    context = new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.goto(url)
    phone.wait_for_selector("#opinion-map .om-group")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = phone.locator("[data-om-svg]").bounding_box()
    assert 300 <= box["width"] <= 360

    context.set_offline(True)
    phone.wait_for_selector("[data-om-connection][data-state='lost']", timeout=15_000)
    context.set_offline(False)
    phone.wait_for_selector("[data-om-connection][data-state='live']", timeout=15_000)
    tick = int(phone.get_attribute("#opinion-map", "data-tick"))

    voter = open_issue(new_context, url)
    vote_in_page(voter, 7)
    phone.wait_for_function(
        "tick => +document.getElementById('opinion-map').dataset.tick > tick",
        arg=tick,
        timeout=5000,
    )
