"""Deadline arithmetic for ministry responses: pure functions of aware UTC datetimes.

Days are exact 24-hour periods, not calendar days: a response due "within 7 days" of an
opening at 10:00 on Monday is due at 10:00 the Monday after, wherever the reader is, and
every figure below is the same in Taipei and in UTC. Counts round *up* to whole days, so an
answer one minute past the deadline is "late by 1 day" and a response with 30 hours left is
"due in 2 days". The deadline itself is inclusive: an answer at exactly ``due_at`` is on time.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

DAY = timedelta(days=1)


class ResponseStatus(enum.StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"
    ANSWERED = "answered"


class BadgeKind(enum.StrEnum):
    DUE_IN = "due_in"  # open: a countdown
    OVERDUE = "overdue"  # unanswered past the deadline
    ON_TIME = "on_time"  # answered by the deadline
    LATE = "late"  # answered after the deadline


@dataclass(frozen=True)
class Badge:
    """What the public accountability badge says: a kind and a whole number of days."""

    kind: BadgeKind
    days: int = 0


def _require_aware(*values: datetime | None) -> None:
    for value in values:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass aware UTC datetimes")


def due_date(opened_at: datetime, days: int) -> datetime:
    """The deadline ``days`` exact 24-hour periods after ``opened_at``."""
    _require_aware(opened_at)
    if days < 1:
        raise ValueError("a response period is at least one day")
    return opened_at + days * DAY


def whole_days(delta: timedelta) -> int:
    """A positive duration in days, rounded up (a minute counts as a day); 0 for none."""
    if delta <= timedelta(0):
        return 0
    return math.ceil(delta / DAY)


def status_at(due_at: datetime, answered_at: datetime | None, now: datetime) -> ResponseStatus:
    """Answered once published; otherwise open until (and at) the deadline, then overdue."""
    _require_aware(due_at, answered_at, now)
    if answered_at is not None:
        return ResponseStatus.ANSWERED
    return ResponseStatus.OVERDUE if now > due_at else ResponseStatus.OPEN


def badge_at(due_at: datetime, answered_at: datetime | None, now: datetime) -> Badge:
    """The badge at ``now``. ``due_at`` is the current (possibly extended) deadline."""
    status = status_at(due_at, answered_at, now)
    if status is ResponseStatus.ANSWERED:
        assert answered_at is not None
        if answered_at <= due_at:
            return Badge(BadgeKind.ON_TIME)
        return Badge(BadgeKind.LATE, whole_days(answered_at - due_at))
    if status is ResponseStatus.OVERDUE:
        return Badge(BadgeKind.OVERDUE, whole_days(now - due_at))
    return Badge(BadgeKind.DUE_IN, whole_days(due_at - now))


def check_extension(current_due_at: datetime, new_due_at: datetime, now: datetime) -> str | None:
    """Why an extension to ``new_due_at`` is refused, or None when it is allowed.

    An extension must move the deadline later and into the future; lateness is then measured
    against the new date, while the original stays on record.
    """
    _require_aware(current_due_at, new_due_at, now)
    if new_due_at <= current_due_at:
        return "not_later"
    if new_due_at <= now:
        return "in_past"
    return None
