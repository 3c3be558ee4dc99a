"""Issues and their public counts: one aggregate query per count, for any number of issues."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from flask import has_request_context
from flask_babel import gettext as _
from sqlalchemy import exists, func, select, union

from app.exceptions import AgoraError
from app.extensions import db
from app.models import Issue, IssueStatus, ParticipantExclusion, Statement, Vote
from app.services.visibility import citizen_visible_any_issue, viewer_is_staff


@dataclass(frozen=True)
class IssueCounts:
    participants: int = 0  # distinct voters or authors
    statements: int = 0  # statements citizens can see
    votes: int = 0  # current votes (not the event history)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def list_issues() -> list[Issue]:
    """Every issue this viewer may see (drafts only for staff), newest first."""
    query = select(Issue).order_by(Issue.created_at.desc(), Issue.id.desc())
    if not viewer_is_staff():
        query = query.where(Issue.status == IssueStatus.PUBLISHED)
    return list(db.session.scalars(query))


def may_see(issue: Issue | None) -> bool:
    """Drafts exist only for facilitators and admins (and for background work, which has no viewer)."""
    if issue is None:
        return False
    return issue.status is IssueStatus.PUBLISHED or not has_request_context() or viewer_is_staff()


def get_issue(issue_id: int) -> Issue:
    """The issue with this id, or a 404 (also for a draft the viewer may not see)."""
    issue = db.session.get(Issue, issue_id)
    if not may_see(issue):
        raise issue_not_found()
    return issue


def get_issue_by_slug(slug: str) -> Issue:
    """The issue with this slug, or a 404 (also for a draft the viewer may not see)."""
    issue = db.session.scalar(select(Issue).filter_by(slug=slug))
    if not may_see(issue):
        raise issue_not_found()
    return issue


def issue_counts(issue_ids: Iterable[int]) -> dict[int, IssueCounts]:
    """Counts for each issue id, three grouped queries in all (never one query per issue)."""
    ids = list(issue_ids)
    if not ids:
        return {}
    people = union(
        select(Vote.issue_id, Vote.participant_id.label("pid")).where(Vote.issue_id.in_(ids), counted_vote(Vote)),
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
        db.session.execute(
            select(Vote.issue_id, func.count())
            .where(Vote.issue_id.in_(ids), counted_vote(Vote))
            .group_by(Vote.issue_id)
        )
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


def counted_vote(table):
    """Votes of participants a facilitator has not excluded from the issue's results."""
    return ~exists().where(
        ParticipantExclusion.issue_id == table.issue_id, ParticipantExclusion.participant_id == table.participant_id
    )


def counts_for(issue: Issue) -> IssueCounts:
    """The counts of one issue."""
    return issue_counts([issue.id])[issue.id]


def issue_not_found() -> AgoraError:
    return AgoraError("issue_not_found", _("We could not find that issue."), 404)
