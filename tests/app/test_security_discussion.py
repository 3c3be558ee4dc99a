"""Discussion threads (issue 14, point 5) and citizen Markdown without images (point 6)."""

from __future__ import annotations

import itertools

from app.extensions import db
from app.models import DiscussionPost, DiscussionTopic, Issue, ModerationStatus
from app.services.markdown import render_citizen_markdown, render_markdown
from app.services.process import discussion
from tests.support.issues import count, make_issue

_topics = itertools.count(1)


def make_topic(app, **issue_fields) -> tuple[str, int]:
    """An issue (lazy moderation) with one discussion topic: (slug, topic id)."""
    issue_id = make_issue(app, slug=f"talk-{next(_topics)}", **issue_fields)
    with app.app_context():
        issue = db.session.get(Issue, issue_id)
        topic = DiscussionTopic(issue_id=issue_id, title="Insurance", body="What do you think?")
        db.session.add(topic)
        db.session.commit()
        return issue.slug, topic.id


def _chain(app, topic_id: int, length: int) -> list[int]:
    """A reply chain stored straight in the database (as an attacker could build it before the cap)."""
    with app.app_context():
        ids: list[int] = []
        parent = None
        for n in range(length):
            post = DiscussionPost(
                topic_id=topic_id,
                parent_id=parent,
                author_id=None,
                body=f"level {n}",
                moderation_status=ModerationStatus.ACCEPTED,
            )
            db.session.add(post)
            db.session.flush()
            parent = post.id
            ids.append(post.id)
        db.session.commit()
        return ids


def test_replies_deeper_than_the_cap_are_refused_on_the_server(app, auth):
    slug, topic_id = make_topic(app)
    ids = _chain(app, topic_id, discussion.MAX_DEPTH + 1)  # depths 0..MAX_DEPTH
    url = f"/issues/{slug}/discussion/{topic_id}/replies"
    ok = auth.post(url, data={"body": "fine", "parent_id": str(ids[discussion.MAX_DEPTH - 1])})
    assert ok.status_code == 302
    too_deep = auth.post(url, data={"body": "too deep", "parent_id": str(ids[-1])}, headers={"Accept-Language": "en"})
    assert too_deep.status_code == 400
    assert "nested as deep as it can go" in too_deep.get_data(as_text=True)
    assert count(app, DiscussionPost) == discussion.MAX_DEPTH + 2


def test_a_chain_of_a_thousand_levels_renders(app, client):
    slug, topic_id = make_topic(app)
    _chain(app, topic_id, 1000)
    page = client.get(f"/issues/{slug}/discussion/{topic_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "level 0" in html and f"level {discussion.POSTS_PER_PAGE - 1}" in html
    assert f"level {discussion.POSTS_PER_PAGE}<" not in html  # the next page
    assert 'rel="next"' in html
    last = client.get(f"/issues/{slug}/discussion/{topic_id}?page=10")
    assert last.status_code == 200 and "level 999" in last.get_data(as_text=True)
    beyond = client.get(f"/issues/{slug}/discussion/{topic_id}?page=99999999999999999999999")
    assert beyond.status_code == 200  # a nonsense page number is the first page, not a 500


def test_flatten_keeps_reading_order_and_caps_the_indent():
    class Post:
        def __init__(self, name):
            self.name = name

    a, b, c, d = (discussion.Thread(Post(n)) for n in "abcd")
    a.replies = [b, d]
    b.replies = [c]
    entries = discussion.flatten([a])
    assert [(e.post.name, e.depth) for e in entries] == [("a", 0), ("b", 1), ("c", 2), ("d", 1)]


def test_citizen_markdown_shows_no_images_but_staff_documents_may():
    text = "Look ![tracker](https://tracker.example/pixel.png) and [a link](https://example.org)"
    citizen = str(render_citizen_markdown(text))
    assert "<img" not in citizen and 'href="https://example.org"' in citizen
    assert "<img" in str(render_markdown(text))


def test_replies_with_remote_images_do_not_load_them_for_readers_or_moderators(app, client, auth):
    slug, topic_id = make_topic(app)
    url = f"/issues/{slug}/discussion/{topic_id}/replies"
    assert auth.post(url, data={"body": "![x](https://tracker.example/p.png)"}).status_code == 302
    assert "<img" not in client.get(f"/issues/{slug}/discussion/{topic_id}").get_data(as_text=True)
    auth.login("facilitator")
    queue = client.get(f"/console/issues/{slug}/moderation").get_data(as_text=True)
    assert "<img" not in queue
