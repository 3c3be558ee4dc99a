"""Ministry responses: the steward agency's public, point-by-point answer, with its deadline."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.deadlines import Badge, ResponseStatus, badge_at, status_at
from app.models.issue import Issue
from app.models.statement import Statement
from app.models.types import UTCDateTime, utcnow
from app.models.user import User


def _enum(cls: type[enum.Enum], length: int) -> Enum:
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class ResponseKind(enum.StrEnum):
    """`inform`: due when the inform stage opens; `final`: due when the response stage opens."""

    INFORM = "inform"
    FINAL = "final"


class Verdict(enum.StrEnum):
    ACCEPTED = "accepted"
    UNDER_STUDY = "under_study"
    NOT_ADOPTED = "not_adopted"


class PointSource(enum.StrEnum):
    """Why a point is on the list the ministry must answer."""

    CONSENSUS = "consensus"  # a statement most of every group agrees (or disagrees) with
    GROUP = "group"  # a representative statement of one opinion group
    TOP = "top"  # no opinion map yet: one of the most agreed-with statements
    PROPOSAL = "proposal"  # a decision proposal of the earlier stages (final response)


class MinistryResponse(db.Model):
    """One response an issue's steward agency owes: at most one of each kind per issue."""

    __tablename__ = "ministry_response"
    __table_args__ = (UniqueConstraint("issue_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ResponseKind] = mapped_column(_enum(ResponseKind, 16))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The deadline in force (moved by extensions) and the one first set, which stays on record.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    original_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised on render

    issue: Mapped[Issue] = relationship()
    published_by: Mapped[User | None] = relationship()
    points: Mapped[list[ResponsePoint]] = relationship(
        back_populates="response", order_by="ResponsePoint.position", cascade="all, delete-orphan"
    )
    extensions: Mapped[list[ResponseExtension]] = relationship(
        back_populates="response",
        order_by="ResponseExtension.created_at",
        cascade="all, delete-orphan",
    )

    def status(self, now: datetime | None = None) -> ResponseStatus:
        return status_at(self.due_at, self.answered_at, now or utcnow())

    def badge(self, now: datetime | None = None) -> Badge:
        return badge_at(self.due_at, self.answered_at, now or utcnow())

    def __repr__(self) -> str:
        return f"<MinistryResponse {self.issue_id} {self.kind}>"


class ResponsePoint(db.Model):
    """One answered point: a statement (with its group context) or a decision proposal."""

    __tablename__ = "response_point"
    # One point per place in the list: a second publication (a double click) cannot add its copy.
    __table_args__ = (UniqueConstraint("response_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("ministry_response.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[PointSource] = mapped_column(_enum(PointSource, 16))
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("statement.id", ondelete="SET NULL"))
    decision_proposal_id: Mapped[int | None] = mapped_column(ForeignKey("decision_proposal.id", ondelete="SET NULL"))
    # The opinion groups this statement represents, as the snapshot numbered them.
    group_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # The text answered, copied when published so the record survives later edits.
    subject: Mapped[str] = mapped_column(Text, default="")
    verdict: Mapped[Verdict] = mapped_column(_enum(Verdict, 16))
    reasons: Mapped[str] = mapped_column(Text)  # Markdown, sanitised on render

    response: Mapped[MinistryResponse] = relationship(back_populates="points")
    statement: Mapped[Statement | None] = relationship()


class ResponseExtension(db.Model):
    """A public postponement: the reason and the new deadline, kept forever."""

    __tablename__ = "response_extension"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("ministry_response.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    previous_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    new_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[User | None] = relationship()

    response: Mapped[MinistryResponse] = relationship(back_populates="extensions")


__all__ = [
    "MinistryResponse",
    "PointSource",
    "ResponseExtension",
    "ResponseKind",
    "ResponsePoint",
    "Verdict",
]
