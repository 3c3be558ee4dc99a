"""An embed in real headless Chromium: a page on another origin (a second loopback port) frames the
issue with static/embed.js and votes; a page whose origin is not listed cannot frame it."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import EmbedSettings, Stage, Statement, Vote, XidParticipant
from tests.support.issues import make_issue, make_statement

pytestmark = pytest.mark.browser


class HostSite:
    """An agency's site on its own loopback port: one page with the embed snippet."""

    def __init__(self, agora_url: str, xid: str) -> None:
        page = (
            "<!doctype html><html><head><title>Agency</title></head><body>"
            "<h1>Our consultation</h1>"
            f'<div class="agora-embed" data-issue="buses" data-xid="{xid}" data-map="1"></div>'
            f'<script src="{agora_url}/static/embed.js"></script>'
            "</body></html>"
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sites(live_server):
    app = live_server.app
    issue_id = make_issue(app, slug="buses", title="Night buses", current_stage=Stage.VOTING)
    make_statement(app, issue_id, "Buses every ten minutes after midnight")
    allowed, other = HostSite(live_server.url, "agency-7"), HostSite(live_server.url, "agency-8")
    with app.app_context():
        db.session.add(EmbedSettings(issue_id=issue_id, frame_origins=[allowed.origin], xid_only=False))
        db.session.commit()
    yield {"app": app, "issue_id": issue_id, "allowed": allowed, "other": other}
    allowed.close()
    other.close()


def test_an_allowed_site_embeds_the_issue_and_votes(sites, page):
    page.goto(sites["allowed"].origin)
    iframe = page.locator("div.agora-embed iframe")
    expect(iframe).to_have_count(1)
    frame = page.frame_locator("div.agora-embed iframe")
    expect(frame.locator("[data-statement-text]")).to_have_text("Buses every ten minutes after midnight")
    expect(frame.locator(".embed-map svg")).to_be_visible()
    # The host script sizes the iframe to the content the embed reports (not the 320 px it starts at).
    page.wait_for_function("() => document.querySelector('div.agora-embed iframe').style.height !== '320px'")
    frame.get_by_role("button", name="Agree", exact=True).click()
    expect(frame.locator("[data-all-voted]")).to_be_visible()
    expect(frame.locator("[data-vote-error]")).to_be_hidden()
    frame.get_by_label("Add a statement").fill("Trains too, please")
    frame.get_by_role("button", name="Post statement").click()
    expect(frame.locator("[data-statement-status]")).to_have_text("Thank you! Your statement was posted.")
    app = sites["app"]
    with app.app_context():
        (vote,) = db.session.scalars(select(Vote)).all()
        mapping = db.session.scalar(select(XidParticipant).where(XidParticipant.xid == "agency-7"))
        assert vote.participant_id == mapping.participant_id and vote.value == 1
        posted = db.session.scalar(select(Statement).where(Statement.text == "Trains too, please"))
        assert posted.author_id == mapping.participant_id


def test_a_site_not_on_the_list_cannot_frame_it(sites, page):
    with page.expect_console_message(lambda message: "frame-ancestors" in message.text) as refusal:
        with page.expect_event("framenavigated", predicate=lambda frame: frame != page.main_frame) as navigated:
            page.goto(sites["other"].origin)
    # Chromium refused to render the framed document: the frame holds its error page, no vote card.
    assert navigated.value.url.startswith("chrome-error://")
    assert sites["allowed"].origin in refusal.value.text and "blocked" in refusal.value.text
    assert [frame.url for frame in page.frames if "/embed/" in frame.url] == []
    with sites["app"].app_context():
        assert db.session.scalars(select(Vote)).all() == []
