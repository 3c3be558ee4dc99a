"""A public issue: the conversation citizens deliberate on."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class Stage(enum.StrEnum):
    """vTaiwan's stages, in order."""

    AGENDA_SETTING = "agenda_setting"
    RESEARCH = "research"
    INFORM = "inform"
    DISCUSSION = "discussion"
    VOTING = "voting"
    DECISION = "decision"
    RESPONSE = "response"


STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)


class ModerationMode(enum.StrEnum):
    """Strict: new statements hidden until accepted. Lazy: shown until rejected."""

    STRICT = "strict"
    LAZY = "lazy"


class Issue(db.Model):
    __tablename__ = "issue"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised on render
    steward_agency: Mapped[str] = mapped_column(String(200), default="")
    # Days the steward agency has to answer when `inform` opens, and for the final response
    # when `response` opens (vTaiwan: 7 and 60); see app.models.deadlines.
    inform_response_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    final_response_days: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    statement_max_length: Mapped[int] = mapped_column(Integer, default=280)
    moderation_mode: Mapped[ModerationMode] = mapped_column(
        Enum(ModerationMode, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=ModerationMode.LAZY,
    )
    current_stage: Mapped[Stage] = mapped_column(
        Enum(Stage, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e]),
        default=Stage.AGENDA_SETTING,
    )
    # Markdown shown on the issue page, e.g. the CC BY 4.0 attribution of imported data.
    attribution: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Issue {self.slug}>"
