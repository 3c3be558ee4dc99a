"""Per-participant rate limits for writes: generous for people, tight enough to slow down scripts.

Operators change them with the AGORA_STATEMENT_RATE_LIMIT / AGORA_VOTE_RATE_LIMIT environment
variables (Flask-Limiter's syntax, e.g. "10 per minute;100 per day"; defaults in app/config.py).
"""

from __future__ import annotations

import secrets

from flask import current_app, g, session
from flask_login import current_user

LIMIT_KEY = "limit_key"


def statement_limit() -> str:
    return current_app.config["AGORA_STATEMENT_RATE_LIMIT"]


def vote_limit() -> str:
    return current_app.config["AGORA_VOTE_RATE_LIMIT"]


def participant_key() -> str:
    """Limit by API token for bearer requests, by account when logged in, else by the session cookie.

    Not by participant id: the participant is made by the first write, after the limit was
    counted, so the first write and the rest would fall under different keys. A client that drops
    its cookie gets a new key, and each new participant it then makes counts against its address
    (AGORA_NEW_PARTICIPANT_RATE_LIMIT).
    """
    if g.get("api_token_id") is not None:
        return f"token:{g.api_token_id}"
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    key = session.get(LIMIT_KEY)
    if not isinstance(key, str):
        key = session[LIMIT_KEY] = secrets.token_urlsafe(12)
    return f"session:{key}"
