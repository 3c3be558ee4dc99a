"""The moderation queue: accept, reject or mark statements as meta (meta and rejected leave the math)."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from app import signals
from app.exceptions import AgoraError
from app.extensions import db
from app.models import Issue, ModerationAction, ModerationStatus, Statement
from app.services.process import activity


def queue(issue: Issue) -> list[Statement]:
    """Statements waiting for a decision, oldest first (hidden in strict mode, shown in lazy mode)."""
    query = (
        db.select(Statement)
        .filter_by(issue_id=issue.id, moderation_status=ModerationStatus.UNMODERATED)
        .order_by(Statement.id)
    )
    return list(db.session.scalars(query))


def all_statements(issue: Issue) -> list[Statement]:
    return list(db.session.scalars(db.select(Statement).filter_by(issue_id=issue.id).order_by(Statement.id)))


def moderate(issue: Issue, statement_id: int, action: str, actor_id: int | None) -> Statement:
    """Apply one decision and log it (the caller commits, then calls ``announce_moderation``)."""
    try:
        action = ModerationAction(action)
    except ValueError:
        raise AgoraError("moderation_action", _("Choose accept, reject or meta."), 400) from None
    statement = db.session.get(Statement, statement_id)
    if statement is None or statement.issue_id != issue.id:
        raise AgoraError("statement_not_found", _("We could not find that statement in this issue."), 404)
    if action is ModerationAction.REJECT:
        statement.moderation_status, statement.is_meta = ModerationStatus.REJECTED, False
    else:
        statement.moderation_status = ModerationStatus.ACCEPTED
        statement.is_meta = action is ModerationAction.META
    activity.record(issue, "statement_moderated", actor_id, statement_id=statement.id, action=action.value)
    return statement


def announce_moderation(issue: Issue, statement: Statement) -> None:
    """Send `statement_moderated` for a committed decision (live pages; notification only)."""
    signals.statement_moderated.send(
        current_app._get_current_object(),
        issue_id=issue.id,
        statement_id=statement.id,
        status=statement.moderation_status.value,
        is_meta=statement.is_meta,
    )
