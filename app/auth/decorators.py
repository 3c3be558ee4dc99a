"""View decorators and blueprint checks: who may open a view, decided on the server."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from app.errors.handlers import wants_json
from app.extensions import login_manager
from app.models import Role
from app.services.permissions import has_role

F = TypeVar("F", bound=Callable[..., Any])


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
        if wants_json():
            abort(401)
        return login_manager.unauthorized()
    if not has_role(current_user, *roles):
        abort(403)
    return None
