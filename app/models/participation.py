"""Invite codes for invite-only issues, and participants a facilitator set aside from an issue's results."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class InviteCode(db.Model):
    """A single-use code: the first participant who redeems it may take part in the issue."""

    __tablename__ = "invite_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"), index=True)


class ParticipantExclusion(db.Model):
    """A participant whose votes and statements no longer count in an issue's map and counts.

    Exclusions made together share a ``batch`` so that a facilitator can undo them together; the
    public reason is also in the activity log.
    """

    __tablename__ = "participant_exclusion"
    __table_args__ = (UniqueConstraint("issue_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"))
    batch: Mapped[str] = mapped_column(String(32), index=True)
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
