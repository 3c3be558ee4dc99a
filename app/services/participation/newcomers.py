"""New participants per client address: the limit that makes one script count once, not 300 times.

A participant row is created only by its first write. Each creation takes one hit from the
address's budget (``AGORA_NEW_PARTICIPANT_RATE_LIMIT``, Flask-Limiter syntax, in the limiter's
storage, so every web process shares it when that is Redis). The address is the one Flask sees:
behind a proxy, ``TRUSTED_PROXIES`` (deployment) makes it the client's.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from limits import parse_many

from app.exceptions import AgoraError
from app.extensions import limiter

NAMESPACE = "new-participant"


def source_key(value: str | None) -> str | None:
    """A keyed hash of an address or user agent: comparable, but not the value itself."""
    if not value:
        return None
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, value.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]


def request_keys() -> tuple[str | None, str | None]:
    """(address key, user-agent key) of the current request."""
    return source_key(get_remote_address()), source_key(request.headers.get("User-Agent"))


def admit_new_participant() -> None:
    """Count one new participant for this address, or refuse with a 429 (nothing counted then)."""
    if not limiter.enabled:
        return
    items = parse_many(current_app.config["AGORA_NEW_PARTICIPANT_RATE_LIMIT"])
    address = get_remote_address()
    strategy = limiter.limiter
    # Test every window first, so that a refusal takes nothing from the others.
    if not all(strategy.test(item, NAMESPACE, address) for item in items) or not all(
        strategy.hit(item, NAMESPACE, address) for item in items
    ):
        raise AgoraError(
            "too_many_new_participants",
            _(
                "Too many new participants have joined from your network recently. Please try again later, "
                "or log in if you have an account. Organisers of an event on shared Wi-Fi can ask for a higher limit."
            ),
            429,
        )
