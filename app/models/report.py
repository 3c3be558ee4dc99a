"""Open data and the public report: per-issue export settings, named opinion groups, frozen reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.issue import Issue, Stage
from app.models.types import UTCDateTime, utcnow
from app.models.user import User

#: The license an issue's open data carries unless its facilitators choose another.
DEFAULT_LICENSE = "CC-BY-4.0"


class OpenDataSettings(db.Model):
    """How an issue's openData export is published. An issue without a row uses the defaults:
    public from the start, CC BY 4.0."""

    __tablename__ = "open_data_settings"

    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), primary_key=True)
    # An SPDX identifier (CC-BY-4.0, CC0-1.0, ...).
    license: Mapped[str] = mapped_column(String(64), default=DEFAULT_LICENSE)
    # None: public at once. Otherwise the export is held back from the public until the issue
    # reaches this stage (staff always have it).
    public_from_stage: Mapped[Stage | None] = mapped_column(
        Enum(Stage, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])
    )


class GroupLabel(db.Model):
    """A facilitator's name and description for one opinion group (by its stable group id)."""

    __tablename__ = "group_label"
    __table_args__ = (UniqueConstraint("issue_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")


class FrozenReport(db.Model):
    """The public report as it stood at one moment, stored whole and never changed afterwards."""

    __tablename__ = "frozen_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    # The opinion snapshot the report was built from; kept while a frozen report uses it.
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("opinion_snapshot.id"), index=True)
    # "stage_closed" (with the stage that closed) or "on_demand".
    reason: Mapped[str] = mapped_column(String(32))
    stage: Mapped[Stage | None] = mapped_column(
        Enum(Stage, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[dict] = mapped_column(JSON)  # the report payload, as the API serves it

    issue: Mapped[Issue] = relationship()
    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<FrozenReport {self.id} issue={self.issue_id} {self.reason}>"
