"""The seven vTaiwan stages of an issue, each with its dates and whether statement voting is open."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, backref, mapped_column, relationship

from app.extensions import db
from app.models.issue import STAGE_ORDER, Issue, Stage
from app.models.types import UTCDateTime, utcnow

#: Statement voting is open by default in pol.is agenda setting and in the voting stage.
VOTING_OPEN_BY_DEFAULT = frozenset({Stage.AGENDA_SETTING, Stage.VOTING})


class IssueStage(db.Model):
    __tablename__ = "issue_stage"
    __table_args__ = (UniqueConstraint("issue_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    key: Mapped[Stage] = mapped_column(
        Enum(Stage, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])
    )
    position: Mapped[int] = mapped_column(Integer)  # 0..6, STAGE_ORDER's index
    # Planned dates until the stage opens or closes; then the actual ones.
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    voting_open: Mapped[bool] = mapped_column(Boolean, default=False)

    # A backref because issue.py belongs to the foundation; the stages always come in order.
    issue: Mapped[Issue] = relationship(
        backref=backref("stages", order_by="IssueStage.position", cascade="all, delete-orphan", lazy="selectin"),
    )

    def __repr__(self) -> str:
        return f"<IssueStage {self.issue_id} {self.key}>"


def default_stages(issue: Issue) -> list[IssueStage]:
    """The seven stages in order; the issue's current stage starts now."""
    now = utcnow()
    current = issue.current_stage or Stage.AGENDA_SETTING
    return [
        IssueStage(
            key=key,
            position=position,
            voting_open=key in VOTING_OPEN_BY_DEFAULT,
            description="",
            starts_at=now if key == current else None,
        )
        for position, key in enumerate(STAGE_ORDER)
    ]


@event.listens_for(Session, "before_flush")
def _give_new_issues_their_stages(session: Session, flush_context, instances) -> None:
    """Every issue has its seven stages, however it was created (console, pol.is import, demo)."""
    for obj in list(session.new):
        if isinstance(obj, Issue) and not obj.stages:
            obj.stages = default_stages(obj)
