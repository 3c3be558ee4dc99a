"""Shared fixtures, in the style of Flask's tutorial.

Every test run gets a database of its own, created here and dropped at the end: a SQLite file by
default, or a fresh database on the PostgreSQL server that ``TEST_DATABASE_URL`` points at (for
example ``postgresql://postgres@127.0.0.1:5432/postgres``). The schema is built once per run
with the real migrations; each test then starts from empty tables.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from tests.support.databases import create_database, drop_database_later, server

TEST_SECRET_KEY = "test-secret-key-not-for-production"


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

    name = create_database(server_url, f"agora_test_{worker}")
    url = server(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url, tmp_path_factory.mktemp("instance"))
        yield url
    finally:
        drop_database_later(server_url, name)


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
        # Tests travel days ahead with time-machine between loading a form and sending it;
        # tests/app/test_security_sessions.py checks the production time limit.
        "WTF_CSRF_TIME_LIMIT": None,
    }


def _empty_tables(*, end_other_sessions: bool = False) -> None:
    """Delete every row, children first, and restart the id sequences, so the next test starts clean.

    DELETE rather than TRUNCATE on PostgreSQL: TRUNCATE gives every table new files, an order of
    magnitude slower than deleting the few rows a test leaves. After a live server, websocket
    threads of clients that have not hung up yet may still hold database sessions and their locks;
    ``end_other_sessions`` ends them first.
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
        for table in tables:
            conn.execute(table.delete())
        if conn.dialect.name == "postgresql":
            conn.execute(
                sa.text(
                    "SELECT setval(c.oid, 1, false) FROM pg_class c"
                    " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
                )
            )


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
        # serve_forever notices shutdown() only between polls: a short poll ends each test sooner.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

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
