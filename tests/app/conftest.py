"""Fixtures for logged-in users of each role (the ``auth`` fixture), flaskr-style.

``auth.login(role="facilitator")`` creates a user straight through the model and the password
service and puts them in the test client's session; ``auth.post(url, data=...)`` sends a form or
JSON POST with the session's CSRF token. Both are shared with the ministry-responses tests.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import pytest

from app.extensions import db
from app.models import Role, User, utcnow
from app.services.passwords import hash_password

PASSWORD = "correct horse battery staple"
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_counter = itertools.count(1)


@dataclass(frozen=True)
class TestUser:
    """A user the fixture created: plain values, so it outlives any database session."""

    __test__ = False  # not a test class, despite the name

    id: int
    email: str
    role: Role
    agency: str | None
    password: str = PASSWORD


class AuthActions:
    def __init__(self, app, client) -> None:
        self.app = app
        self.client = client
        self._csrf_token: str | None = None

    def create_user(
        self,
        role: Role | str = Role.CITIZEN,
        email: str | None = None,
        password: str = PASSWORD,
        agency: str | None = None,
        verified: bool = False,
    ) -> TestUser:
        """Store a user with an argon2id hash; ministry users get an agency ("交通部" by default).

        ``verified`` marks the email address verified, as its verification link would.
        """
        role = Role(role)
        email = email or f"{role.value}{next(_counter)}@example.org"
        if role is Role.MINISTRY and agency is None:
            agency = "交通部"
        with self.app.app_context():
            user = User(
                email=email,
                password_hash=hash_password(password),
                role=role,
                agency=agency,
                email_verified_at=utcnow() if verified else None,
            )
            db.session.add(user)
            db.session.commit()
            return TestUser(user.id, email, role, agency, password)

    def login(self, role: Role | str = Role.CITIZEN, **kwargs) -> TestUser:
        """Create a user of ``role`` and log the test client in as them."""
        user = self.create_user(role, **kwargs)
        self.login_as(user)
        return user

    def login_as(self, user: TestUser) -> None:
        with self.client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True

    def logout(self) -> None:
        with self.client.session_transaction() as session:
            session.pop("_user_id", None)
            session.pop("_fresh", None)

    @property
    def csrf_token(self) -> str:
        """The CSRF token of the client's session, read from a rendered page's meta tag."""
        if self._csrf_token is None:
            page = self.client.get("/auth/login").get_data(as_text=True)
            self._csrf_token = _CSRF_META.search(page).group(1)
        return self._csrf_token

    def post(self, url: str, data: dict | None = None, json=None, **kwargs):
        """POST a form (``data``) or JSON (``json``) with the session's CSRF token."""
        headers = {"X-CSRFToken": self.csrf_token, **kwargs.pop("headers", {})}
        if json is not None:
            return self.client.post(url, json=json, headers=headers, **kwargs)
        return self.client.post(url, data={"csrf_token": self.csrf_token, **(data or {})}, headers=headers, **kwargs)


@pytest.fixture
def auth(app, client) -> AuthActions:
    """Log the ``client`` fixture in as a user of any role: ``auth.login(role="ministry", agency="交通部")``."""
    return AuthActions(app, client)
