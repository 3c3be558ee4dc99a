"""Persisted results of the opinion-map computation, one row per recompute (tick)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class OpinionSnapshot(db.Model):
    __tablename__ = "opinion_snapshot"
    __table_args__ = (UniqueConstraint("issue_id", "tick"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    tick: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The highest vote_event id the computation saw: a vote is "on the map" once this passes it.
    vote_event_watermark: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict] = mapped_column(JSON)  # the public opinion_map payload, minus per-viewer fields
    state: Mapped[dict] = mapped_column(JSON)  # clustering state for the next warm start
