"""API v1: the session, issues with their counts, and the next statement to vote on."""

from __future__ import annotations

import time

import time_machine

from app.models import ModerationMode, ModerationStatus, Participant, Stage
from tests.support.issues import count, make_issue, make_participant, make_statement, make_vote


def test_session_creates_one_participant_per_cookie(app, client):
    # The token is signed with the current second: both answers come from one (frozen) second.
    with time_machine.travel(time.time(), tick=False):
        first = client.get("/api/v1/session").get_json()
        second = client.get("/api/v1/session").get_json()
    assert first["participant_id"] == second["participant_id"]
    assert first["csrf_token"] and first["csrf_token"] == second["csrf_token"]
    other = app.test_client().get("/api/v1/session").get_json()
    assert other["participant_id"] != first["participant_id"]
    assert count(app, Participant) == 2


def test_issue_list_with_counts(app, client):
    lazy = make_issue(
        app,
        slug="lazy",
        title="Lazy",
        moderation_mode=ModerationMode.LAZY,
        current_stage=Stage.VOTING,
    )
    strict = make_issue(app, slug="strict", title="Strict", moderation_mode=ModerationMode.STRICT)
    make_issue(app, slug="empty", title="Empty")
    author, voter, both = make_participant(app), make_participant(app), make_participant(app)
    statements = {
        (issue, status): make_statement(app, issue, f"{status} {issue}", status, author_id=author)
        for issue in (lazy, strict)
        for status in ModerationStatus
    }
    make_vote(app, lazy, voter, statements[lazy, ModerationStatus.ACCEPTED], 1)
    make_vote(app, lazy, voter, statements[lazy, ModerationStatus.UNMODERATED], -1)
    make_vote(app, lazy, both, statements[lazy, ModerationStatus.ACCEPTED], 0)
    make_vote(app, strict, both, statements[strict, ModerationStatus.ACCEPTED], 1)

    listed = {issue["slug"]: issue for issue in client.get("/api/v1/issues").get_json()}
    assert listed["lazy"] == {
        "id": lazy,
        "slug": "lazy",
        "title": "Lazy",
        "stage": "voting",
        "stage_label": listed["lazy"]["stage_label"],
        # author + voter + both; accepted + unmoderated shown in lazy mode; three current votes
        "counts": {"participants": 3, "statements": 2, "votes": 3},
    }
    assert listed["strict"]["counts"] == {"participants": 2, "statements": 1, "votes": 1}
    assert listed["empty"]["counts"] == {"participants": 0, "statements": 0, "votes": 0}
    assert listed["empty"]["stage"] == "agenda_setting"
    assert "description" not in listed["empty"]


def test_stage_label_follows_the_language(app, client):
    make_issue(app, current_stage=Stage.VOTING)
    assert client.get("/api/v1/issues", headers={"Accept-Language": "en"}).get_json()[0]["stage_label"] == "Voting"
    assert client.get("/api/v1/issues", headers={"Accept-Language": "zh-TW"}).get_json()[0]["stage_label"] == "投票"


def test_issue_detail(app, client):
    issue_id = make_issue(app, title="Detail", description="**Bold** <script>alert(1)</script>")
    body = client.get(f"/api/v1/issues/{issue_id}").get_json()
    assert body["description"] == "**Bold** <script>alert(1)</script>"
    assert "<strong>Bold</strong>" in body["description_html"]
    assert "<script" not in body["description_html"]
    assert body["statement_max_length"] == 280
    assert body["counts"] == {"participants": 0, "statements": 0, "votes": 0}


def test_unknown_issue_is_404_in_the_users_language(app, client):
    response = client.get("/api/v1/issues/31337", headers={"Accept-Language": "zh-TW"})
    assert response.status_code == 404
    assert response.get_json() == {"error": {"code": "issue_not_found", "message": "找不到這個議題。"}}
    response = client.get("/api/v1/issues/31337", headers={"Accept-Language": "en"})
    assert response.get_json()["error"]["message"] == "We could not find that issue."
    assert client.get("/api/v1/issues/31337/next-statement").status_code == 404


def test_next_statement_until_none_is_left(app, api):
    issue_id = make_issue(app, moderation_mode=ModerationMode.STRICT)
    votable = {make_statement(app, issue_id, f"Votable {n}") for n in range(3)}
    make_statement(app, issue_id, "Rejected", ModerationStatus.REJECTED)
    make_statement(app, issue_id, "Not moderated yet", ModerationStatus.UNMODERATED)
    shown = []
    while (response := api.get(f"/api/v1/issues/{issue_id}/next-statement")).status_code == 200:
        statement = response.get_json()
        assert statement["id"] not in shown
        shown.append(statement["id"])
        vote = api.post(
            f"/api/v1/issues/{issue_id}/votes",
            json={"statement_id": statement["id"], "vote": "pass"},
        )
        assert vote.status_code == 201
    assert response.status_code == 204 and response.data == b""
    assert set(shown) == votable
