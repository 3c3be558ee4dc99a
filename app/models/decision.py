"""The decision record: per proposal, adopted / partly adopted / not adopted, with reasons."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, Enum, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.statement import Statement
from app.models.types import UTCDateTime, utcnow


class DecisionOutcome(enum.StrEnum):
    ADOPTED = "adopted"
    PARTLY_ADOPTED = "partly_adopted"
    NOT_ADOPTED = "not_adopted"


decision_proposal_statement = Table(
    "decision_proposal_statement",
    db.metadata,
    Column("proposal_id", ForeignKey("decision_proposal.id", ondelete="CASCADE"), primary_key=True),
    Column("statement_id", ForeignKey("statement.id", ondelete="CASCADE"), primary_key=True),
)


class DecisionProposal(db.Model):
    __tablename__ = "decision_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    outcome: Mapped[DecisionOutcome] = mapped_column(
        Enum(DecisionOutcome, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    reasons: Mapped[str] = mapped_column(Text, default="")  # Markdown
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # The statements this proposal answers.
    statements: Mapped[list[Statement]] = relationship(secondary=decision_proposal_statement, order_by="Statement.id")
