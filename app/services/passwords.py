"""Password hashing with argon2id (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

# RFC 9106's low-memory argon2id profile in production. The test suite sets
# PASSWORD_HASH_PROFILE=CHEAPEST (still argon2id) so that hundreds of logins stay fast.
DEFAULT_PROFILE = "RFC_9106_LOW_MEMORY"


def _hasher() -> PasswordHasher:
    name = current_app.config.get("PASSWORD_HASH_PROFILE", DEFAULT_PROFILE) if has_app_context() else DEFAULT_PROFILE
    return PasswordHasher.from_parameters(getattr(profiles, name))


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password``; the password itself is never stored."""
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than today's."""
    return _hasher().check_needs_rehash(password_hash)
