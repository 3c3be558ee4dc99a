"""Password hashing with argon2id (argon2-cffi), bounded so that a flood of logins cannot exhaust memory.

Each argon2id hash takes tens of MiB and a core for tens of milliseconds; at most
``PASSWORD_HASH_CONCURRENCY`` run at once in a process, the others wait a little and then get a
503 (try again), rather than every request slowing down together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import gettext as _

from app.exceptions import AgoraError

# RFC 9106's low-memory argon2id profile in production. The test suite sets
# PASSWORD_HASH_PROFILE=CHEAPEST (still argon2id) so that hundreds of logins stay fast.
DEFAULT_PROFILE = "RFC_9106_LOW_MEMORY"
#: How long a request waits for a free hashing slot before its 503.
WAIT_SECONDS = 10.0

T = TypeVar("T")
_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()
_dummy_hashes: dict[str, str] = {}


def _profile_name() -> str:
    return current_app.config.get("PASSWORD_HASH_PROFILE", DEFAULT_PROFILE) if has_app_context() else DEFAULT_PROFILE


def _hasher() -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(profiles, _profile_name()))


def _bounded(work: Callable[[], T]) -> T:
    size = int(current_app.config.get("PASSWORD_HASH_CONCURRENCY", 2)) if has_app_context() else 2
    with _slots_lock:
        slots = _slots.setdefault(size, threading.BoundedSemaphore(size))
    if not slots.acquire(timeout=WAIT_SECONDS):
        raise AgoraError("busy", _("Many people are logging in right now. Please try again in a minute."), 503)
    try:
        return work()
    finally:
        slots.release()


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password``; the password itself is never stored."""
    return _bounded(lambda: _hasher().hash(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``password_hash``.

    With no hash (an unknown email address) the password is checked against a dummy hash made
    with the same parameters, so the answer takes as long as for a registered address.
    """
    target = password_hash if password_hash is not None else _dummy_hash()

    def verify() -> bool:
        try:
            return _hasher().verify(target, password)
        except (VerificationError, InvalidHashError):
            return False

    return _bounded(verify) and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than today's."""
    return _hasher().check_needs_rehash(password_hash)


def _dummy_hash() -> str:
    name = _profile_name()
    if name not in _dummy_hashes:
        _dummy_hashes[name] = _hasher().hash("not the password of anyone")
    return _dummy_hashes[name]
