"""Who may do what: role checks for views and services. Admins pass every check.

The view decorators built on these checks are in app/auth/decorators.py.
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from app.models import Issue, Role


def has_role(user: Any, *roles: Role) -> bool:
    """True when ``user`` is logged in with one of ``roles``, or is an admin."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.role is Role.ADMIN or user.role in roles


def is_facilitator(user: Any) -> bool:
    """Facilitators (and admins) run issues: the console, moderation, stages."""
    return has_role(user, Role.FACILITATOR)


def can_publish_response(user: Any, issue: Issue) -> bool:
    """A member of the issue's steward agency, or an admin, publishes its ministry responses."""
    if getattr(user, "is_authenticated", False) and user.role is Role.ADMIN:
        return True
    return (
        has_role(user, Role.MINISTRY)
        and bool(user.agency)
        and bool(issue.steward_agency)
        and user.agency == issue.steward_agency
    )


def current_user_id() -> int | None:
    """The logged-in user's id, for activity logs and authorship."""
    return current_user.id if current_user.is_authenticated else None
