"""Sessions (issue 14, point 10): CSRF time limit, remember-me cookie, permanence, revocation at logout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine

from app.extensions import db
from app.models import User
from tests.support.issues import make_issue, make_statement

PASSWORD = "correct horse battery staple"  # tests/app/conftest.py's


def _login(client, auth, email: str, remember: bool = False):
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    return auth.post("/auth/login", data=data)


def test_csrf_tokens_expire_and_remember_me_is_secure_and_short(app):
    from app.config import load_config

    assert load_config(Path(app.instance_path))["WTF_CSRF_TIME_LIMIT"] == 8 * 60 * 60
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)


def test_a_form_left_open_longer_than_the_limit_is_refused(app, client, auth):
    app.config["WTF_CSRF_TIME_LIMIT"] = 8 * 60 * 60  # the production value (the test config turns it off)
    start = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        user = auth.create_user()
        token = auth.csrf_token
        clock.shift(timedelta(hours=7))
        fresh = auth.client.post("/auth/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD})
        assert fresh.status_code == 302
        auth.logout()
        clock.shift(timedelta(hours=2))
        stale = auth.client.post("/auth/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD})
        assert stale.status_code == 400


def test_remember_me_cookie_is_secure_httponly_and_two_weeks(app, client, auth):
    user = auth.create_user()
    response = _login(client, auth, user.email, remember=True)
    assert response.status_code == 302
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert "Max-Age=1209600" in cookie or "Expires=" in cookie


def test_an_anonymous_permanent_session_does_not_make_a_login_permanent(app, client, auth):
    issue_id = make_issue(app)
    statement_id = make_statement(app, issue_id, "Night buses")
    token = client.get("/api/v1/session").get_json()["csrf_token"]
    # The first write makes an anonymous participant: a permanent (one-year) session.
    voted = client.post(
        f"/api/v1/issues/{issue_id}/votes",
        json={"statement_id": statement_id, "vote": "agree"},
        headers={"X-CSRFToken": token},
    )
    assert voted.status_code == 201
    with client.session_transaction() as session:
        assert session.permanent
    user = auth.create_user()
    response = _login(client, auth, user.email)
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert not session.permanent
    session_cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Expires=" not in session_cookie  # ends with the browser session


def test_logout_revokes_copies_of_the_session_cookie(app, client, auth):
    user = auth.create_user()
    assert _login(client, auth, user.email).status_code == 302
    stolen = app.test_client()
    stolen.set_cookie("session", client.get_cookie("session").value)
    # The copy is logged in as the user ...
    with stolen.session_transaction() as session:
        assert session["_user_id"].startswith(f"{user.id}:")
    assert _is_logged_in(stolen)
    # ... until the user logs out anywhere.
    assert auth.post("/auth/logout").status_code == 302
    assert not _is_logged_in(stolen)
    with app.app_context():
        assert db.session.get(User, user.id).session_version == 2
    # Logging in again works, with the new version.
    assert _login(client, auth, user.email).status_code == 302
    assert _is_logged_in(client)


def test_logout_revokes_remember_me_cookies(app, client, auth):
    user = auth.create_user()
    _login(client, auth, user.email, remember=True)
    remember = client.get_cookie("remember_token").value
    other = app.test_client()
    other.set_cookie("remember_token", remember)
    assert _is_logged_in(other)
    auth.post("/auth/logout")
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember)
    assert not _is_logged_in(fresh)


def test_malformed_session_ids_are_logged_out_not_errors(app, client):
    for bad in ["x", "1:x", "²", f"{2**70}:1", "1:0", ""]:
        with client.session_transaction() as session:
            session["_user_id"] = bad
        assert client.get("/").status_code == 200
        assert not _is_logged_in(client)


def _is_logged_in(client) -> bool:
    """The logout button is on every page for a logged-in user."""
    return 'action="/auth/logout"' in client.get("/").get_data(as_text=True)
