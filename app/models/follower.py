"""People following an issue by email (double opt-in)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.issue import Issue
from app.models.types import UTCDateTime, utcnow


def new_follower_token() -> str:
    """A random, opaque token: the only thing the follower's links carry (signed)."""
    return secrets.token_urlsafe(32)


class IssueFollower(db.Model):
    """An email address following one issue; it gets mail only once ``confirmed_at`` is set.

    Unsubscribing deletes the row: an address nobody wants mail at is not kept.
    """

    __tablename__ = "issue_follower"
    __table_args__ = (UniqueConstraint("issue_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))  # normalised by email-validator
    locale: Mapped[str] = mapped_column(String(16))  # the language the page was in at sign-up
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_follower_token)

    issue: Mapped[Issue] = relationship()

    def __repr__(self) -> str:
        return f"<IssueFollower {self.issue_id} {'confirmed' if self.confirmed_at else 'pending'}>"
