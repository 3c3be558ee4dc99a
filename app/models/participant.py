"""Participants: anonymous by default (a signed cookie), optionally linked to a user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow
from app.models.user import User


class Participant(db.Model):
    __tablename__ = "participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # External id, for embedding in another site or for imported pol.is participants.
    xid: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Keyed hashes (HMAC with the secret key) of the address and user agent it was created from:
    # enough to spot bursts of new participants from one source, without storing either.
    address_key: Mapped[str | None] = mapped_column(String(32), index=True)
    agent_key: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Participant {self.id}>"
