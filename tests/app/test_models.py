"""The foundation's models: defaults, the one-current-vote rule, duplicates, the vote history."""

from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    Issue,
    ModerationMode,
    ModerationStatus,
    Participant,
    Stage,
    Statement,
    Vote,
    VoteEvent,
    VoteValue,
)
from app.services.statements import normalize_statement
from tests.support.issues import make_issue, make_participant, make_statement


def test_issue_defaults(app):
    issue_id = make_issue(app, slug="defaults", title="Defaults", moderation_mode=ModerationMode.STRICT)
    with app.app_context():
        issue = db.session.get(Issue, issue_id)
        assert issue.statement_max_length == 280
        assert issue.current_stage is Stage.AGENDA_SETTING
        assert issue.moderation_mode is ModerationMode.STRICT
        assert issue.created_at.tzinfo is UTC


def test_issue_slug_is_unique(app):
    make_issue(app, slug="same")
    with pytest.raises(IntegrityError):
        make_issue(app, slug="same")


def test_statement_defaults_and_text_kept_as_typed(app):
    issue_id = make_issue(app)
    with app.app_context():
        text = '  <b>Bold</b> & "quoted"  '
        statement = Statement(issue_id=issue_id, text=text, normalized_text=normalize_statement(text))
        db.session.add(statement)
        db.session.commit()
        stored = db.session.scalar(select(Statement))
        assert stored.text == text
        assert stored.moderation_status is ModerationStatus.UNMODERATED
        assert stored.is_seed is False and stored.is_meta is False


def test_same_normalized_text_is_refused_in_one_issue_only(app):
    first, second = make_issue(app), make_issue(app)
    make_statement(app, first, "Buses should run all night")
    make_statement(app, second, "buses  should RUN all night")  # another issue: fine
    with pytest.raises(IntegrityError):
        make_statement(app, first, "BUSES should run   all night")


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("  Hello\n\tWorld  ", "hello world"),
        ("ＵＢＥＲ　計程車", "uber 計程車"),  # full-width letters and ideographic space (NFKC)
        ("Straße", "strasse"),  # case folding, not just lower()
    ],
)
def test_normalize_statement(text, normalized):
    assert normalize_statement(text) == normalized


def test_one_current_vote_per_participant_and_statement(app):
    issue_id = make_issue(app)
    statement_id = make_statement(app, issue_id, "One vote each")
    participant_id = make_participant(app)
    with app.app_context():
        row = dict(issue_id=issue_id, participant_id=participant_id, statement_id=statement_id)
        db.session.add(Vote(value=VoteValue.AGREE, **row))
        db.session.commit()
        db.session.add(Vote(value=VoteValue.DISAGREE, **row))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        # The history has no such rule: every vote ever cast is kept.
        db.session.add_all([VoteEvent(value=1, **row), VoteEvent(value=-1, **row)])
        db.session.commit()
        assert len(db.session.scalars(select(VoteEvent)).all()) == 2


def test_vote_values_follow_polis_export_convention():
    assert (VoteValue.AGREE, VoteValue.DISAGREE, VoteValue.PASS) == (1, -1, 0)
    assert [value.label for value in VoteValue] == ["agree", "disagree", "pass"]


def test_participant_xid_is_unique(app):
    with app.app_context():
        db.session.add(Participant(xid="polis:x:1"))
        db.session.commit()
        db.session.add(Participant(xid="polis:x:1"))
        with pytest.raises(IntegrityError):
            db.session.commit()
