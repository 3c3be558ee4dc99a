"""Following an issue by email: double opt-in, one-click unsubscribe, and the outbox sent over a
real SMTP server (aiosmtpd on a free loopback port)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
import time_machine
from sqlalchemy import select

from app.extensions import db
from app.models import Issue, IssueFollower, OutboxEmail, Role
from app.services.accountability import outbox
from app.services.accountability.mail_sender import OutboxSender
from tests.support.issues import count, make_issue
from tests.support.mail import smtp_server, with_mail_server
from tests.support.ministry import (
    AGENCY,
    full_answers,
    open_stage,
    setup_issue,
    speak_english,
    the_response,
)
from tests.support.network import free_port
from tests.support.waiting import eventually

START = datetime(2026, 5, 4, 1, 0, tzinfo=UTC)


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
    """A real SMTP server on the configured port, for the test's duration."""
    with smtp_server(smtp_port) as handler:
        yield handler


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def send(app) -> outbox.SendReport:
    with app.app_context():
        return outbox.send_due()


def follow(client, slug: str, email: str, language: str = "en"):
    page = client.get(f"/issues/{slug}/follow", headers={"Accept-Language": language}).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(
        f"/issues/{slug}/follow",
        data={"csrf_token": token, "email": email},
        headers={"Accept-Language": language},
    )


def link(message: EmailMessage, path: str) -> str:
    """The path of the first link to ``path`` in the message body."""
    return re.search(rf"https://agora\.example(/{path}/\S+)", message.get_content()).group(1)


def confirm(client, message: EmailMessage):
    url = link(message, "follow/confirm")
    page = client.get(url)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post(url, data={"csrf_token": token})


def test_double_opt_in_then_notifications_reach_only_confirmed_followers(app, client, auth, inbox, clock):
    issue_id, slug, statements = setup_issue(app, title="Uber & taxis")
    assert follow(client, slug, " Reader@Example.org ").status_code == 302
    assert follow(client, slug, "bystander@example.org").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(IssueFollower).filter_by(email="reader@example.org")).confirmed_at is None

    assert send(app).sent == 2
    (confirmation,) = inbox.to("reader@example.org")
    assert confirmation["From"] == "agora@agora.example"
    assert "Uber & taxis" in confirmation["Subject"]  # plain text: no HTML escaping in email
    assert "List-Unsubscribe" not in confirmation  # not subscribed yet

    # Asking again the same day sends no second confirmation; the page answers the same way.
    assert follow(client, slug, "reader@example.org").status_code == 302
    assert send(app).sent == 0

    # Opening the link shows a button; only the POST confirms (mail scanners open links too).
    with app.app_context():
        assert db.session.scalar(select(IssueFollower).filter_by(email="reader@example.org")).confirmed_at is None
    assert confirm(client, confirmation).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(IssueFollower).filter_by(email="reader@example.org")).confirmed_at == START

    clock.shift(timedelta(hours=1))
    open_stage(auth, slug, "inform")
    assert send(app).sent == 1  # the bystander never confirmed
    (stage_mail,) = inbox.to("reader@example.org")[1:]
    assert stage_mail["Subject"] == "“Uber & taxis” is now in the Inform stage"
    body = stage_mail.get_content()
    assert f"https://agora.example/issues/{slug}" in body
    assert f"{AGENCY} must respond by" in body
    unsubscribe_url = link(stage_mail, "follow/unsubscribe")
    assert stage_mail["List-Unsubscribe"] == f"<https://agora.example{unsubscribe_url}>"
    assert stage_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert stage_mail["Message-ID"].endswith("@agora.example>")

    # The ministry answers: one more email, and a second run of the sender sends nothing twice.
    clock.shift(timedelta(days=1))
    auth.login(Role.MINISTRY, agency=AGENCY)
    assert (
        auth.post(f"/ministry/responses/{the_response(app, issue_id).id}", data=full_answers(statements)).status_code
        == 302
    )
    assert send(app).sent == 1
    assert send(app).sent == 0
    response_mail = inbox.to("reader@example.org")[-1]
    assert response_mail["Subject"] == f"{AGENCY} answered on “Uber & taxis”"
    assert "It answers 3 points." in response_mail.get_content()
    assert len(inbox.messages) == 4
    with app.app_context():
        assert db.session.scalar(select(OutboxEmail).where(OutboxEmail.sent_at.is_(None))) is None


def test_the_same_notification_is_never_enqueued_twice(app, auth, clock):
    issue_id, slug, _ = setup_issue(app)
    with app.app_context():
        db.session.add(IssueFollower(issue_id=issue_id, email="a@example.org", locale="en", confirmed_at=START))
        db.session.commit()
        from app.services.accountability.following import queue_stage_changed

        issue = db.session.get(Issue, issue_id)
        assert queue_stage_changed(issue, "research", START) == 1
        assert queue_stage_changed(issue, "research", START) == 0  # the same change queued again
        db.session.commit()
    assert count(app, OutboxEmail) == 1


def test_emails_follow_the_follower_s_language(app, client, auth, inbox, clock):
    _, slug, _ = setup_issue(app, title="外送員保險")
    follow(client, slug, "zh@example.org", language="zh-TW")
    send(app)
    (confirmation,) = inbox.to("zh@example.org")
    assert "外送員保險" in confirmation["Subject"] and "確認" in confirmation["Subject"]
    confirm(client, confirmation)
    open_stage(auth, slug, "research")
    send(app)
    stage_mail = inbox.to("zh@example.org")[-1]
    assert stage_mail["Subject"] == "「外送員保險」已進入研究階段"
    assert "取消" in stage_mail.get_content()


