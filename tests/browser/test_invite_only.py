"""An invite-only issue in real headless Chromium: the rule's message instead of the vote buttons,
then an invite link (opened and accepted with the keyboard alone, on a phone-sized screen), then voting."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import InviteCode, Participation, Stage, Vote
from tests.support.issues import count, make_issue, make_statement

pytestmark = pytest.mark.browser


@pytest.fixture
def invite_only(live_server):
    app = live_server.app
    issue_id = make_issue(
        app, slug="invited", title="Night buses", current_stage=Stage.VOTING, participation=Participation.INVITE
    )
    make_statement(app, issue_id, "Buses should run all night")
    with app.app_context():
        db.session.add(InviteCode(issue_id=issue_id, code="a-single-use-code"))
        db.session.commit()
    return {"base": live_server.url, "app": app}


def test_invite_link_opens_voting(invite_only, new_context):
    base, app = invite_only["base"], invite_only["app"]
    page = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()

    page.goto(f"{base}/issues/invited")
    note = page.locator("[data-participation-required]")
    expect(note).to_contain_text("invited people only")
    expect(page.get_by_role("button", name="Agree", exact=True)).to_have_count(0)

    page.goto(f"{base}/issues/invited/invite/a-single-use-code")
    accept = page.get_by_role("button", name="Accept the invitation")
    accept.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}/issues/invited")
    expect(page.locator("[data-participation-required]")).to_have_count(0)
    page.get_by_role("button", name="Agree", exact=True).click()
    expect(page.locator("[data-all-voted]")).to_be_visible()
    assert count(app, Vote) == 1

    # The code is spent: someone else opening the same link is told so, and still cannot vote.
    other = new_context(locale="zh-TW").new_page()
    other.goto(f"{base}/issues/invited/invite/a-single-use-code")
    expect(other.get_by_role("alert")).to_contain_text("已被其他人使用")
    other.goto(f"{base}/issues/invited")
    expect(other.locator("[data-participation-required]")).to_contain_text("僅限受邀者")


def test_a_changed_rule_replaces_the_buttons_with_its_message(live_server, new_context):
    """The page was loaded while the issue was open; then it became invite-only."""
    app = live_server.app
    issue_id = make_issue(app, slug="closing", title="Fares", current_stage=Stage.VOTING)
    make_statement(app, issue_id, "Fares should fall at night")
    page = new_context().new_page()
    page.goto(f"{live_server.url}/issues/closing")
    with app.app_context():
        from app.models import Issue

        db.session.get(Issue, issue_id).participation = Participation.INVITE
        db.session.commit()
    page.get_by_role("button", name="Agree", exact=True).click()
    expect(page.locator("#vote .participation-required")).to_contain_text("invited people only")
    expect(page.get_by_role("button", name="Agree", exact=True)).to_have_count(0)
    assert count(app, Vote) == 0
