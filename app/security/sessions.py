"""Logged-in sessions that the server can end: a per-user session version.

Flask's sessions are signed cookies: without server state, a cookie copied before logout would
stay valid for as long as it lives. Each user therefore has ``session_version``; the id Flask-Login
keeps in the session and in the remember-me cookie is ``"<user id>:<version>"``, and logging out
increments the version, which ends every session and remember-me cookie of that user everywhere.
A bare ``"<user id>"`` (sessions from before this scheme) counts as version 1.

Lifetimes: a login lasts the browser session, or ``REMEMBER_COOKIE_DURATION`` with "remember me";
an anonymous participant's permanent session does not make a later login permanent.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, session
from sqlalchemy import update

from app.extensions import db
from app.models import User
from app.security.ids import parse_id

CSRF_TIME_LIMIT = 8 * 60 * 60  # a working day: a page left open overnight asks for a reload
REMEMBER_ME = timedelta(days=14)


def user_for_session_id(session_id: str) -> User | None:
    """The user a session's (or remember-me cookie's) id names, if that session is still valid."""
    raw_id, _, raw_version = str(session_id).partition(":")
    user_id = parse_id(raw_id)
    version = parse_id(raw_version) if raw_version else 1
    if user_id is None or version is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version:
        return None
    return user


def begin_login_session() -> None:
    """A login is not permanent just because the anonymous session before it was."""
    session.permanent = False


def revoke_sessions(user_id: int) -> None:
    """End every session and remember-me cookie of the user (not committed)."""
    db.session.execute(update(User).where(User.id == user_id).values(session_version=User.session_version + 1))


def init_app(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", CSRF_TIME_LIMIT)
    app.config.setdefault("REMEMBER_COOKIE_DURATION", REMEMBER_ME)
    app.config.setdefault("REMEMBER_COOKIE_SECURE", True)
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