def test_invalid_email_is_refused_and_nothing_is_stored(app, client):
    issue_id = make_issue(app)
    with app.app_context():
        slug = db.session.get(Issue, issue_id).slug
    response = follow(client, slug, "not an address")
    assert response.status_code == 400
    assert "Enter a valid email address." in response.get_data(as_text=True)
    assert count(app, IssueFollower) == 0 and count(app, OutboxEmail) == 0


def test_confirmation_links_expire_and_forged_links_fail(app, client, inbox, clock):
    _, slug, _ = setup_issue(app)
    follow(client, slug, "late@example.org")
    send(app)
    url = link(inbox.to("late@example.org")[0], "follow/confirm")
    assert client.get(url[:-3] + "abc").status_code == 400
    clock.shift(timedelta(days=8))
    expired = client.get(url)
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)


def test_one_click_unsubscribe_without_cookies_or_csrf(app, client, auth, inbox, clock):
    issue_id, slug, _ = setup_issue(app)
    with app.app_context():
        db.session.add(IssueFollower(issue_id=issue_id, email="bye@example.org", locale="en", confirmed_at=START))
        db.session.commit()
    open_stage(auth, slug, "research")
    send(app)
    url = link(inbox.to("bye@example.org")[0], "follow/unsubscribe")

    # Opening the link asks first and changes nothing.
    assert "Unsubscribe" in english_client(app).get(url).get_data(as_text=True)
    assert count(app, IssueFollower) == 1
    # RFC 8058: the mail client POSTs this body, with no cookie and no CSRF token.
    done = english_client(app).post(
        url, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert done.status_code == 200 and "You are unsubscribed" in done.get_data(as_text=True)
    assert count(app, IssueFollower) == 0
    # Again: still fine, nothing to delete.
    assert english_client(app).post(url, data="List-Unsubscribe=One-Click").status_code == 200
    assert english_client(app).post(url[:-2] + "xx").status_code == 400

    open_stage(auth, slug, "inform")
    assert send(app).sent == 0


def test_failed_delivery_is_retried_with_backoff_not_lost(app, smtp_port, clock):
    with app.app_context():
        outbox.enqueue(dedupe_key="k1", to="x@example.org", subject="Hello", text_body="Body")
        db.session.commit()
    # Nobody listens on the port yet: the attempt fails and a retry is scheduled.
    report = send(app)
    assert (report.sent, report.failed) == (0, 1)
    with app.app_context():
        row = db.session.scalar(select(OutboxEmail))
        assert row.sent_at is None and row.attempts == 1
        assert row.next_attempt_at == START + outbox.BASE_DELAY
        assert "Connection" in row.last_error or "refused" in row.last_error.lower()
    assert send(app).failed == 0  # not due again yet

    with smtp_server(smtp_port) as handler:
        clock.shift(outbox.BASE_DELAY)
        assert send(app).sent == 1
        assert send(app).sent == 0
    assert [m["Subject"] for m in handler.messages] == ["Hello"]
    with app.app_context():
        row = db.session.scalar(select(OutboxEmail))
        assert row.attempts == 2 and row.sent_at == START + outbox.BASE_DELAY and row.last_error is None


def test_backoff_grows_exponentially_and_is_capped():
    assert [outbox.backoff(n) for n in (1, 2, 3)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]
    assert outbox.backoff(30) == outbox.MAX_DELAY


def test_send_mail_command_and_background_sender(app, runner, inbox):
    with app.app_context():
        outbox.enqueue(dedupe_key="cli", to="cli@example.org", subject="By the command", text_body="1")
        db.session.commit()
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0 and "sent 1, failed 0" in result.output
    assert [m["To"] for m in inbox.messages] == ["cli@example.org"]

    app.config["MAIL_POLL_INTERVAL"] = 0.05
    sender = OutboxSender()
    sender.start(app)
    try:
        with app.app_context():
            outbox.enqueue(dedupe_key="bg", to="bg@example.org", subject="By the worker", text_body="2")
            db.session.commit()
        eventually(lambda: inbox.to("bg@example.org"), timeout=5)
    finally:
        sender.stop()
    assert len(inbox.to("bg@example.org")) == 1
    assert len(inbox.messages) == 2


def english_client(app):
    """A fresh client with no cookies (as a mail client is), reading English."""
    client = app.test_client()
    speak_english(client)
    return client


@pytest.mark.slow
def test_send_mail_loop_finishes_its_round_and_exits_on_sigterm(app, app_config, inbox, smtp_port, tmp_path):
    """`agora send-mail --loop` as a supervisor runs it: it sends, and a stop signal ends it cleanly."""
    with app.app_context():
        outbox.enqueue(dedupe_key="loop", to="loop@example.org", subject="By the loop", text_body="3")
        db.session.commit()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PYTEST_"))},
        "DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "send-mail-loop-test",
        "AGORA_INSTANCE_PATH": str(tmp_path),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
    }
    command = [sys.executable, "-c", "from app.cli import main; main()", "send-mail", "--loop", "--interval", "60"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        eventually(lambda: inbox.to("loop@example.org"), timeout=30)
        process.send_signal(signal.SIGTERM)  # mid-wait: the 60 s interval must not delay the exit
        output, _ = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0, output
    assert "sent 1, failed 0" in output
    with app.app_context():
        assert db.session.scalar(select(OutboxEmail.sent_at).where(OutboxEmail.dedupe_key == "loop")) is not None
