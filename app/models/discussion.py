"""Discussion topics with threaded replies (the "discourse"), moderated by facilitators."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.participant import Participant
from app.models.statement import ModerationStatus
from app.models.types import UTCDateTime, utcnow
from app.models.user import User


class DiscussionTopic(db.Model):
    __tablename__ = "discussion_topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()
    posts: Mapped[list[DiscussionPost]] = relationship(
        back_populates="topic", order_by="DiscussionPost.id", cascade="all, delete-orphan"
    )


class DiscussionPost(db.Model):
    """A reply by a participant (anonymous or registered); ``parent_id`` makes the thread."""

    __tablename__ = "discussion_post"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("discussion_topic.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("discussion_post.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"), index=True)
    body: Mapped[str] = mapped_column(Text)  # Markdown, sanitised on render
    # Same rules as statements: strict issues hide a post until accepted, lazy ones until rejected.
    moderation_status: Mapped[ModerationStatus] = mapped_column(
        Enum(ModerationStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=ModerationStatus.UNMODERATED,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    topic: Mapped[DiscussionTopic] = relationship(back_populates="posts")
    author: Mapped[Participant | None] = relationship()
