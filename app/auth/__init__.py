"""Accounts: registration, login and logout (Flask-Login)."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.extensions import db, login_manager
from app.models import User

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"

from app.auth import account, views  # noqa: E402,F401
