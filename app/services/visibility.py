"""Which statements a viewer sees: citizens never see rejected ones, staff see everything."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import ColumnElement, and_, or_, true

from app.models import Issue, ModerationMode, ModerationStatus, Role, Statement

STAFF_ROLES = frozenset({Role.FACILITATOR, Role.ADMIN})


def viewer_is_staff() -> bool:
    """Whether the logged-in user moderates (facilitators and admins)."""
    return bool(current_user and current_user.is_authenticated and current_user.role in STAFF_ROLES)


def is_visible_to_citizens(statement: Statement, issue: Issue) -> bool:
    """Accepted statements, and in lazy mode also those not moderated yet."""
    return status_visible_to_citizens(statement.moderation_status, issue.moderation_mode)


def status_visible_to_citizens(status: ModerationStatus, mode: ModerationMode) -> bool:
    """``is_visible_to_citizens`` for a statement's status under an issue's moderation mode."""
    if status == ModerationStatus.ACCEPTED:
        return True
    return status == ModerationStatus.UNMODERATED and mode == ModerationMode.LAZY


def citizen_visible(issue: Issue) -> ColumnElement[bool]:
    """SQL condition on Statement for what citizens see in this issue."""
    if issue.moderation_mode == ModerationMode.LAZY:
        return Statement.moderation_status.in_([ModerationStatus.ACCEPTED, ModerationStatus.UNMODERATED])
    return Statement.moderation_status == ModerationStatus.ACCEPTED


def citizen_visible_any_issue() -> ColumnElement[bool]:
    """SQL condition on Statement joined to Issue, for queries over many issues at once."""
    return or_(
        Statement.moderation_status == ModerationStatus.ACCEPTED,
        and_(
            Statement.moderation_status == ModerationStatus.UNMODERATED,
            Issue.moderation_mode == ModerationMode.LAZY,
        ),
    )


def visible_to_viewer(issue: Issue) -> ColumnElement[bool]:
    """SQL condition on Statement for the current viewer: staff see all, citizens the visible."""
    return true() if viewer_is_staff() else citizen_visible(issue)
