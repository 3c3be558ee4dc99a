"""Posting statements: validation, duplicate detection and the moderation status they start in."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from app import signals
from app.exceptions import AgoraError
from app.extensions import db
from app.models import Issue, ModerationStatus, Statement
from app.security.text import fold, text_problem
from app.services.integrations.xids import check_participation
from app.services.process import stages
from app.services.visibility import is_visible_to_citizens


def normalize_statement(text: str) -> str:
    """The form used to spot duplicates: NFKC, zero-width and bidi characters dropped, case-folded,
    whitespace collapsed (app.security.text.fold)."""
    return fold(text)


def validate_statement_text(issue: Issue, text: object) -> str:
    """Return the normalised text, or raise a 400/409 AgoraError before anything is written."""
    if not isinstance(text, str):
        raise AgoraError("statement_invalid", _("The statement must be text."), 400)
    if text_problem(text) is not None:
        # Lone surrogates and NUL cannot be stored; control characters no keyboard types.
        raise AgoraError("statement_invalid", _("The statement contains a character that is not allowed."), 400)
    normalized = normalize_statement(text)
    if not normalized:
        raise AgoraError("statement_empty", _("Write a statement before posting it."), 400)
    limit = issue.statement_max_length
    if len(text) > limit:
        raise AgoraError(
            "statement_too_long",
            ngettext(
                "A statement can be at most %(num)d character long.",
                "A statement can be at most %(num)d characters long.",
                limit,
            ),
            400,
        )
    if db.session.scalar(
        select(exists().where(Statement.issue_id == issue.id, Statement.normalized_text == normalized))
    ):
        raise _duplicate()
    return normalized


def post_statement(issue: Issue, author_id: int, text: object, *, as_staff: bool = False) -> Statement:
    """Add a statement to the session (the caller commits, then calls ``announce_statement``).

    A citizen's statement starts unmoderated: hidden until accepted in strict mode, shown until
    rejected in lazy mode. Staff statements are seeds and accepted at once.
    """
    if not as_staff:
        stages.ensure_voting_open(issue)  # citizens add statements only while voting is open
        check_participation(issue.id, author_id)  # the ``xid`` policy
    normalized = validate_statement_text(issue, text)
    statement = Statement(
        issue_id=issue.id,
        author_id=author_id,
        text=text,
        normalized_text=normalized,
        moderation_status=ModerationStatus.ACCEPTED if as_staff else ModerationStatus.UNMODERATED,
        is_seed=as_staff,
    )
    db.session.add(statement)
    try:
        db.session.flush()
    except IntegrityError:
        # Someone posted the same text between our check and our insert.
        db.session.rollback()
        raise _duplicate() from None
    return statement


def announce_statement(statement: Statement, issue: Issue) -> None:
    """Send `statement_added` for a committed statement (live pages; notification only)."""
    signals.statement_added.send(
        current_app._get_current_object(),
        issue_id=issue.id,
        statement_id=statement.id,
        visible=is_visible_to_citizens(statement, issue),
    )


def _duplicate() -> AgoraError:
    return AgoraError("statement_duplicate", _("This statement has already been posted in this issue."), 409)
