"""Integrations: API tokens, webhooks with their delivery outbox, embeds with external ids (XID)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow
from app.models.user import User


class TokenScope(enum.StrEnum):
    """read: GET only; write: also the participant's writes; admin: also staff endpoints (webhooks)."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


class ApiToken(db.Model):
    """A personal API token. Only the SHA-256 of the token is stored: it has 256 random bits, so a
    fast hash is enough and every request can be checked with one indexed lookup."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[TokenScope] = mapped_column(
        Enum(TokenScope, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=TokenScope.WRITE,
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists so people can tell tokens apart
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Webhook(db.Model):
    """An integrator's endpoint. ``secret`` signs each delivery (HMAC needs it in the clear);
    it is shown to its creator once and never returned by the API again."""

    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(db.Model):
    """One event for one webhook, stored first and sent by the worker (the email outbox's pattern).

    ``body`` is the exact JSON sent, so retries carry the same bytes and the same signature;
    ``delivery_id`` is the id header receivers use to drop repeats.
    """

    __tablename__ = "webhook_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhook.id", ondelete="CASCADE"), index=True)
    delivery_id: Mapped[str] = mapped_column(String(36), unique=True)
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    event: Mapped[str] = mapped_column(String(40))
    issue_id: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)


class EmbedSettings(db.Model):
    """Per issue: the origins allowed to frame its embed, and whether only listed XIDs may take part."""

    __tablename__ = "embed_settings"

    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), primary_key=True)
    frame_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The participation policy ``xid`` (see app.services.integrations.xids.policy_of).
    xid_only: Mapped[bool] = mapped_column(Boolean, default=False)


class XidAllowed(db.Model):
    """An external id on an issue's allow-list (uploaded as CSV in the console)."""

    __tablename__ = "xid_allowed"
    __table_args__ = (UniqueConstraint("issue_id", "xid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    xid: Mapped[str] = mapped_column(String(200))


class XidParticipant(db.Model):
    """An agency's user id (XID) is one participant per issue: the same person on two issues is two
    unlinkable participants, as in pol.is, where XIDs are scoped to their conversation's owner."""

    __tablename__ = "xid_participant"
    __table_args__ = (UniqueConstraint("issue_id", "xid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    xid: Mapped[str] = mapped_column(String(200))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
