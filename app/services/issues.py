"""Issues and their public counts: one aggregate query per count, for any number of issues."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select, union

from app.exceptions import AgoraError
from app.extensions import db
from app.models import Issue, Statement, Vote
from app.services.visibility import citizen_visible_any_issue


@dataclass(frozen=True)
class IssueCounts:
    participants: int = 0  # distinct voters or authors
    statements: int = 0  # statements citizens can see
    votes: int = 0  # current votes (not the event history)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def list_issues() -> list[Issue]:
    """Every issue, newest first."""
    return list(db.session.scalars(select(Issue).order_by(Issue.created_at.desc(), Issue.id.desc())))


def get_issue(issue_id: int) -> Issue:
    """The issue with this id, or a 404."""
    issue = db.session.get(Issue, issue_id)
    if issue is None:
        raise issue_not_found()
    return issue


def get_issue_by_slug(slug: str) -> Issue:
    """The issue with this slug, or a 404."""
    issue = db.session.scalar(select(Issue).filter_by(slug=slug))
    if issue is None:
        raise issue_not_found()
    return issue


def issue_counts(issue_ids: Iterable[int]) -> dict[int, IssueCounts]:
    """Counts for each issue id, three grouped queries in all (never one query per issue)."""
    ids = list(issue_ids)
    if not ids:
        return {}
    people = union(
        select(Vote.issue_id, Vote.participant_id.label("pid")).where(Vote.issue_id.in_(ids)),
        select(Statement.issue_id, Statement.author_id.label("pid")).where(
            Statement.issue_id.in_(ids), Statement.author_id.is_not(None)
        ),
    ).subquery()
    participants = dict(
        db.session.execute(select(people.c.issue_id, func.count()).group_by(people.c.issue_id)).tuples().all()
    )
    statements = dict(
        db.session.execute(
            select(Statement.issue_id, func.count())
            .join(Issue, Issue.id == Statement.issue_id)
            .where(Statement.issue_id.in_(ids), citizen_visible_any_issue())
            .group_by(Statement.issue_id)
        )
        .tuples()
        .all()
    )
    votes = dict(
        db.session.execute(select(Vote.issue_id, func.count()).where(Vote.issue_id.in_(ids)).group_by(Vote.issue_id))
        .tuples()
        .all()
    )
    return {
        i: IssueCounts(
            participants=participants.get(i, 0),
            statements=statements.get(i, 0),
            votes=votes.get(i, 0),
        )
        for i in ids
    }


def counts_for(issue: Issue) -> IssueCounts:
    """The counts of one issue."""
    return issue_counts([issue.id])[issue.id]


def issue_not_found() -> AgoraError:
    return AgoraError("issue_not_found", _("We could not find that issue."), 404)
