"""Shared fixtures, in the style of Flask's tutorial.

Every test run gets a database of its own, created here and dropped at the end: a SQLite file by
default, or a fresh database on the PostgreSQL server that ``TEST_DATABASE_URL`` points at (for
example ``postgresql://postgres@127.0.0.1:5432/postgres``). The schema is built once per run
with the real migrations; each test then starts from empty tables.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db

TEST_SECRET_KEY = "test-secret-key-not-for-production"


def _admin_url(url: sa.URL) -> sa.URL:
    return url.set(database="postgres")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Create this run's own database, migrate it to head, and drop it afterwards."""
    server_url = os.environ.get("TEST_DATABASE_URL", "")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if not server_url.startswith("postgres"):
        path = tmp_path_factory.mktemp("db") / f"agora-{worker}.sqlite3"
        url = f"sqlite:///{path}"
        _migrate(url, tmp_path_factory.mktemp("instance"))
        yield url
        return

    base = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"agora_test_{worker}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(_admin_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url, tmp_path_factory.mktemp("instance"))
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str, instance_path: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(_test_config(url, instance_path))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _test_config(url: str, instance_path: Path) -> dict[str, object]:
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(instance_path),
        "RATELIMIT_ENABLED": False,
        "BACKGROUND_WORKERS": False,
        "SOCKETIO_MESSAGE_QUEUE": None,
        "SERVER_NAME": None,
        "CLUSTERING_MIN_INTERVAL": 0.05,
        "PASSWORD_HASH_PROFILE": "CHEAPEST",
    }


def _empty_tables(*, end_other_sessions: bool = False) -> None:
    """Delete every row, children first, so the next test starts clean.

    After a live server, websocket threads of clients that have not hung up yet may still hold
    database sessions; ``end_other_sessions`` ends them so that TRUNCATE cannot deadlock.
    """
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql" and end_other_sessions:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict[str, object]:
    """The configuration the ``app`` fixture uses; tests may change it before asking for ``app``."""
    return _test_config(database_url, tmp_path / "instance")


@pytest.fixture
def app(app_config: dict[str, object]):
    app = create_app(app_config)
    yield app
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class ApiClient:
    """A Flask test client that holds an anonymous session and its CSRF token."""

    def __init__(self, client) -> None:
        self.client = client
        session = client.get("/api/v1/session").get_json()
        self.csrf_token: str = session["csrf_token"]

    @property
    def participant_id(self) -> int | None:
        """The session's participant: None until its first write (a vote, a statement, a reply)."""
        return self.client.get("/api/v1/session").get_json()["participant_id"]

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, json=None, **kwargs):
        headers = {"X-CSRFToken": self.csrf_token, **kwargs.pop("headers", {})}
        return self.client.post(url, json=json, headers=headers, **kwargs)


@pytest.fixture
def api(client) -> ApiClient:
    """An anonymous citizen talking to the JSON API."""
    return ApiClient(client)


@pytest.fixture
def make_api(app):
    """A factory of further anonymous citizens, each with their own cookie jar."""
    return lambda: ApiClient(app.test_client())


class LiveServer:
    """The app served over real HTTP and websockets on a free loopback port, in a thread."""

    def __init__(self, app) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)
        self.server.server_close()


@pytest.fixture
def live_server(app_config: dict[str, object]):
    """A running server with the background workers on, as `make run` has them."""
    app_config["BACKGROUND_WORKERS"] = True
    app = create_app(app_config)
    from app import background

    background.start(app)
    server = LiveServer(app).start()
    yield server
    server.stop()
    background.stop(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        _empty_tables(end_other_sessions=True)
        db.engine.dispose()
