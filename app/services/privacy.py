"""What Agora holds about a person: handing it over, deleting it, and not showing more than needed.

* ``export_data``: everything tied to an account (the account, votes with their times and
  history, statements, replies, follows, invites) as JSON-ready data;
* ``delete_account``: personal data goes (the account, follows, mail to the address), while
  votes, statements and replies stay with an anonymous participant, so published results do not change;
* ``purge_expired_follows``: unconfirmed email follows are deleted once their link has expired;
* ``pseudonym``: the name a participant's discussion replies carry, different in every issue, so
  that replies cannot be linked across issues by a global id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from app.exceptions import AgoraError
from app.extensions import db
from app.models import (
    DiscussionPost,
    DiscussionTopic,
    InviteCode,
    Issue,
    IssueFollower,
    OutboxEmail,
    Participant,
    Role,
    Statement,
    User,
    Vote,
    VoteEvent,
    VoteValue,
    utcnow,
)
from app.services.accountability.following import CONFIRM_MAX_AGE

#: Unconfirmed follows live as long as their confirmation link.
FOLLOW_CONFIRM_MAX_AGE = timedelta(seconds=CONFIRM_MAX_AGE)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_data(user: User) -> dict[str, Any]:
    """Everything Agora holds about ``user``."""
    pids = list(db.session.scalars(select(Participant.id).where(Participant.user_id == user.id)))
    votes = db.session.execute(
        select(Vote, Statement.text, Issue.slug)
        .join(Statement, Statement.id == Vote.statement_id)
        .join(Issue, Issue.id == Vote.issue_id)
        .where(Vote.participant_id.in_(pids))
        .order_by(Vote.issue_id, Vote.statement_id)
    ).all()
    history = db.session.scalars(
        select(VoteEvent).where(VoteEvent.participant_id.in_(pids)).order_by(VoteEvent.id)
    ).all()
    statements = db.session.scalars(select(Statement).where(Statement.author_id.in_(pids)).order_by(Statement.id)).all()
    replies = db.session.execute(
        select(DiscussionPost, DiscussionTopic.issue_id)
        .join(DiscussionTopic, DiscussionTopic.id == DiscussionPost.topic_id)
        .where(DiscussionPost.author_id.in_(pids))
        .order_by(DiscussionPost.id)
    ).all()
    follows = db.session.execute(
        select(IssueFollower, Issue.slug)
        .join(Issue, Issue.id == IssueFollower.issue_id)
        .where(IssueFollower.email == user.email)
        .order_by(IssueFollower.id)
    ).all()
    invites = db.session.scalars(select(InviteCode).where(InviteCode.participant_id.in_(pids))).all()
    return {
        "exported_at": utcnow().isoformat(),
        "account": {
            "id": user.id,
            "email": user.email,
            "role": user.role.value,
            "agency": user.agency,
            "created_at": _iso(user.created_at),
            "email_verified_at": _iso(user.email_verified_at),
        },
        "participant_ids": pids,
        "votes": [
            {
                "issue_id": vote.issue_id,
                "issue_slug": slug,
                "statement_id": vote.statement_id,
                "statement_text": text,
                "vote": VoteValue(vote.value).label,
                "value": vote.value,
                "updated_at": _iso(vote.updated_at),
            }
            for vote, text, slug in votes
        ],
        "vote_history": [
            {
                "issue_id": event.issue_id,
                "statement_id": event.statement_id,
                "vote": VoteValue(event.value).label,
                "created_at": _iso(event.created_at),
            }
            for event in history
        ],
        "statements": [
            {
                "id": s.id,
                "issue_id": s.issue_id,
                "text": s.text,
                "moderation_status": s.moderation_status.value,
                "created_at": _iso(s.created_at),
            }
            for s in statements
        ],
        "replies": [
            {
                "id": post.id,
                "issue_id": issue_id,
                "topic_id": post.topic_id,
                "parent_id": post.parent_id,
                "body": post.body,
                "created_at": _iso(post.created_at),
            }
            for post, issue_id in replies
        ],
        "follows": [
            {
                "issue_id": follower.issue_id,
                "issue_slug": slug,
                "created_at": _iso(follower.created_at),
                "confirmed_at": _iso(follower.confirmed_at),
            }
            for follower, slug in follows
        ],
        "invites": [{"issue_id": i.issue_id, "redeemed_at": _iso(i.redeemed_at)} for i in invites],
    }


def delete_account(user: User) -> None:
    """Delete the account and its personal data; contributions stay, anonymous. The caller commits."""
    if user.role is not Role.CITIZEN:
        raise AgoraError(
            "staff_account",
            _("Staff accounts are closed by an administrator, so that their published work keeps an owner."),
            403,
        )
    db.session.execute(update(Participant).where(Participant.user_id == user.id).values(user_id=None))
    db.session.execute(delete(IssueFollower).where(IssueFollower.email == user.email))
    db.session.execute(delete(OutboxEmail).where(OutboxEmail.to == user.email))
    _forget_references(user.id)
    db.session.delete(user)


def _forget_references(user_id: int) -> None:
    """Other tables that name the user (logs, authorship) keep their rows, without the name.

    Read from the schema, so that a table added later is covered too (SQLite does not run the
    foreign keys' ON DELETE SET NULL).
    """
    users = User.__table__
    for table in db.metadata.sorted_tables:
        if table is users or table.name == "participant":
            continue
        for fk in table.foreign_keys:
            if fk.column.table is users and fk.parent.nullable:
                db.session.execute(update(table).where(fk.parent == user_id).values({fk.parent.name: None}))


def purge_expired_follows(now: datetime | None = None) -> int:
    """Delete unconfirmed follows whose confirmation link has expired; the caller commits."""
    cutoff = (now or utcnow()) - FOLLOW_CONFIRM_MAX_AGE
    result = db.session.execute(
        delete(IssueFollower).where(IssueFollower.confirmed_at.is_(None), IssueFollower.created_at < cutoff)
    )
    return result.rowcount or 0


def pseudonym(issue_id: int, participant_id: int | None) -> str:
    """A short name for a participant in one issue (e.g. "K7QF2M"): stable there, unlinkable elsewhere."""
    if participant_id is None:
        return "—"
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, f"pseudonym:{issue_id}:{participant_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:5]).decode()[:6]
