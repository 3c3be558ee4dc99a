"""Database engine settings that depend on the backend.

SQLite (the embedded default) gets, on every new connection:

* ``journal_mode=WAL``: readers no longer block the writer nor the writer the readers, so the
  recompute worker's reads, the page views and the vote commits stop waiting on one another;
* ``synchronous=NORMAL``: with WAL, a commit no longer waits for an fsync of the database file
  (it stays consistent after a crash; a power cut may lose the last transactions);
* ``busy_timeout``: a writer waits for the other writer instead of failing with
  "database is locked".

and its connection pool keeps enough connections for the request threads (a connection opened
beyond the pool is closed again after one use, and opening one runs the statements above) without
pinging each one on checkout: a connection to a file cannot go stale, and the ping is one more
round trip on every request.

PostgreSQL keeps the configured options (``pool_pre_ping``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.extensions import db

#: How long (ms) a SQLite connection waits for another writer before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")  # kept in the file; a no-op once set
        cursor.execute("PRAGMA synchronous = NORMAL")  # per connection
    finally:
        cursor.close()


def configure_engine(engine: Engine) -> None:
    """Attach the backend's connection settings to one engine (idempotent)."""
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _sqlite_on_connect):
        event.listen(engine, "connect", _sqlite_on_connect)


#: SQLite pool: `agora serve` handles each request in a thread of its own (app/web_server.py); the
#: votes of a busy issue keep a few dozen requests in flight.
SQLITE_POOL = {"pool_size": 20, "max_overflow": 20}


def prepare_config(app: Flask) -> None:
    """Adjust SQLALCHEMY_ENGINE_OPTIONS to the database's backend; call before ``db.init_app``."""
    url = str(app.config.get("SQLALCHEMY_DATABASE_URI") or "")
    if not url.startswith("sqlite") or ":memory:" in url or url.rstrip("/") == "sqlite:":
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options["pool_pre_ping"] = False
    for key, value in SQLITE_POOL.items():
        options.setdefault(key, value)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def init_app(app: Flask) -> None:
    """Configure every engine of the app (Flask-SQLAlchemy creates them in ``db.init_app``)."""
    with app.app_context():
        for engine in db.engines.values():
            configure_engine(engine)
