"""Issue 11, point 7: my data, deleting my account, expired follows, per-issue pseudonyms."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import (
    ActivityLog,
    DiscussionTopic,
    IssueFollower,
    OutboxEmail,
    Participant,
    Statement,
    User,
    Vote,
    utcnow,
)
from app.services import privacy
from tests.app.conftest import AuthActions
from tests.support.issues import count, make_issue, make_statement

EN = {"Accept-Language": "en"}


def _take_part(app, auth: AuthActions, issue_id: int, statement_id: int) -> None:
    assert (
        auth.post(f"/api/v1/issues/{issue_id}/votes", json={"statement_id": statement_id, "vote": "agree"}).status_code
        == 201
    )
    assert (
        auth.post(f"/api/v1/issues/{issue_id}/votes", json={"statement_id": statement_id, "vote": "pass"}).status_code
        == 200
    )
    assert auth.post(f"/api/v1/issues/{issue_id}/statements", json={"text": "Buses all night"}).status_code == 201


def test_my_data_has_everything(app, client, auth):
    issue_id = make_issue(app, slug="buses")
    statement_id = make_statement(app, issue_id, "Night buses")
    with app.app_context():
        db.session.add(DiscussionTopic(issue_id=issue_id, title="Fares", body=""))
        db.session.add(IssueFollower(issue_id=issue_id, email="ada@example.org", locale="en", confirmed_at=utcnow()))
        db.session.commit()
    user = auth.login("citizen", email="ada@example.org", verified=True)
    _take_part(app, auth, issue_id, statement_id)
    assert auth.post("/issues/buses/discussion/1/replies", data={"body": "Cheaper at night"}).status_code == 302

    data = client.get("/api/v1/me/data").get_json()
    assert data["account"]["email"] == "ada@example.org" and data["account"]["id"] == user.id
    assert data["account"]["email_verified_at"]
    assert [(v["statement_id"], v["vote"], v["statement_text"]) for v in data["votes"]] == [
        (statement_id, "pass", "Night buses")
    ]
    assert data["votes"][0]["updated_at"]
    assert [e["vote"] for e in data["vote_history"]] == ["agree", "pass"]
    assert [s["text"] for s in data["statements"]] == ["Buses all night"]
    assert [r["body"] for r in data["replies"]] == ["Cheaper at night"]
    assert [(f["issue_slug"], bool(f["confirmed_at"])) for f in data["follows"]] == [("buses", True)]
    download = client.get("/auth/account/data.json")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert client.get("/auth/account", headers=EN).status_code == 200


def test_my_data_needs_an_account(app, client):
    refused = client.get("/api/v1/me/data")
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "unauthorized"


def test_deleting_my_account_keeps_the_results(app, client, auth):
    issue_id = make_issue(app)
    statement_id = make_statement(app, issue_id, "Night buses")
    with app.app_context():
        db.session.add(IssueFollower(issue_id=issue_id, email="ada@example.org", locale="en"))
        db.session.add(ActivityLog(issue_id=issue_id, kind="note", payload={}))
        db.session.commit()
    user = auth.login("citizen", email="ada@example.org")
    _take_part(app, auth, issue_id, statement_id)
    with app.app_context():
        db.session.add(OutboxEmail(dedupe_key="x", to="ada@example.org", subject="s", text_body="b", headers={}))
        db.session.commit()
    before = client.get(f"/api/v1/issues/{issue_id}").get_json()["counts"]

    no_csrf = client.delete("/api/v1/me")
    assert no_csrf.status_code == 400
    deleted = client.delete("/api/v1/me", headers={"X-CSRFToken": auth.csrf_token})
    assert deleted.status_code == 204 and deleted.get_data() == b""

    with app.app_context():
        assert db.session.get(User, user.id) is None
        assert db.session.scalar(select(IssueFollower.id)) is None
        assert db.session.scalar(select(OutboxEmail.id)) is None
        participant = db.session.scalar(select(Participant))
        assert participant.user_id is None  # the contributions stay, anonymous
        assert db.session.scalar(select(Vote.participant_id)) == participant.id
        assert (
            db.session.scalar(select(Statement.author_id).where(Statement.text == "Buses all night")) == participant.id
        )
    assert client.get(f"/api/v1/issues/{issue_id}").get_json()["counts"] == before
    assert client.get("/api/v1/me/data").status_code == 401  # logged out
    assert client.delete("/api/v1/me", headers={"X-CSRFToken": auth.csrf_token}).status_code == 401


def test_deleting_through_the_page_needs_confirmation(app, client, auth):
    user = auth.login("citizen")
    unconfirmed = auth.post("/auth/account/delete", data={}, headers=EN)
    assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.get_data(as_text=True)
    assert count(app, User) == 1
    assert auth.post("/auth/account/delete", data={"confirm": "y"}).status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id) is None


def test_staff_accounts_are_not_deleted_by_themselves(app, client, auth):
    auth.login("facilitator")
    refused = client.delete("/api/v1/me", headers={"X-CSRFToken": auth.csrf_token, **EN})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "staff_account"
    assert count(app, User) == 1


def test_unconfirmed_follows_are_purged_after_their_link_expires(app):
    issue_id = make_issue(app)
    now = utcnow()
    with app.app_context():
        db.session.add_all(
            [
                IssueFollower(
                    issue_id=issue_id, email="old@example.org", locale="en", created_at=now - timedelta(days=8)
                ),
                IssueFollower(
                    issue_id=issue_id, email="new@example.org", locale="en", created_at=now - timedelta(days=1)
                ),
                IssueFollower(
                    issue_id=issue_id,
                    email="kept@example.org",
                    locale="en",
                    created_at=now - timedelta(days=30),
                    confirmed_at=now - timedelta(days=29),
                ),
            ]
        )
        db.session.commit()
        assert privacy.purge_expired_follows(now) == 1
        db.session.commit()
        assert sorted(db.session.scalars(select(IssueFollower.email))) == ["kept@example.org", "new@example.org"]


def test_replies_show_a_per_issue_pseudonym(app, client, auth):
    first = make_issue(app, slug="one")
    second = make_issue(app, slug="two")
    with app.app_context():
        db.session.add_all(
            [DiscussionTopic(issue_id=first, title="A", body=""), DiscussionTopic(issue_id=second, title="B", body="")]
        )
        db.session.commit()
    assert auth.post("/issues/one/discussion/1/replies", data={"body": "First reply"}).status_code == 302
    assert auth.post("/issues/two/discussion/2/replies", data={"body": "Second reply"}).status_code == 302
    participant_id = client.get("/api/v1/session").get_json()["participant_id"]
    with app.app_context():
        name_one, name_two = privacy.pseudonym(first, participant_id), privacy.pseudonym(second, participant_id)
    page_one = client.get("/issues/one/discussion/1", headers=EN).get_data(as_text=True)
    page_two = client.get("/issues/two/discussion/2", headers=EN).get_data(as_text=True)
    assert f"Participant {name_one}" in page_one and f"Participant {name_two}" in page_two
    assert name_one != name_two
    assert f"Participant {participant_id}<" not in page_one and f"Participant {participant_id} " not in page_one
