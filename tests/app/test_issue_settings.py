"""Issue 11, point 3: facilitator settings over the JSON API and the console; drafts."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import ActivityLog, Issue, IssueStatus, Participation
from tests.app.conftest import AuthActions
from tests.support.issues import make_issue, make_statement

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-TW"}


def patch(auth: AuthActions, issue_id: int, body, headers=None, token: str | None = None):
    return auth.client.patch(
        f"/api/v1/issues/{issue_id}",
        json=body,
        headers={"X-CSRFToken": token if token is not None else auth.csrf_token, **(headers or {})},
    )


def _kinds(app, issue_id):
    with app.app_context():
        return list(
            db.session.scalars(db.select(ActivityLog.kind).filter_by(issue_id=issue_id).order_by(ActivityLog.id))
        )


def test_get_shows_the_settings(app, client):
    issue_id = make_issue(app)
    body = client.get(f"/api/v1/issues/{issue_id}").get_json()
    assert {k: body[k] for k in ("participation", "status", "map_visible", "statements_open", "moderation_mode")} == {
        "participation": "open",
        "status": "published",
        "map_visible": True,
        "statements_open": True,
        "moderation_mode": "lazy",
    }


def test_facilitator_changes_every_setting(app, auth):
    issue_id = make_issue(app)
    auth.login("facilitator")
    changed = patch(
        auth,
        issue_id,
        {
            "participation": "verified",
            "status": "draft",
            "map_visible": False,
            "statements_open": False,
            "moderation_mode": "strict",
        },
    )
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert (body["participation"], body["status"], body["map_visible"], body["statements_open"]) == (
        "verified",
        "draft",
        False,
        False,
    )
    assert body["moderation_mode"] == "strict"
    assert auth.client.get(f"/api/v1/issues/{issue_id}").get_json()["participation"] == "verified"
    assert _kinds(app, issue_id) == ["issue_unpublished", "issue_settings_changed"]
    assert patch(auth, issue_id, {"status": "published"}).status_code == 200
    assert _kinds(app, issue_id)[-1] == "issue_published"


@pytest.mark.parametrize(
    "body, code",
    [
        ({"participation": "everyone"}, "setting_invalid"),
        ({"status": "archived"}, "setting_invalid"),
        ({"map_visible": "yes"}, "setting_invalid"),
        ({"statements_open": 1}, "setting_invalid"),
        ({"moderation_mode": "medium"}, "setting_invalid"),
        ({"title": "New"}, "setting_unknown"),
        ({}, "settings_empty"),
        ({"status": "published", "participation": "xyz"}, "setting_invalid"),  # nothing half-applied
    ],
)
def test_bad_settings_are_refused_and_change_nothing(app, auth, body, code):
    issue_id = make_issue(app, status=IssueStatus.DRAFT)
    auth.login("admin")
    refused = patch(auth, issue_id, body, headers=ZH)
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == code
    with app.app_context():
        issue = db.session.get(Issue, issue_id)
        assert (issue.status, issue.participation) == (IssueStatus.DRAFT, Participation.OPEN)
    assert _kinds(app, issue_id) == []


def test_only_facilitators_and_admins_with_csrf(app, client, auth):
    issue_id = make_issue(app)
    anonymous = client.patch(f"/api/v1/issues/{issue_id}", json={"status": "draft"})
    assert anonymous.status_code in (400, 401)  # no CSRF token, no login
    token = client.get("/api/v1/session").get_json()["csrf_token"]
    assert (
        client.patch(f"/api/v1/issues/{issue_id}", json={"status": "draft"}, headers={"X-CSRFToken": token}).status_code
        == 401
    )
    for role in ("citizen", "ministry"):
        other = AuthActions(app, app.test_client())
        other.login(role)
        assert patch(other, issue_id, {"status": "draft"}).status_code == 403
    facilitator = AuthActions(app, app.test_client())
    facilitator.login("facilitator")
    missing_csrf = facilitator.client.patch(f"/api/v1/issues/{issue_id}", json={"status": "draft"})
    assert missing_csrf.status_code == 400 and missing_csrf.get_json()["error"]["code"] == "csrf_failed"
    with app.app_context():
        assert db.session.get(Issue, issue_id).status is IssueStatus.PUBLISHED


READERS = ["anonymous", "citizen", "ministry", "facilitator", "admin"]


@pytest.mark.parametrize("reader", READERS)
def test_a_draft_is_invisible_to_all_but_staff(app, reader):
    issue_id = make_issue(app, slug="secret", title="Secret plan", status=IssueStatus.DRAFT)
    statement_id = make_statement(app, issue_id, "Night buses")
    make_issue(app, slug="public", title="Public plan")
    client = app.test_client()
    auth = AuthActions(app, client)
    if reader != "anonymous":
        auth.login(reader)
    staff = reader in ("facilitator", "admin")
    expected = 200 if staff else 404
    for path in [
        f"/api/v1/issues/{issue_id}",
        f"/api/v1/issues/{issue_id}/statements",
        f"/api/v1/issues/{issue_id}/opinion-map",
        "/issues/secret",
        "/issues/secret/activity",
        "/issues/secret/feed.atom",
    ]:
        assert client.get(path).status_code == expected, path
    listed = [i["slug"] for i in client.get("/api/v1/issues").get_json()]
    assert ("secret" in listed) is staff and "public" in listed
    assert ("Secret plan" in client.get("/").get_data(as_text=True)) is staff
    voted = auth.post(f"/api/v1/issues/{issue_id}/votes", json={"statement_id": statement_id, "vote": "agree"})
    assert voted.status_code == (201 if staff else 404)


def test_a_draft_has_no_socket_room_for_the_public(app):
    from app.extensions import socketio

    issue_id = make_issue(app, status=IssueStatus.DRAFT)
    citizen = socketio.test_client(app, flask_test_client=app.test_client())
    refused = citizen.emit("join_issue", {"issue_id": issue_id}, callback=True)
    assert refused["error"]["code"] == "issue_not_found"
    staff_client = app.test_client()
    AuthActions(app, staff_client).login("facilitator")
    staff = socketio.test_client(app, flask_test_client=staff_client)
    assert staff.emit("join_issue", {"issue_id": issue_id}, callback=True)["ok"] is True


def test_a_hidden_map_and_closed_statement_writing(app, api, auth):
    issue_id = make_issue(app, map_visible=False, statements_open=False, slug="quiet")
    statement_id = make_statement(app, issue_id, "Night buses")
    hidden = api.get(f"/api/v1/issues/{issue_id}/opinion-map", headers=EN)
    assert hidden.status_code == 403 and hidden.get_json()["error"]["code"] == "map_hidden"
    closed = api.post(f"/api/v1/issues/{issue_id}/statements", json={"text": "An idea"}, headers=EN)
    assert closed.status_code == 403 and closed.get_json()["error"]["code"] == "statements_closed"
    # Voting is independent of statement writing.
    assert (
        api.post(f"/api/v1/issues/{issue_id}/votes", json={"statement_id": statement_id, "vote": "agree"}).status_code
        == 201
    )
    page = api.get("/issues/quiet", headers=EN).get_data(as_text=True)
    assert 'id="opinion-map"' not in page and "New statements are not being accepted" in page
    auth.login("facilitator")
    assert auth.client.get(f"/api/v1/issues/{issue_id}/opinion-map").status_code == 200


def test_console_creates_drafts_and_saves_settings(app, client, auth):
    auth.login("facilitator")
    created = auth.post(
        "/console/issues/new",
        data={
            "title": "Uber",
            "slug": "uber",
            "statement_max_length": "140",
            "moderation_mode": "lazy",
            "inform_response_days": "7",
            "final_response_days": "60",
        },
    )
    assert created.status_code == 302
    assert app.test_client().get("/issues/uber").status_code == 404
    page = client.get("/console/issues/uber/participation")
    assert page.status_code == 200 and 'name="participation"' in page.get_data(as_text=True)
    saved = auth.post(
        "/console/issues/uber/settings",
        data={"status": "published", "participation": "invite", "moderation_mode": "strict", "map_visible": "y"},
    )
    assert saved.status_code == 302
    with app.app_context():
        issue = db.session.scalar(db.select(Issue))
        assert (issue.status, issue.participation, issue.map_visible, issue.statements_open) == (
            IssueStatus.PUBLISHED,
            Participation.INVITE,
            True,
            False,
        )
    assert app.test_client().get("/issues/uber").status_code == 200
    assert "issue_published" in _kinds(app, issue.id)
    activity = app.test_client().get("/issues/uber/activity", headers=EN).get_data(as_text=True)
    assert "The issue was published." in activity
    bad = auth.post("/console/issues/uber/settings", data={"status": "gone"})
    assert bad.status_code == 400
