"""Per-participant rate limits for writes: generous for people, tight enough to slow down scripts.

Operators change them with the AGORA_STATEMENT_RATE_LIMIT / AGORA_VOTE_RATE_LIMIT environment
variables (Flask-Limiter's syntax, e.g. "10 per minute;100 per day"; defaults in app/config.py).
"""

from __future__ import annotations

from flask import current_app, g
from flask_limiter.util import get_remote_address

from app.services.participants import current_participant_id


def statement_limit() -> str:
    return current_app.config["AGORA_STATEMENT_RATE_LIMIT"]


def vote_limit() -> str:
    return current_app.config["AGORA_VOTE_RATE_LIMIT"]


def participant_key() -> str:
    """Limit by API token for bearer requests, by participant when the session has one, else by address."""
    if g.get("api_token_id") is not None:
        return f"token:{g.api_token_id}"
    participant_id = current_participant_id()
    return f"participant:{participant_id}" if participant_id is not None else f"ip:{get_remote_address()}"
