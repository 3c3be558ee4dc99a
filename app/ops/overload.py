"""Overload and outages answer 503 with Retry-After and a JSON error, never a 500.

What a busy or restarting deployment raises inside a request: the database pool has no free
connection in time (``sqlalchemy.exc.TimeoutError``), the database is down or restarting
or a connection lost in the middle: ``OperationalError``; SQLite's "database is locked" too),
Redis (rate limits, dirty marks) is full or unreachable. Each means "try again shortly", so the
client gets that, and nothing was acknowledged: the request's transaction is rolled back.
"""

from __future__ import annotations

from flask import Flask, current_app, jsonify
from flask_babel import gettext as _
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.extensions import db

#: Seconds a client is asked to wait before it tries again.
RETRY_AFTER_SECONDS = 2


def unavailable_response():
    response = jsonify(
        {"error": {"code": "unavailable", "message": _("The service is busy. Please try again in a moment.")}}
    )
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001  (the connection may be the thing that failed)
        db.session.close()


def handle_unavailable(error: Exception):
    _rollback()
    current_app.logger.warning("503 (%s): %s", type(error).__name__, str(error).splitlines()[0] if str(error) else "")
    return unavailable_response()


def init_app(app: Flask) -> None:
    for error in (PoolTimeoutError, OperationalError, RedisConnectionError, RedisTimeoutError):
        app.register_error_handler(error, handle_unavailable)
