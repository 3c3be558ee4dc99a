"""Claiming due rows of a retry queue (the email outbox, webhook deliveries) for one sending round.

A row is due while it is not done, its next attempt time has come and it has tries left. Claiming
counts the try and moves the next attempt time on by the back-off before anything is sent, and
commits that at once: a sender that dies mid-round leaves the row to be retried later, and two
senders never take the same row (``SKIP LOCKED`` on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from app.extensions import db


def claim_due_rows(
    model: type,
    done_at: InstrumentedAttribute,
    *,
    now: datetime,
    limit: int,
    max_attempts: int,
    backoff: Callable[[int], timedelta],
) -> list[int]:
    """Claim up to ``limit`` due rows of ``model`` (not done: ``done_at`` is null) and commit; their ids."""
    rows = db.session.scalars(
        select(model)
        .where(done_at.is_(None), model.next_attempt_at <= now, model.attempts < max_attempts)
        .order_by(model.next_attempt_at, model.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        row.attempts += 1
        row.next_attempt_at = now + backoff(row.attempts)
    ids = [row.id for row in rows]
    db.session.commit()
    return ids
