"""Databases of their own on the PostgreSQL server, for a test run or for one test."""

from __future__ import annotations

import subprocess
import sys
import uuid

import sqlalchemy as sa
from sqlalchemy.engine import make_url

_DROP = """
import sys
import sqlalchemy as sa
engine = sa.create_engine(sys.argv[1], isolation_level="AUTOCOMMIT")
with engine.connect() as conn:
    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)'))
"""


def server(url: str) -> sa.URL:
    """``url`` (postgresql://...) with the psycopg driver, pointing at the server's ``postgres`` database."""
    return make_url(url.replace("postgresql://", "postgresql+psycopg://", 1)).set(database="postgres")


def create_database(server_url: str, prefix: str) -> str:
    """Create an empty database with a fresh name on the server of ``server_url``; return its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server(server_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return name


def drop_database_later(server_url: str, name: str) -> None:
    """Drop the database ``name`` from a detached process, ending any session still on it.

    DROP DATABASE waits for an immediate checkpoint of the whole server (every database on it, the
    other test runs' too), which takes seconds; nothing in the test run needs to wait for it.
    """
    url = server(server_url).render_as_string(hide_password=False)
    subprocess.run(
        ["sh", "-c", '"$0" -c "$1" "$2" "$3" </dev/null >/dev/null 2>&1 &', sys.executable, _DROP, url, name],
        check=True,
    )
