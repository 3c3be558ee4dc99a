"""The outbox isolates a bad message, titles are one line (issue 14, point 9); following by email
answers a concurrent duplicate cleanly and its links are opaque (point 12)."""

from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import IssueFollower, OutboxEmail, utcnow
from app.services.accountability import following, outbox
from tests.app.test_following import follow, link, send
from tests.support.issues import count
from tests.support.mail import smtp_server, with_mail_server
from tests.support.ministry import setup_issue, speak_english
from tests.support.network import free_port


@pytest.fixture(autouse=True)
def english(client):
    speak_english(client)


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def app_config(app_config, smtp_port):
    return with_mail_server(app_config, smtp_port)


@pytest.fixture
def inbox(smtp_port):
    with smtp_server(smtp_port) as handler:
        yield handler


def _put(key: str, subject: str, headers: dict[str, str] | None = None) -> None:
    """A row as an older version (or a bug) could have stored it, bypassing ``enqueue``'s cleaning."""
    row = dict(dedupe_key=key, to="x@example.org", subject=subject, text_body="Body", headers=headers or {})
    db.session.add(OutboxEmail(**row, created_at=utcnow(), attempts=0, next_attempt_at=utcnow()))


def test_one_unbuildable_message_does_not_stall_the_others(app, inbox):
    with app.app_context():
        _put("a", "First")
        _put("b", "Broken\r\nBcc: everyone@example.org")
        _put("c", "Third", headers={"X-Bad": "line\nbreak"})
        _put("d", "Fourth")
        db.session.commit()
    report = send(app)
    assert (report.sent, report.failed) == (2, 2)
    assert sorted(m["Subject"] for m in inbox.messages) == ["First", "Fourth"]
    with app.app_context():
        broken = db.session.scalars(select(OutboxEmail).where(OutboxEmail.sent_at.is_(None))).all()
        assert {row.dedupe_key for row in broken} == {"b", "c"}
        assert all(row.last_error and row.attempts == outbox.MAX_ATTEMPTS for row in broken)  # not retried
    assert send(app).sent == 0


def test_enqueue_keeps_subjects_on_one_line(app):
    with app.app_context():
        outbox.enqueue(dedupe_key="k", to="x@example.org", subject="Night\nbuses\u2028now", text_body="Body")
        db.session.commit()
        assert db.session.scalar(select(OutboxEmail.subject)) == "Night buses now"


@pytest.mark.parametrize("title", ["Two\nlines", "Carriage\rreturn", "Line\u2028separator", "Bell\x07"])
def test_issue_titles_with_line_breaks_or_controls_are_refused(app, auth, title):
    auth.login("facilitator")
    data = {"title": title, "slug": "night-buses", "statement_max_length": "140", "moderation_mode": "lazy",
            "inform_response_days": "7", "final_response_days": "60"}  # fmt: skip
    response = auth.post("/console/issues/new", data=data)
    assert response.status_code == 400
    from app.models import Issue

    assert count(app, Issue) == 0


def test_a_concurrent_duplicate_follow_is_answered_cleanly(app, client, monkeypatch):
    """The other request inserted the same address between our look-up and our insert."""
    issue_id, slug, _ = setup_issue(app)
    original = following._add_follower

    def racing(issue, address, locale):
        with app.app_context():  # another request, another session: it wins the race
            db.session.add(IssueFollower(issue_id=issue.id, email=address, locale=locale))
            db.session.commit()
        return original(issue, address, locale)

    monkeypatch.setattr(following, "_add_follower", racing)
    response = follow(client, slug, "race@example.org")
    assert response.status_code == 302
    assert count(app, IssueFollower) == 1


def test_links_carry_no_address(app, client, inbox):
    _, slug, _ = setup_issue(app)
    follow(client, slug, "secret.reader@example.org")
    send(app)
    message = inbox.to("secret.reader@example.org")[0]
    url = link(message, "follow/confirm")
    token = url.rsplit("/", 1)[1]
    for part in token.split("."):
        decoded = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        # Random token bytes can hold any byte (an "@" too): look for the address's parts.
        assert b"secret" not in decoded and b"example.org" not in decoded
    assert "secret.reader" not in url
    with app.app_context():
        stored = db.session.scalar(select(IssueFollower))
        assert (
            len(stored.token) >= 40
            and stored.token
            in base64.urlsafe_b64decode(token.split(".")[0] + "=" * (-len(token.split(".")[0]) % 4)).decode()
        )
    # The link still works.
    page = client.get(url)
    assert page.status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert client.post(url, data={"csrf_token": csrf}).status_code == 302
