"""The email outbox: enqueue once (deduplicated), send over SMTP with retries, never twice.

Sending claims due rows in a short transaction (``SELECT ... FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so several workers never claim the same row; SQLite has one worker) and pushes
their ``next_attempt_at`` ahead by the retry back-off. That doubles as a lease: a worker that
dies mid-send leaves the row to be retried later. Each message is marked sent in its own
commit right after the SMTP server accepts it, and sent rows are never selected again.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import OutboxEmail, utcnow
from app.services.retry_queue import claim_due_rows

#: Retry back-off: 1, 2, 4, ... minutes, at most a day apart; after MAX_ATTEMPTS the row stays
#: unsent with its last error, for an operator to look at.
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(days=1)
MAX_ATTEMPTS = 10
BATCH_SIZE = 50


def enqueue(*, dedupe_key: str, to: str, subject: str, text_body: str, headers: dict[str, str] | None = None) -> bool:
    """Add a message unless one with ``dedupe_key`` exists (not committed); True when added."""
    subject = " ".join(subject.split())  # a header is one line, whatever the title held
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(OutboxEmail)
        .values(
            dedupe_key=dedupe_key,
            to=to,
            subject=subject,
            text_body=text_body,
            headers=headers or {},
            created_at=utcnow(),
            attempts=0,
            next_attempt_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxEmail.id)
    )
    # A row comes back only when one was inserted (ORM-executed inserts give no rowcount).
    return db.session.execute(statement).first() is not None


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after ``attempts`` tries: exponential, capped."""
    return min(BASE_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)


def claim_due(now: datetime | None = None, limit: int = BATCH_SIZE) -> list[int]:
    """Claim up to ``limit`` due, unsent messages and commit the claim; their ids."""
    return claim_due_rows(
        OutboxEmail,
        OutboxEmail.sent_at,
        now=now or utcnow(),
        limit=limit,
        max_attempts=MAX_ATTEMPTS,
        backoff=backoff,
    )


def build_message(row: OutboxEmail, sender: str) -> EmailMessage:
    """The MIME message for an outbox row, with its stored extra headers."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.to
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = make_msgid(idstring=f"outbox{row.id}", domain=sender.rpartition("@")[2] or None)
    for name, value in (row.headers or {}).items():
        message[name] = value
    message.set_content(row.text_body)
    return message


def _connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config.get("MAIL_TIMEOUT", 10))
    if config["MAIL_USE_TLS"]:
        smtp.starttls()
    if config["MAIL_USERNAME"]:
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    return smtp


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0


def send_due(now: datetime | None = None) -> SendReport:
    """Send every due message, a batch per SMTP connection; failures are kept for a later retry."""
    now = now or utcnow()
    report = SendReport()
    # Claiming pushes each row's next attempt past ``now``, so this loop always ends.
    while ids := claim_due(now):
        _send_batch(ids, report)
    return report


def _send_batch(ids: list[int], report: SendReport) -> None:
    sender = current_app.config["MAIL_SENDER"]
    try:
        smtp = _connect()
    except (OSError, smtplib.SMTPException) as error:
        _record_failure(ids, error)
        report.failed += len(ids)
        return
    with smtp:
        for row_id in ids:
            row = db.session.get(OutboxEmail, row_id)
            if row is None or row.sent_at is not None:
                continue
            try:
                message = build_message(row, sender)
            except (ValueError, TypeError, UnicodeError) as error:
                # This message can never be built (e.g. a line break in a header): set it aside
                # for an operator and go on with the others; retrying would fail the same way.
                db.session.rollback()
                _record_failure([row_id], error, permanent=True)
                report.failed += 1
                continue
            try:
                smtp.send_message(message)
            except (OSError, smtplib.SMTPException, ValueError, UnicodeError) as error:
                db.session.rollback()
                _record_failure([row_id], error)
                report.failed += 1
                continue
            # Accepted by the server: record it at once, so no later run sends it again.
            row.sent_at = utcnow()
            row.last_error = None
            db.session.commit()
            report.sent += 1


def _record_failure(ids: list[int], error: Exception, *, permanent: bool = False) -> None:
    """Keep the error; the claim already scheduled the retry (none for a ``permanent`` failure)."""
    message = f"{type(error).__name__}: {error}"[:1000]
    values: dict[str, object] = {"last_error": message}
    if permanent:
        values["attempts"] = MAX_ATTEMPTS
    db.session.execute(update(OutboxEmail).where(OutboxEmail.id.in_(ids)).values(**values))
    db.session.commit()
    current_app.logger.warning("Email delivery failed for %d message(s): %s", len(ids), message)
