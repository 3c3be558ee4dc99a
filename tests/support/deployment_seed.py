"""Seed one open issue for the scale-out test, run in its own process against its database."""

from __future__ import annotations

from app import create_app
from tests.support.issues import make_issue, make_statement


def seed() -> str:
    """Store an issue with six statements; return "issue_id:statement,ids"."""
    app = create_app()
    issue_id = make_issue(app, slug="compose-check", title="Compose check")
    statement_ids = [make_statement(app, issue_id, f"Statement number {n}") for n in range(6)]
    return f"{issue_id}:{','.join(map(str, statement_ids))}"
