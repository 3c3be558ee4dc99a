"""Discussion topics with threaded replies (the "discourse"), moderated like statements."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from app.exceptions import AgoraError
from app.extensions import db
from app.models import DiscussionPost, DiscussionTopic, Issue, ModerationMode, ModerationStatus
from app.security.text import check_text, is_blank
from app.services.process import activity
from app.services.process.issue_rows import row_of, rows_of

MAX_POST_LENGTH = 5000
#: Replies nest at most this deep (a reply to the topic is depth 0); enforced here, not in the page.
MAX_DEPTH = 6
#: Posts shown per page of a topic (in thread order).
POSTS_PER_PAGE = 100


@dataclass
class Thread:
    """A post and its visible replies, for rendering the tree."""

    post: DiscussionPost
    replies: list[Thread] = field(default_factory=list)


@dataclass(frozen=True)
class ThreadEntry:
    """One post in thread order, with its depth (how far to indent it, capped at MAX_DEPTH)."""

    post: DiscussionPost
    depth: int

    @property
    def can_reply(self) -> bool:
        return self.depth < MAX_DEPTH


@dataclass(frozen=True)
class ThreadPage:
    entries: list[ThreadEntry]
    page: int
    pages: int


def topics(issue: Issue) -> list[DiscussionTopic]:
    return rows_of(issue, DiscussionTopic)


def get_topic(issue: Issue, topic_id: int) -> DiscussionTopic:
    not_found = AgoraError("topic_not_found", _("We could not find that discussion topic."), 404)
    return row_of(issue, DiscussionTopic, topic_id, not_found)


def open_topic(issue: Issue, *, title: str, body: str, actor_id: int | None) -> DiscussionTopic:
    """A facilitator opens a topic; the caller commits."""
    topic = DiscussionTopic(issue_id=issue.id, title=title, body=body, author_id=actor_id)
    db.session.add(topic)
    activity.record(issue, "topic_opened", actor_id, title=title)
    return topic


def is_visible(post: DiscussionPost, issue: Issue) -> bool:
    """Strict issues show accepted replies only; lazy ones everything not rejected."""
    if post.moderation_status == ModerationStatus.ACCEPTED:
        return True
    return post.moderation_status == ModerationStatus.UNMODERATED and issue.moderation_mode == ModerationMode.LAZY


def reply(topic: DiscussionTopic, *, participant_id: int, body: str, parent_id: int | None) -> DiscussionPost:
    """Any participant (anonymous or registered) replies to the topic or to a visible reply; the caller commits."""
    body = check_text(body or "", code="post").strip()
    if is_blank(body):
        raise AgoraError("post_empty", _("Write something before posting."), 400)
    if len(body) > MAX_POST_LENGTH:
        raise AgoraError(
            "post_too_long", _("A reply can be at most %(num)d characters long.", num=MAX_POST_LENGTH), 400
        )
    if parent_id is not None:
        parent = db.session.get(DiscussionPost, parent_id)
        if parent is None or parent.topic_id != topic.id or not is_visible(parent, _issue_of(topic)):
            raise AgoraError("post_not_found", _("We could not find the reply you are answering."), 404)
        if _depth_of(parent) >= MAX_DEPTH:
            raise AgoraError(
                "thread_too_deep",
                _("This conversation is nested as deep as it can go. Answer an earlier reply instead."),
                400,
            )
    post = DiscussionPost(topic_id=topic.id, parent_id=parent_id, author_id=participant_id, body=body)
    db.session.add(post)
    return post


def moderate_post(issue: Issue, post_id: int, accept: bool, actor_id: int | None) -> DiscussionPost:
    """Accept or reject a reply (rejected replies and their answers disappear); the caller commits."""
    post = db.session.get(DiscussionPost, post_id)
    if post is None or post.topic.issue_id != issue.id:
        raise AgoraError("post_not_found", _("We could not find that reply."), 404)
    post.moderation_status = ModerationStatus.ACCEPTED if accept else ModerationStatus.REJECTED
    activity.record(issue, "post_moderated", actor_id, post_id=post.id, action="accept" if accept else "reject")
    return post


def thread(topic: DiscussionTopic, *, staff: bool) -> list[Thread]:
    """The topic's replies as a tree; citizens see only visible replies under visible parents."""
    issue = _issue_of(topic)
    nodes = {post.id: Thread(post) for post in topic.posts if staff or is_visible(post, issue)}
    roots: list[Thread] = []
    for node in nodes.values():
        parent_id = node.post.parent_id
        if parent_id is None:
            roots.append(node)
        elif parent_id in nodes:
            nodes[parent_id].replies.append(node)
    return roots


def flatten(roots: list[Thread]) -> list[ThreadEntry]:
    """The tree in reading order with depths, by an explicit stack: no recursion, however deep."""
    entries: list[ThreadEntry] = []
    stack = [(node, 0) for node in reversed(roots)]
    while stack:
        node, depth = stack.pop()
        entries.append(ThreadEntry(node.post, min(depth, MAX_DEPTH)))
        stack.extend((child, depth + 1) for child in reversed(node.replies))
    return entries


def thread_page(topic: DiscussionTopic, *, staff: bool, page: int = 1) -> ThreadPage:
    """One page of the topic's replies in thread order (page numbers start at 1 and are clamped)."""
    entries = flatten(thread(topic, staff=staff))
    pages = max(1, -(-len(entries) // POSTS_PER_PAGE))
    page = min(max(page, 1), pages)
    start = (page - 1) * POSTS_PER_PAGE
    return ThreadPage(entries[start : start + POSTS_PER_PAGE], page, pages)


def _depth_of(post: DiscussionPost) -> int:
    """How deep ``post`` sits (0: answers the topic); walks at most MAX_DEPTH + 1 parents."""
    depth, parent_id = 0, post.parent_id
    while parent_id is not None and depth <= MAX_DEPTH:
        depth += 1
        parent_id = db.session.scalar(db.select(DiscussionPost.parent_id).where(DiscussionPost.id == parent_id))
    return depth


def pending_posts(issue: Issue) -> list[DiscussionPost]:
    """Replies nobody has moderated yet, across the issue's topics."""
    query = (
        db.select(DiscussionPost)
        .join(DiscussionTopic)
        .where(DiscussionTopic.issue_id == issue.id, DiscussionPost.moderation_status == ModerationStatus.UNMODERATED)
        .order_by(DiscussionPost.id)
    )
    return list(db.session.scalars(query))


def _issue_of(topic: DiscussionTopic) -> Issue:
    return db.session.get(Issue, topic.issue_id)
