"""Issue 11, point 4 (and issue 14, point 11): verification, password reset, login throttling, timing."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxEmail, Role, User
from app.services import passwords
from tests.app.conftest import PASSWORD, AuthActions

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-TW"}
LINK = re.compile(r"http://\S+/auth/(?:verify|reset)/(\S+)")


def register(auth, email="ada@example.org", headers=None):
    return auth.post(
        "/auth/register",
        data={"email": email, "password": "long enough pw", "confirm": "long enough pw"},
        headers=headers or EN,
    )


def mails(app, to):
    with app.app_context():
        return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == to).order_by(OutboxEmail.id)))


def later(monkeypatch, delta: timedelta) -> None:
    """Links are checked as if ``delta`` had passed since they were signed."""
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + int(delta.total_seconds()))


def token_in(mail: OutboxEmail) -> str:
    return LINK.search(mail.text_body).group(1)


def test_registration_sends_a_verification_email_through_the_outbox(app, client, auth):
    assert register(auth, headers=ZH).status_code == 200
    (mail,) = mails(app, "ada@example.org")
    assert "驗證" in mail.subject  # in the page's language
    token = token_in(mail)
    with app.app_context():
        assert db.session.scalar(select(User.email_verified_at)) is None
    page = client.get(f"/auth/verify/{token}")
    assert page.status_code == 200  # a button: a mail scanner's visit verifies nothing
    with app.app_context():
        assert db.session.scalar(select(User.email_verified_at)) is None
    assert auth.post(f"/auth/verify/{token}").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.email_verified_at)) is not None
    assert client.get("/auth/verify/not-a-token", headers=EN).status_code == 400


def test_verification_link_expires(app, client, auth, monkeypatch):
    register(auth)
    token = token_in(mails(app, "ada@example.org")[0])
    later(monkeypatch, timedelta(days=8))
    expired = auth.post(f"/auth/verify/{token}", headers=EN)
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)


def test_registration_does_not_reveal_a_registered_address(app, auth):
    auth.create_user("citizen", email="taken@example.org")
    new = register(auth, "new@example.org")
    taken = register(AuthActions(app, app.test_client()), "taken@example.org")
    assert new.status_code == taken.status_code == 200
    strip = lambda page, email: page.get_data(as_text=True).replace(email, "EMAIL")  # noqa: E731
    new_page, taken_page = strip(new, "new@example.org"), strip(taken, "taken@example.org")
    assert re.sub(r'content="[^"]+"|value="[^"]+"', "", new_page) == re.sub(
        r'content="[^"]+"|value="[^"]+"', "", taken_page
    )
    # The owner hears about it by email; the visitor learns nothing.
    (notice,) = mails(app, "taken@example.org")
    assert "/auth/forgot" in notice.text_body
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 2


def test_password_reset_is_signed_expiring_and_single_use(app, client, auth, monkeypatch):
    user = auth.create_user("citizen", email="ada@example.org")
    for email in ("ada@example.org", "nobody@example.org"):
        answer = auth.post("/auth/forgot", data={"email": email}, headers=EN)
        assert answer.status_code == 200 and "If " in answer.get_data(as_text=True)
    assert mails(app, "nobody@example.org") == []
    token = token_in(mails(app, user.email)[0])
    assert client.get(f"/auth/reset/{token}").status_code == 200
    short = auth.post(f"/auth/reset/{token}", data={"password": "short", "confirm": "short"})
    assert short.status_code == 400
    done = auth.post(f"/auth/reset/{token}", data={"password": "a new long password", "confirm": "a new long password"})
    assert done.status_code == 302
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert passwords.verify_password(stored.password_hash, "a new long password")
        assert stored.email_verified_at is not None  # the link proved the address
    again = auth.post(
        f"/auth/reset/{token}", data={"password": "yet another pw!", "confirm": "yet another pw!"}, headers=EN
    )
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)
    # Expiry: a fresh link, an hour and a bit later.
    auth.post("/auth/forgot", data={"email": user.email})
    fresh = token_in(mails(app, user.email)[-1])
    later(monkeypatch, timedelta(minutes=61))
    expired = client.get(f"/auth/reset/{fresh}", headers=ZH)
    assert expired.status_code == 400 and "過期" in expired.get_data(as_text=True)
    tampered = client.get(f"/auth/reset/{fresh[:-2]}xx")
    assert tampered.status_code == 400


@pytest.fixture
def throttled(app_config):
    app_config["RATELIMIT_ENABLED"] = True
    app_config["AGORA_LOGIN_ACCOUNT_RATE_LIMIT"] = "3 per 15 minutes"
    app_config["AGORA_LOGIN_ADDRESS_RATE_LIMIT"] = "6 per minute"


def test_login_is_throttled_per_account_across_addresses(throttled, app):
    target = AuthActions(app, app.test_client()).create_user("citizen", email="ada@example.org")
    statuses = []
    for n in range(4):  # a distributed guess: every try from another address
        guesser = AuthActions(app, app.test_client())
        guesser.client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        statuses.append(guesser.post("/auth/login", data={"email": target.email, "password": "guess"}).status_code)
    assert statuses == [400, 400, 400, 429]
    # Another account is not affected.
    other = AuthActions(app, app.test_client())
    other.create_user("citizen", email="bob@example.org")
    assert other.post("/auth/login", data={"email": "bob@example.org", "password": PASSWORD}).status_code == 302


def test_login_is_throttled_per_address(throttled, app):
    guesser = AuthActions(app, app.test_client())
    statuses = [
        guesser.post("/auth/login", data={"email": f"user{n}@example.org", "password": "guess"}).status_code
        for n in range(7)
    ]
    assert statuses == [400] * 6 + [429]


def test_login_checks_a_dummy_hash_for_an_unknown_address(app, auth, monkeypatch):
    auth.create_user("citizen", email="ada@example.org")
    checked = []
    real = passwords.PasswordHasher.verify

    def spy(self, hash_, password):
        checked.append(hash_)
        return real(self, hash_, password)

    monkeypatch.setattr(passwords.PasswordHasher, "verify", spy)
    unknown = auth.post("/auth/login", data={"email": "nobody@example.org", "password": "whatever pw"}, headers=EN)
    wrong = auth.post("/auth/login", data={"email": "ada@example.org", "password": "whatever pw"}, headers=EN)
    assert unknown.status_code == wrong.status_code == 400
    assert "wrong" in unknown.get_data(as_text=True) and "wrong" in wrong.get_data(as_text=True)
    # Both ran one argon2id verification with the same parameters.
    assert len(checked) == 2 and all(h.startswith("$argon2id$") for h in checked)
    assert checked[0].split("$")[3] == checked[1].split("$")[3]
    assert passwords.verify_password(None, "not the password of anyone") is False


def test_concurrent_password_hashing_is_bounded(app, monkeypatch):
    """No more than PASSWORD_HASH_CONCURRENCY hashes run at once; the rest wait their turn."""
    app.config["PASSWORD_HASH_CONCURRENCY"] = 2
    running, peak, lock = [0], [0], threading.Lock()
    gate = threading.Barrier(2)
    real = passwords.PasswordHasher.hash

    def slow(self, password, **kwargs):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            gate.wait(timeout=30)  # two at a time meet here: the bound allows that many together
            return real(self, password, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(passwords.PasswordHasher, "hash", slow)
    results = []

    def work():
        with app.app_context():
            results.append(passwords.hash_password("a password"))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6 and peak[0] == 2


def test_busy_hashing_answers_503(app, monkeypatch):
    monkeypatch.setattr(passwords, "WAIT_SECONDS", 0)
    app.config["PASSWORD_HASH_CONCURRENCY"] = 1
    slots = passwords._slots.setdefault(1, threading.BoundedSemaphore(1))
    assert slots.acquire()  # someone else is hashing
    try:
        auth = AuthActions(app, app.test_client())
        busy = auth.post("/auth/login", data={"email": "a@example.org", "password": "pw"}, headers=EN)
    finally:
        slots.release()
    assert busy.status_code == 503 and "try again" in busy.get_data(as_text=True)


def test_create_user_makes_a_verified_citizen(app, runner):
    result = runner.invoke(args=["create-user", "Ada@Example.org", "--role", "citizen"], input="s3cret-passphrase\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.email, user.role) == ("ada@example.org", Role.CITIZEN)
        assert user.email_verified_at is not None
