"""Who may do what: role checks for views and services. Admins pass every check."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from app.extensions import login_manager
from app.models import Issue, Role

F = TypeVar("F", bound=Callable[..., Any])


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


def require_role(*roles: Role) -> Callable[[F], F]:
    """View decorator: anonymous users are sent to log in (401 for JSON), other roles get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            refusal = refuse_unless(*roles)
            return refusal if refusal is not None else view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def refuse_unless(*roles: Role) -> Any:
    """None when the current user has one of ``roles``; else the login redirect (anonymous) or a 403.

    Also usable as a blueprint's ``before_request`` check, so no view of it can forget the check.
    """
    if not current_user.is_authenticated:
        from app.errors.handlers import wants_json

        if wants_json():
            abort(401)
        return login_manager.unauthorized()
    if not has_role(current_user, *roles):
        abort(403)
    return None


def current_user_id() -> int | None:
    """The logged-in user's id, for activity logs and authorship."""
    return current_user.id if current_user.is_authenticated else None
