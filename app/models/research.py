"""Research documents (the "gitbook"): Markdown with every revision kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow
from app.models.user import User


class ResearchDocument(db.Model):
    __tablename__ = "research_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    revisions: Mapped[list[ResearchRevision]] = relationship(
        back_populates="document", order_by="ResearchRevision.number", cascade="all, delete-orphan"
    )

    @property
    def latest(self) -> ResearchRevision:
        return self.revisions[-1]


class ResearchRevision(db.Model):
    """One saved version; never updated or deleted, so every earlier text stays readable."""

    __tablename__ = "research_revision"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("research_document.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per document
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)  # Markdown, sanitised on render
    summary: Mapped[str] = mapped_column(String(500), default="")  # what changed
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    document: Mapped[ResearchDocument] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship()
