"""Accounts: registration, login and logout (Flask-Login)."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.extensions import login_manager
from app.models import User
from app.security.sessions import user_for_session_id

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a session or remember-me cookie, unless it was revoked (or is malformed)."""
    return user_for_session_id(session_id)


login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"

from app.auth import account, views  # noqa: E402,F401
