"""Votes: one current vote per participant and statement, and the append-only history."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, SmallInteger, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class VoteValue(enum.IntEnum):
    """pol.is export convention: +1 agree, -1 disagree, 0 pass."""

    AGREE = 1
    DISAGREE = -1
    PASS = 0

    @property
    def label(self) -> str:
        return self.name.lower()


class Vote(db.Model):
    """The current vote; changing a vote replaces this row."""

    __tablename__ = "vote"
    __table_args__ = (
        UniqueConstraint("participant_id", "statement_id"),
        # Covers an issue's votes (the opinion map) and each participant's votes in it, in the order
        # of the export's participants-votes.csv, without reading the table.
        Index("ix_vote_issue_id_participant_id", "issue_id", "participant_id", "statement_id", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # issue_id is denormalised so that the opinion map reads one issue's votes with one index scan.
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"), index=True)
    value: Mapped[int] = mapped_column(SmallInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VoteEvent(db.Model):
    """Every vote ever cast, never updated or deleted: for audit and pol.is-compatible export."""

    __tablename__ = "vote_event"
    __table_args__ = (
        Index("ix_vote_event_issue_id_id", "issue_id", "id"),
        # pol.is's votes.csv order (comment, voter, time), covering: the export reads a range of
        # statements without sorting or reading the table.
        Index("ix_vote_event_export_order", "issue_id", "statement_id", "participant_id", "created_at", "id", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"), index=True)
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
