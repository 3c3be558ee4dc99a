"""ORID records of the voting-stage meeting, each part linked to the statements and groups it discusses."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.statement import Statement
from app.models.types import UTCDateTime, utcnow


class OridPart(enum.StrEnum):
    """The four ORID questions: Objective, Reflective, Interpretive, Decisional."""

    OBJECTIVE = "objective"
    REFLECTIVE = "reflective"
    INTERPRETIVE = "interpretive"
    DECISIONAL = "decisional"


class OridRecord(db.Model):
    __tablename__ = "orid_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Markdown, one text per ORID part.
    objective: Mapped[str] = mapped_column(Text, default="")
    reflective: Mapped[str] = mapped_column(Text, default="")
    interpretive: Mapped[str] = mapped_column(Text, default="")
    decisional: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    links: Mapped[list[OridLink]] = relationship(
        back_populates="record", order_by="OridLink.id", cascade="all, delete-orphan"
    )

    def links_for(self, part: OridPart) -> list[OridLink]:
        return [link for link in self.links if link.part == part]


class OridLink(db.Model):
    """One statement or one opinion group (by its id in the opinion map) an ORID part discusses."""

    __tablename__ = "orid_link"
    __table_args__ = (CheckConstraint("(statement_id IS NULL) <> (group_id IS NULL)", name="statement_xor_group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("orid_record.id", ondelete="CASCADE"), index=True)
    part: Mapped[OridPart] = mapped_column(
        Enum(OridPart, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(Integer)

    record: Mapped[OridRecord] = relationship(back_populates="links")
    statement: Mapped[Statement | None] = relationship()
