"""Participation statistics for the facilitator console, each one aggregate query."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, case, cast, func, select, union

from app.extensions import db
from app.models import Issue, ModerationStatus, Statement, Vote, VoteEvent

# Buckets of "votes per participant": (lowest, highest or None for open-ended).
BUCKETS = ((1, 1), (2, 5), (6, 10), (11, 25), (26, 50), (51, None))


@dataclass(frozen=True)
class ParticipationStats:
    participants: int
    voters: int
    votes: int  # current votes
    votes_per_day: list[tuple[str, int]]  # (UTC day "YYYY-MM-DD", vote events)
    votes_per_participant: list[tuple[str, int]]  # (bucket label, participants)
    statements_by_status: dict[str, int]  # accepted / unmoderated / rejected / meta


def stats(issue: Issue) -> ParticipationStats:
    people = union(
        select(Vote.participant_id.label("pid")).where(Vote.issue_id == issue.id),
        select(Statement.author_id.label("pid")).where(
            Statement.issue_id == issue.id, Statement.author_id.is_not(None)
        ),
    ).subquery()
    participants = db.session.scalar(select(func.count()).select_from(people)) or 0

    per_participant = (
        select(Vote.participant_id, func.count().label("n"))
        .where(Vote.issue_id == issue.id)
        .group_by(Vote.participant_id)
    ).subquery()
    bucket = case(
        *[
            ((per_participant.c.n >= low) & (per_participant.c.n <= high), f"{low}–{high}" if low != high else str(low))
            for low, high in BUCKETS
            if high is not None
        ],
        else_=f"{BUCKETS[-1][0]}+",
    )
    bucket_counts = dict(db.session.execute(select(bucket, func.count()).group_by(bucket)).tuples().all())
    labels = [f"{low}–{high}" if high and low != high else (str(low) if high else f"{low}+") for low, high in BUCKETS]

    if db.session.get_bind().dialect.name == "postgresql":
        day = func.to_char(func.timezone("UTC", VoteEvent.created_at), "YYYY-MM-DD")
    else:  # SQLite keeps UTC as "YYYY-MM-DD HH:MM:SS"
        day = func.substr(VoteEvent.created_at, 1, 10)
    per_day = (
        db.session.execute(select(day, func.count()).where(VoteEvent.issue_id == issue.id).group_by(day).order_by(day))
        .tuples()
        .all()
    )

    status_key = case((Statement.is_meta, "meta"), else_=cast(Statement.moderation_status, String(16)))
    by_status = dict(
        db.session.execute(select(status_key, func.count()).where(Statement.issue_id == issue.id).group_by(status_key))
        .tuples()
        .all()
    )
    votes = db.session.scalar(select(func.count()).select_from(Vote).where(Vote.issue_id == issue.id)) or 0
    return ParticipationStats(
        participants=participants,
        voters=sum(bucket_counts.values()),
        votes=votes,
        votes_per_day=[(str(d), n) for d, n in per_day],
        votes_per_participant=[(label, bucket_counts.get(label, 0)) for label in labels],
        statements_by_status={
            key: by_status.get(key, 0)
            for key in (
                ModerationStatus.ACCEPTED.value,
                ModerationStatus.UNMODERATED.value,
                ModerationStatus.REJECTED.value,
                "meta",
            )
        },
    )
