"""Real headless Chromium votes through the issue page, by mouse and by keyboard alone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.models import Stage, VoteEvent
from tests.support.issues import count, make_issue, make_statement

pytestmark = pytest.mark.browser


@pytest.fixture
def issue(live_server):
    app = live_server.app
    issue_id = make_issue(app, slug="browser", title="Night buses", current_stage=Stage.VOTING)
    texts = [f"<b>Statement</b> number {n}" for n in range(3)]
    for text in texts:
        make_statement(app, issue_id, text)
    return {"url": live_server.url + "/issues/browser", "texts": texts, "app": app}


def test_vote_with_javascript_updates_counts_and_shows_the_next_statement(issue, page):
    page.goto(issue["url"])
    votes = page.locator('[data-counts] [data-count="votes"]')
    participants = page.locator('[data-counts] [data-count="participants"]')
    text = page.locator("[data-statement-text]")
    expect(votes).to_have_text("0")
    first = text.inner_text()
    assert first in issue["texts"]  # shown as text, not as markup
    page.get_by_role("button", name="Agree", exact=True).click()
    expect(votes).to_have_text("1")
    expect(participants).to_have_text("1")
    expect(text).not_to_have_text(first)
    second = text.inner_text()
    assert second in issue["texts"]
    assert page.url == issue["url"]  # no reload: the script did it through the API
    page.get_by_role("button", name="Disagree", exact=True).click()
    expect(votes).to_have_text("2")
    page.get_by_role("button", name="Pass", exact=True).click()
    expect(page.locator("[data-all-voted]")).to_be_visible()
    expect(page.locator("[data-statement-card]")).to_be_hidden()
    assert count(issue["app"], VoteEvent) == 3

    page.goto(issue["url"].replace("/browser", "/browser/my-votes"))
    expect(page.locator(".my-vote")).to_have_count(3)
    expect(page.locator('.my-vote button[aria-pressed="true"]')).to_have_count(3)


def test_keyboard_only_vote(issue, page):
    page.goto(issue["url"])
    votes = page.locator('[data-counts] [data-count="votes"]')
    text = page.locator("[data-statement-text]")
    first = text.inner_text()
    # Tab through the page to the Agree button and press Enter, as a keyboard user would.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.value") == "agree":
            break
    else:
        pytest.fail("the Agree button is not reachable with Tab")
    page.keyboard.press("Enter")
    expect(votes).to_have_text("1")
    expect(text).not_to_have_text(first)
    # Focus moves to the next statement's first button, so the next Enter votes again.
    assert page.evaluate("document.activeElement.value") == "agree"
    # And the announced shortcut: "d" disagrees.
    expect(page.locator("#shortcut-hint")).to_be_visible()
    page.keyboard.press("d")
    expect(votes).to_have_text("2")
