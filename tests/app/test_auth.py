"""Registration, login and logout through the real forms, with CSRF."""

from __future__ import annotations

from app.extensions import db
from app.models import Participant, Role, User


def test_register_login_logout(app, client, auth):
    response = auth.post(
        "/auth/register",
        data={
            "email": "Ada@Example.org",
            "password": "long enough pw",
            "confirm": "long enough pw",
            "next": "/issues/x",
        },
    )
    # Registering does not log in: the answer must not differ for an address that has an account.
    assert response.status_code == 200 and "ada@example.org" in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(db.select(User))
        assert (user.email, user.role, user.email_verified_at) == ("ada@example.org", Role.CITIZEN, None)
        assert user.password_hash.startswith("$argon2id$")
        assert db.session.scalar(db.select(db.func.count()).select_from(Participant)) == 0  # nothing written yet
    bad = auth.post("/auth/login", data={"email": "ada@example.org", "password": "wrong password"})
    assert bad.status_code == 400
    good = auth.post(
        "/auth/login", data={"email": "ada@example.org", "password": "long enough pw", "next": "https://evil.example/"}
    )
    assert good.status_code == 302 and good.headers["Location"] == "/"
    assert auth.post("/auth/logout").status_code == 302


def test_registration_refuses_duplicates_and_short_passwords(app, auth):
    auth.create_user("citizen", email="taken@example.org")
    taken = auth.post(
        "/auth/register",
        data={"email": "taken@example.org", "password": "long enough pw", "confirm": "long enough pw"},
        headers={"Accept-Language": "en"},
    )
    # The same page as for a new address; the owner of the address is told by email instead.
    assert taken.status_code == 200 and "already" not in taken.get_data(as_text=True)
    short = auth.post("/auth/register", data={"email": "new@example.org", "password": "short", "confirm": "short"})
    assert short.status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_login_without_csrf_token_is_refused(client, auth):
    auth.create_user("citizen", email="c@example.org")
    response = client.post("/auth/login", data={"email": "c@example.org", "password": "correct horse battery staple"})
    assert response.status_code == 400


def test_auth_fixture_logs_in(client, auth):
    auth.login("facilitator")
    assert client.get("/console/").status_code == 200
    auth.logout()
    assert client.get("/console/").status_code == 302
