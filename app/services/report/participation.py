"""Participation over time: votes, new participants and statements per day, in the display time zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import Statement, VoteEvent


def _day(column):
    """SQL: the calendar day (YYYY-MM-DD) of a UTC timestamp column in DISPLAY_TIMEZONE."""
    zone = current_app.config["DISPLAY_TIMEZONE"]
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(zone, column), "YYYY-MM-DD")
    # SQLite has no time zones: today's offset (exact for zones without daylight saving time, such as Asia/Taipei).
    offset = int(datetime.now(ZoneInfo(zone)).utcoffset().total_seconds())
    return func.date(column, f"{offset:+d} seconds")


def participation_by_day(issue_id: int, watermark: int | None) -> list[dict[str, Any]]:
    """One row per day with any activity, oldest first. Votes up to ``watermark`` (a vote_event id)."""
    events = VoteEvent.issue_id == issue_id
    if watermark is not None:
        events = events & (VoteEvent.id <= watermark)
    day = _day(VoteEvent.created_at)
    votes = dict(db.session.execute(select(day, func.count()).where(events).group_by(day)).tuples().all())
    first = (
        select(func.min(VoteEvent.created_at).label("first")).where(events).group_by(VoteEvent.participant_id)
    ).subquery()
    first_day = _day(first.c.first)
    newcomers = dict(db.session.execute(select(first_day, func.count()).group_by(first_day)).tuples().all())
    statement_day = _day(Statement.created_at)
    statements = dict(
        db.session.execute(
            select(statement_day, func.count()).where(Statement.issue_id == issue_id).group_by(statement_day)
        )
        .tuples()
        .all()
    )
    days = sorted(set(votes) | set(newcomers) | set(statements))
    return [
        {
            "date": str(d),
            "votes": votes.get(d, 0),
            "new_participants": newcomers.get(d, 0),
            "statements": statements.get(d, 0),
        }
        for d in days
    ]
