"""The deadline arithmetic of ministry responses, with frozen time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from app.models import utcnow
from app.models.deadlines import (
    Badge,
    BadgeKind,
    ResponseStatus,
    badge_at,
    check_extension,
    due_date,
    status_at,
    whole_days,
)

TAIPEI = ZoneInfo("Asia/Taipei")
# Monday 2026-03-02, 10:00 in Taipei (02:00 UTC): the inform stage opens.
OPENED = datetime(2026, 3, 2, 10, 0, tzinfo=TAIPEI).astimezone(UTC)
DUE = due_date(OPENED, 7)


def test_due_date_is_exact_days_later_in_utc():
    assert DUE == datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
    assert due_date(OPENED, 60) - OPENED == timedelta(days=60)


def test_due_date_refuses_naive_times_and_empty_periods():
    with pytest.raises(ValueError):
        due_date(datetime(2026, 3, 2, 10, 0), 7)
    with pytest.raises(ValueError):
        due_date(OPENED, 0)


@pytest.mark.parametrize(
    ("delta", "days"),
    [
        (timedelta(0), 0),
        (timedelta(seconds=-5), 0),
        (timedelta(minutes=1), 1),
        (timedelta(days=1), 1),
        (timedelta(days=1, seconds=1), 2),
        (timedelta(days=6, hours=23), 7),
    ],
)
def test_whole_days_round_up(delta, days):
    assert whole_days(delta) == days


def test_open_with_a_countdown_under_frozen_time():
    with time_machine.travel(OPENED, tick=False):
        assert status_at(DUE, None, utcnow()) is ResponseStatus.OPEN
        assert badge_at(DUE, None, utcnow()) == Badge(BadgeKind.DUE_IN, 7)
    with time_machine.travel(OPENED + timedelta(days=6, hours=1), tick=False):
        assert badge_at(DUE, None, utcnow()) == Badge(BadgeKind.DUE_IN, 1)


def test_boundary_at_exactly_seven_days():
    # At the deadline itself the response is still open, and an answer then is on time.
    with time_machine.travel(DUE, tick=False):
        now = utcnow()
        assert status_at(DUE, None, now) is ResponseStatus.OPEN
        assert badge_at(DUE, None, now) == Badge(BadgeKind.DUE_IN, 0)
        assert badge_at(DUE, now, now) == Badge(BadgeKind.ON_TIME)
    # One second later it is overdue by a (started) day.
    with time_machine.travel(DUE + timedelta(seconds=1), tick=False):
        now = utcnow()
        assert status_at(DUE, None, now) is ResponseStatus.OVERDUE
        assert badge_at(DUE, None, now) == Badge(BadgeKind.OVERDUE, 1)


def test_answered_on_time():
    answered = OPENED + timedelta(days=3)
    later = OPENED + timedelta(days=30)
    assert status_at(DUE, answered, later) is ResponseStatus.ANSWERED
    assert badge_at(DUE, answered, later) == Badge(BadgeKind.ON_TIME)


def test_late_and_overdue_count_started_days():
    assert badge_at(DUE, DUE + timedelta(hours=2), DUE + timedelta(days=9)) == Badge(BadgeKind.LATE, 1)
    assert badge_at(DUE, DUE + timedelta(days=3), DUE + timedelta(days=9)) == Badge(BadgeKind.LATE, 3)
    with time_machine.travel(DUE + timedelta(days=2, hours=5), tick=False):
        assert badge_at(DUE, None, utcnow()) == Badge(BadgeKind.OVERDUE, 3)


def test_extension_moves_the_deadline_lateness_is_measured_against_it():
    extended = DUE + timedelta(days=5)
    assert check_extension(DUE, extended, DUE - timedelta(days=1)) is None
    # Answered two days after the original deadline but before the extended one: on time.
    answered = DUE + timedelta(days=2)
    assert badge_at(extended, answered, answered) == Badge(BadgeKind.ON_TIME)
    # Past the extended deadline the count starts from it, not from the original.
    with time_machine.travel(extended + timedelta(days=1, minutes=1), tick=False):
        assert badge_at(extended, None, utcnow()) == Badge(BadgeKind.OVERDUE, 2)


def test_extension_must_be_later_and_in_the_future():
    now = OPENED + timedelta(days=1)
    assert check_extension(DUE, DUE, now) == "not_later"
    assert check_extension(DUE, DUE - timedelta(hours=1), now) == "not_later"
    # An overdue response may be extended, but only to a date still ahead.
    late_now = DUE + timedelta(days=3)
    assert check_extension(DUE, DUE + timedelta(days=1), late_now) == "in_past"
    assert check_extension(DUE, DUE + timedelta(days=4), late_now) is None
