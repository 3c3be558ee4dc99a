"""Creating accounts: one place for e-mail normalisation, role rules and uniqueness."""

from __future__ import annotations

from flask_babel import gettext as _

from app.exceptions import AgoraError
from app.extensions import db
from app.models import Role, User
from app.services.passwords import hash_password


def normalize_email(email: str) -> str:
    """E-mail addresses are compared case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def find_user(email: str) -> User | None:
    """The user with this e-mail address, if any."""
    return db.session.scalar(db.select(User).filter_by(email=normalize_email(email)))


def create_user(email: str, password: str, role: Role = Role.CITIZEN, agency: str | None = None) -> User:
    """Add a user (not committed: the caller commits); refuses duplicates and agency-less ministry users."""
    email = normalize_email(email)
    agency = (agency or "").strip() or None
    if not email or "@" not in email:
        raise AgoraError("invalid_email", _("Enter a valid email address."), 400)
    if not password:
        raise AgoraError("empty_password", _("Choose a password."), 400)
    if role is Role.MINISTRY and agency is None:
        raise AgoraError("agency_required", _("A ministry user needs an agency."), 400)
    if role is not Role.MINISTRY and agency is not None:
        raise AgoraError("agency_not_allowed", _("Only ministry users belong to an agency."), 400)
    if find_user(email) is not None:
        raise AgoraError("email_taken", _("An account with this email address already exists."), 409)
    user = User(email=email, password_hash=hash_password(password), role=role, agency=agency)
    db.session.add(user)
    return user
