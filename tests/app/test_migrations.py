"""The committed migrations build the models' schema from an empty database, and undo it."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from tests.support.databases import create_database, drop_database_later, server


@pytest.fixture
def empty_database_url(tmp_path):
    """A brand-new empty database on the configured backend (SQLite file or PostgreSQL)."""
    server_url = os.environ.get("TEST_DATABASE_URL", "")
    if not server_url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = create_database(server_url, "agora_migrations")
    try:
        yield server(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        drop_database_later(server_url, name)


def test_upgrade_empty_database_to_head_matches_models_and_downgrades(empty_database_url, app_config):
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"issue", "participant", "statement", "vote", "vote_event", "user_account"} <= tables
        assert set(db.metadata.tables) <= tables
        with db.engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert differences == [], "models and migrations disagree; run `agora db migrate`"

        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()  # and the chain runs forward again after a full downgrade
        assert set(db.metadata.tables) <= set(sa.inspect(db.engine).get_table_names())
        db.engine.dispose()
