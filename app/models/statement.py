"""Statements: the short texts participants vote on."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.issue import Issue
from app.models.participant import Participant
from app.models.types import UTCDateTime, utcnow


class ModerationStatus(enum.StrEnum):
    ACCEPTED = "accepted"
    UNMODERATED = "unmoderated"
    REJECTED = "rejected"


class ModerationAction(enum.StrEnum):
    """What a moderator does to a statement; recorded in the activity log."""

    ACCEPT = "accept"
    REJECT = "reject"
    META = "meta"  # about the process, not the issue: shown, but left out of the opinion map


class Statement(db.Model):
    __tablename__ = "statement"
    __table_args__ = (UniqueConstraint("issue_id", "normalized_text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"), index=True)
    text: Mapped[str] = mapped_column(Text)  # as typed; always rendered escaped
    # Case-folded, whitespace-collapsed text: the same statement twice is refused.
    normalized_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    moderation_status: Mapped[ModerationStatus] = mapped_column(
        Enum(ModerationStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=ModerationStatus.UNMODERATED,
    )
    is_seed: Mapped[bool] = mapped_column(Boolean, default=False)
    is_meta: Mapped[bool] = mapped_column(Boolean, default=False)
    # The comment id in a pol.is export this statement was imported from.
    polis_tid: Mapped[int | None] = mapped_column(Integer)

    issue: Mapped[Issue] = relationship()
    author: Mapped[Participant | None] = relationship()

    def __repr__(self) -> str:
        return f"<Statement {self.id} {self.moderation_status}>"
