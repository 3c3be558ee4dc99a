"""Small helpers that store issues, statements and votes straight through the models, for tests."""

from __future__ import annotations

import itertools

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Issue,
    ModerationMode,
    ModerationStatus,
    Participant,
    Statement,
    Vote,
    VoteEvent,
)
from app.services.statements import normalize_statement

_slugs = itertools.count(1)


def make_issue(app, **fields) -> int:
    """Store an issue (lazy moderation, voting open) and return its id."""
    fields.setdefault("slug", f"issue-{next(_slugs)}")
    fields.setdefault("title", f"Issue {fields['slug']}")
    fields.setdefault("description", "About this issue.")
    fields.setdefault("moderation_mode", ModerationMode.LAZY)
    with app.app_context():
        issue = Issue(**fields)
        db.session.add(issue)
        db.session.commit()
        return issue.id


def make_statement(app, issue_id: int, text: str, status=ModerationStatus.ACCEPTED, **fields) -> int:
    """Store a statement and return its id."""
    with app.app_context():
        statement = Statement(
            issue_id=issue_id,
            text=text,
            normalized_text=normalize_statement(text),
            moderation_status=status,
            **fields,
        )
        db.session.add(statement)
        db.session.commit()
        return statement.id


def make_participant(app) -> int:
    with app.app_context():
        participant = Participant()
        db.session.add(participant)
        db.session.commit()
        return participant.id


def make_vote(app, issue_id: int, participant_id: int, statement_id: int, value: int) -> None:
    """Store a current vote and its event."""
    with app.app_context():
        row = dict(issue_id=issue_id, participant_id=participant_id, statement_id=statement_id, value=value)
        db.session.add_all([Vote(**row), VoteEvent(**row)])
        db.session.commit()


def count(app, model, **filters) -> int:
    """How many rows of ``model`` match ``filters``."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**filters))
