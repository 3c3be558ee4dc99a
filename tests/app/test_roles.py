"""Every console action is refused to citizens, ministry users (403) and anonymous visitors (login),
changing nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import DecisionProposal, DiscussionPost, DiscussionTopic, Issue, OridRecord, ResearchDocument, Statement


@pytest.fixture
def world(app):
    """An issue with one statement, document, topic, reply, meeting and decision to act on."""
    from datetime import UTC, datetime

    from app.models import ResearchRevision

    with app.app_context():
        issue = Issue(slug="uber", title="Uber", steward_agency="交通部")
        db.session.add(issue)
        db.session.flush()
        statement = Statement(issue_id=issue.id, text="Keep taxis", normalized_text="keep taxis")
        document = ResearchDocument(issue_id=issue.id, revisions=[ResearchRevision(number=1, title="T", body="B")])
        topic = DiscussionTopic(issue_id=issue.id, title="Topic")
        db.session.add_all([statement, document, topic])
        db.session.flush()
        post = DiscussionPost(topic_id=topic.id, body="Hello")
        record = OridRecord(issue_id=issue.id, title="Meeting", held_at=datetime(2026, 1, 1, tzinfo=UTC))
        proposal = DecisionProposal(issue_id=issue.id, title="P", outcome="adopted", reasons="R")
        db.session.add_all([post, record, proposal])
        db.session.commit()
        return {"s": statement.id, "d": document.id, "p": post.id, "r": record.id, "dp": proposal.id}


def _snapshot(app) -> dict[str, list]:
    """Every row of every table, to prove a refused request changed nothing."""
    with app.app_context():
        return {
            table.name: sorted(map(tuple, db.session.execute(sa.select(table)).all()), key=repr)
            for table in db.metadata.sorted_tables
        }


# (method, url, form data); {s}, {d} ... come from the world fixture.
CONSOLE_ACTIONS = [
    ("GET", "/console/", {}),
    ("GET", "/console/issues/new", {}),
    (
        "POST",
        "/console/issues/new",
        {"title": "New", "slug": "new", "statement_max_length": "280", "moderation_mode": "lazy"},
    ),
    ("GET", "/console/issues/uber", {}),
    (
        "POST",
        "/console/issues/uber",
        {"title": "Hacked", "slug": "uber", "statement_max_length": "280", "moderation_mode": "lazy"},
    ),
    ("POST", "/console/issues/uber/stages/advance", {}),
    ("POST", "/console/issues/uber/stages/open", {"stage": "inform"}),
    ("GET", "/console/issues/uber/map", {}),
    ("GET", "/console/issues/uber/moderation", {}),
    ("POST", "/console/issues/uber/statements/{s}/moderate", {"action": "reject"}),
    ("POST", "/console/issues/uber/seeds", {"text": "A seed"}),
    ("POST", "/console/issues/uber/posts/{p}/moderate", {"action": "reject"}),
    ("POST", "/console/issues/uber/research/new", {"title": "X", "body": "Y"}),
    ("POST", "/console/issues/uber/research/{d}", {"title": "X", "body": "Y"}),
    ("POST", "/console/issues/uber/topics", {"title": "X"}),
    ("POST", "/console/issues/uber/meetings/new", {"title": "X", "held_at": "2026-01-01T10:00"}),
    ("POST", "/console/issues/uber/meetings/{r}", {"title": "X", "held_at": "2026-01-01T10:00"}),
    ("POST", "/console/issues/uber/decisions/new", {"title": "X", "outcome": "adopted", "reasons": "Y"}),
    ("POST", "/console/issues/uber/decisions/{dp}", {"title": "X", "outcome": "adopted", "reasons": "Y"}),
]


@pytest.mark.parametrize("role", ["citizen", "ministry", "anonymous"])
@pytest.mark.parametrize(("method", "url", "data"), CONSOLE_ACTIONS, ids=[f"{m} {u}" for m, u, _ in CONSOLE_ACTIONS])
def test_console_is_for_facilitators_only(app, client, auth, world, role, method, url, data):
    if role != "anonymous":
        auth.login(role)
    url = url.format(**world)
    before = _snapshot(app)
    if method == "GET":
        response = client.get(url)
    else:
        response = auth.post(url, data=data)
    if role == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")
    else:
        assert response.status_code == 403
    assert _snapshot(app) == before


def test_anonymous_json_clients_get_401(client, world):
    response = client.get("/console/issues/uber", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("role", ["facilitator", "admin"])
def test_facilitators_and_admins_may(client, auth, world, role):
    auth.login(role)
    assert client.get("/console/issues/uber").status_code == 200
    response = auth.post("/console/issues/uber/stages/advance")
    assert response.status_code == 302


def test_can_publish_response_rules(app, auth):
    from app.services.permissions import can_publish_response

    users = {
        "right": auth.create_user("ministry", agency="交通部"),
        "other": auth.create_user("ministry", agency="內政部"),
        "admin": auth.create_user("admin"),
        "facilitator": auth.create_user("facilitator"),
        "citizen": auth.create_user("citizen"),
    }
    with app.app_context():
        from app.models import User

        issue = Issue(slug="x", title="X", steward_agency="交通部")
        answers = {name: can_publish_response(db.session.get(User, u.id), issue) for name, u in users.items()}
    assert answers == {"right": True, "other": False, "admin": True, "facilitator": False, "citizen": False}
