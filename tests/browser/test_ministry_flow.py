"""Real Chromium: a facilitator opens `inform`, the ministry answers, a citizen sees "on time"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Role, User
from app.services.passwords import hash_password
from tests.support.ministry import AGENCY, setup_issue

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


def make_user(app, email: str, role: Role, agency: str | None = None) -> None:
    with app.app_context():
        db.session.add(User(email=email, password_hash=hash_password(PASSWORD), role=role, agency=agency))
        db.session.commit()


def log_in(page, base_url: str, email: str) -> None:
    page.goto(base_url + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name=re.compile("Log out"))).to_be_visible()


def test_facilitator_opens_inform_ministry_answers_citizen_sees_on_time(live_server, new_context):
    app = live_server.app
    _, slug, statements = setup_issue(app, title="Ride-sharing and taxis")
    make_user(app, "facilitator@example.org", Role.FACILITATOR)
    make_user(app, "ministry@example.org", Role.MINISTRY, agency=AGENCY)

    # The facilitator opens the inform stage in the console.
    facilitator = new_context().new_page()
    log_in(facilitator, live_server.url, "facilitator@example.org")
    facilitator.goto(f"{live_server.url}/console/issues/{slug}")
    facilitator.get_by_label("Open or reopen a stage").select_option("inform")
    facilitator.get_by_role("button", name="Open", exact=True).click()
    expect(facilitator.get_by_text("Stage “Inform” is open.")).to_be_visible()

    # The ministry member finds the response on the issue page, with its countdown, and answers.
    ministry = new_context().new_page()
    log_in(ministry, live_server.url, "ministry@example.org")
    ministry.goto(f"{live_server.url}/issues/{slug}")
    responses = ministry.locator("#responses")
    expect(responses.locator(".response-badge")).to_have_text("Due in 7 days")
    responses.get_by_role("link", name="Write the response").click()
    points = ministry.locator(".answer-point")
    expect(points).to_have_count(len(statements))
    for index in range(len(statements)):
        point = points.nth(index)
        point.get_by_label("Under study" if index == 2 else "Accepted").check()
        point.get_by_label("Reasons").fill(f"Reason number {index + 1}.")
    ministry.get_by_label("Summary (optional, Markdown)").fill("We **accept** most of the proposals.")
    ministry.get_by_role("button", name="Publish the response").click()
    expect(ministry.get_by_text("Your response is published.")).to_be_visible()

    # A citizen (no account) sees the published response with the on-time badge.
    citizen = new_context().new_page()
    citizen.goto(f"{live_server.url}/issues/{slug}")
    card = citizen.locator("#responses .response-card")
    expect(card.locator(".response-badge")).to_have_text("Answered on time")
    expect(card.locator(".response-point")).to_have_count(len(statements))
    expect(card.get_by_text("Under study")).to_be_visible()
    expect(card.locator(".response-summary strong")).to_have_text("accept")
    expect(card.get_by_role("link", name="Write the response")).to_have_count(0)

    citizen.goto(f"{live_server.url}/responses?status=answered")
    expect(citizen.get_by_role("link", name="Ride-sharing and taxis")).to_be_visible()
