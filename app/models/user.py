"""Registered accounts and their roles."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Enum, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class Role(enum.StrEnum):
    CITIZEN = "citizen"
    FACILITATOR = "facilitator"
    MINISTRY = "ministry"
    ADMIN = "admin"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # Only ever a hash (argon2id); see app.services.passwords.
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=Role.CITIZEN,
    )
    # A ministry user's agency: they publish responses for issues whose steward_agency equals it.
    agency: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the owner followed the link of the verification email (or an operator made the account).
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    # Part of the id kept in sessions and remember-me cookies; logging out increments it, which
    # ends every session of the user (app/security/sessions.py).
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version or 1}"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
