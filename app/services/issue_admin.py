"""Facilitators create and edit issues; the seven stages come with every new issue."""

from __future__ import annotations

from flask_babel import gettext as _

from app.exceptions import AgoraError
from app.extensions import db
from app.models import Issue, ModerationMode
from app.services.process import activity


def _check_slug_free(slug: str, issue: Issue | None = None) -> None:
    taken = db.session.scalar(db.select(Issue.id).filter_by(slug=slug))
    if taken is not None and (issue is None or taken != issue.id):
        raise AgoraError("slug_taken", _("Another issue already uses this address (slug)."), 409)


def create_issue(
    *,
    title: str,
    slug: str,
    description: str,
    steward_agency: str,
    statement_max_length: int,
    moderation_mode: ModerationMode,
    actor_id: int | None,
    inform_response_days: int = 7,
    final_response_days: int = 60,
) -> Issue:
    """Add an issue with its seven stages and log it; the caller commits."""
    _check_slug_free(slug)
    issue = Issue(
        title=title,
        slug=slug,
        description=description,
        steward_agency=steward_agency,
        statement_max_length=statement_max_length,
        moderation_mode=moderation_mode,
        inform_response_days=inform_response_days,
        final_response_days=final_response_days,
    )
    db.session.add(issue)
    db.session.flush()  # the stages (see IssueStage) and the log entry need the issue's id
    activity.record(issue, "issue_created", actor_id, title=title)
    return issue


def update_issue(issue: Issue, *, actor_id: int | None, **fields: object) -> Issue:
    """Change an issue's details and log which ones changed; the caller commits."""
    if "slug" in fields:
        _check_slug_free(str(fields["slug"]), issue)
    changed = sorted(name for name, value in fields.items() if getattr(issue, name) != value)
    for name in changed:
        setattr(issue, name, fields[name])
    if changed:
        activity.record(issue, "issue_updated", actor_id, fields=changed)
    return issue
