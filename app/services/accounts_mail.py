"""Account emails: verifying the address, and resetting a forgotten password.

Links carry tokens signed with the app's secret (itsdangerous) that expire
(``EMAIL_VERIFICATION_MAX_AGE``, ``PASSWORD_RESET_MAX_AGE``). A reset token also carries a
fingerprint of the password hash it was issued for: setting a password changes the hash (a new
salt every time), so a used link, or one issued before a later change, no longer works.
Messages go through the outbox, in the language the page was in.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.exceptions import AgoraError
from app.extensions import db
from app.models import User, utcnow
from app.services.accountability.outbox import enqueue
from app.services.passwords import hash_password
from app.services.urls import public_url

_VERIFY_SALT = "agora.account.verify"
_RESET_SALT = "agora.account.reset"


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _send(user_email: str, key: str, subject: str, template: str, **context) -> None:
    locale = str(get_locale() or "zh_TW")
    with force_locale(locale):
        body = current_app.jinja_env.get_template(template).render(**context)
        enqueue(
            dedupe_key=f"{key}:{secrets.token_hex(8)}",
            to=user_email,
            subject=str(subject),
            text_body=body,
            headers={"Auto-Submitted": "auto-generated"},
        )


# --- verification ----------------------------------------------------------------------------


def send_verification(user: User) -> None:
    """Queue the verification email (not committed)."""
    token = _serializer(_VERIFY_SALT).dumps({"u": user.id, "e": user.email})
    _send(
        user.email,
        f"verify:{user.id}",
        _("Verify your email address for Agora"),
        "email/verify_email.txt",
        verify_url=public_url("auth.verify_email", token=token),
        days=current_app.config["EMAIL_VERIFICATION_MAX_AGE"] // 86400,
    )


def verify_email(token: str) -> User:
    """Mark the token's address verified (the caller commits); a 400 for a bad or expired link."""
    payload = _load(token, _VERIFY_SALT, current_app.config["EMAIL_VERIFICATION_MAX_AGE"])
    user = db.session.get(User, payload.get("u")) if isinstance(payload, dict) else None
    if user is None or user.email != payload.get("e"):
        raise _bad_link()
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


# --- password reset --------------------------------------------------------------------------


def send_password_reset(user: User) -> None:
    token = _serializer(_RESET_SALT).dumps({"u": user.id, "h": _fingerprint(user.password_hash)})
    _send(
        user.email,
        f"reset:{user.id}",
        _("Reset your Agora password"),
        "email/reset_password.txt",
        reset_url=public_url("auth.reset_password", token=token),
        minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
    )


def send_already_registered(email: str) -> None:
    """Someone tried to register an address that has an account: tell its owner, not the visitor."""
    _send(
        email,
        "already-registered",
        _("Your Agora account"),
        "email/already_registered.txt",
        login_url=public_url("auth.login"),
        reset_url=public_url("auth.forgot_password"),
    )


def user_for_reset(token: str) -> User:
    """The user a reset link is for, while it is valid and unused; else a 400."""
    payload = _load(token, _RESET_SALT, current_app.config["PASSWORD_RESET_MAX_AGE"])
    user = db.session.get(User, payload.get("u")) if isinstance(payload, dict) else None
    if user is None or _fingerprint(user.password_hash) != payload.get("h"):
        raise _bad_link()
    return user


def reset_password(token: str, password: str) -> User:
    """Set the new password (the caller commits); the link stops working with it."""
    user = user_for_reset(token)
    user.password_hash = hash_password(password)
    # Following a link sent to the address proves it, as the verification link would.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def _load(token: str, salt: str, max_age: int) -> object:
    try:
        return _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise AgoraError("link_expired", _("This link has expired. Ask for a new one."), 400) from None
    except BadSignature:
        raise _bad_link() from None


def _bad_link() -> AgoraError:
    return AgoraError("link_invalid", _("This link is not valid or has already been used. Ask for a new one."), 400)
