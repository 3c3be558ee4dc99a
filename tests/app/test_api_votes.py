"""API v1: voting, changing a vote, the history, and every bad vote the issue lists."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from app import signals
from app.extensions import db
from app.models import ModerationMode, ModerationStatus, Vote, VoteEvent
from tests.support.issues import count, make_issue, make_statement

ZH = {"Accept-Language": "zh-TW"}


def url(issue_id: int) -> str:
    return f"/api/v1/issues/{issue_id}/votes"


@pytest.fixture
def issue_id(app):
    return make_issue(app)


@pytest.fixture
def statement_id(app, issue_id):
    return make_statement(app, issue_id, "Night buses are worth the money")


def test_vote_change_and_repeat(app, api, issue_id, statement_id):
    first = api.post(url(issue_id), json={"statement_id": statement_id, "vote": "agree"})
    assert first.status_code == 201
    body = first.get_json()
    assert body["vote"]["statement_id"] == statement_id
    assert (body["vote"]["vote"], body["vote"]["value"], body["outcome"]) == ("agree", 1, "created")
    assert "counts" not in body  # the page gets them from `vote_counts` and the issue's API
    issue = api.get(f"/api/v1/issues/{issue_id}").get_json()
    assert issue["counts"] == {"participants": 1, "statements": 1, "votes": 1}

    changed = api.post(url(issue_id), json={"statement_id": statement_id, "vote": "disagree"})
    assert changed.status_code == 200
    assert (changed.get_json()["vote"]["value"], changed.get_json()["outcome"]) == (-1, "changed")

    again = api.post(url(issue_id), json={"statement_id": statement_id, "vote": "disagree"})
    assert again.status_code == 200
    assert again.get_json()["outcome"] == "unchanged"

    passed = api.post(url(issue_id), json={"statement_id": statement_id, "vote": "pass"})
    assert passed.get_json()["vote"] == {**passed.get_json()["vote"], "vote": "pass", "value": 0}

    with app.app_context():
        votes = db.session.scalars(select(Vote)).all()
        assert [(v.participant_id, v.statement_id, v.value) for v in votes] == [(api.participant_id, statement_id, 0)]
        events = db.session.scalars(select(VoteEvent).order_by(VoteEvent.id)).all()
        assert [e.value for e in events] == [1, -1, -1, 0]
        assert [e.id for e in events] == [r.get_json()["vote_event_id"] for r in (first, changed, again, passed)]


def test_each_participant_has_their_own_vote(app, make_api, issue_id, statement_id):
    alice, bob = make_api(), make_api()
    assert alice.post(url(issue_id), json={"statement_id": statement_id, "vote": "agree"}).status_code == 201
    response = bob.post(url(issue_id), json={"statement_id": statement_id, "vote": "disagree"})
    assert response.status_code == 201
    issue = bob.get(f"/api/v1/issues/{issue_id}").get_json()
    assert issue["counts"] == {"participants": 2, "statements": 1, "votes": 2}


def test_statement_id_may_come_as_a_numeric_string(app, api, issue_id, statement_id):
    response = api.post(url(issue_id), json={"statement_id": str(statement_id), "vote": "agree"})
    assert response.status_code == 201


def test_vote_cast_signal_is_sent_after_commit(app, api, issue_id, statement_id):
    seen = []

    def receiver(sender, **kwargs):
        with db.engine.connect() as conn:
            stored = conn.execute(select(VoteEvent.id).where(VoteEvent.id == kwargs["vote_event_id"])).first()
        seen.append((kwargs, stored is not None))

    with signals.vote_cast.connected_to(receiver, sender=app):
        first = api.post(url(issue_id), json={"statement_id": statement_id, "vote": "agree"}).get_json()
        second = api.post(url(issue_id), json={"statement_id": statement_id, "vote": "agree"}).get_json()
    common = {
        "issue_id": issue_id,
        "statement_id": statement_id,
        "participant_id": api.participant_id,
        "value": 1,
    }
    assert seen == [
        ({**common, "vote_event_id": first["vote_event_id"], "changed": True}, True),
        ({**common, "vote_event_id": second["vote_event_id"], "changed": False}, True),
    ]


@pytest.mark.parametrize("value", ["yes", "AGREE", 1, None, "", ["agree"]])
def test_invalid_vote_value(app, api, issue_id, statement_id, value):
    response = api.post(url(issue_id), json={"statement_id": statement_id, "vote": value}, headers=ZH)
    assert response.status_code == 400
    assert response.get_json() == {
        "error": {
            "code": "vote_invalid",
            "message": "投票只能是「agree」（同意）、「disagree」（不同意）或「pass」（略過）。",
        }
    }
    assert count(app, Vote) == count(app, VoteEvent) == 0


@pytest.mark.parametrize("bad_id", [None, "abc", 1.5, True, -3])
def test_missing_or_malformed_statement_id(app, api, issue_id, statement_id, bad_id):
    response = api.post(url(issue_id), json={"statement_id": bad_id, "vote": "agree"}, headers=ZH)
    assert response.get_json()["error"]["code"] in {"statement_invalid", "statement_not_found"}
    assert response.status_code in {400, 404}
    assert count(app, Vote) == count(app, VoteEvent) == 0


def test_unknown_statement_and_statement_of_another_issue(app, api, issue_id, statement_id):
    elsewhere = make_statement(app, make_issue(app), "Somewhere else")
    for unknown in (statement_id + 1000, elsewhere):
        response = api.post(url(issue_id), json={"statement_id": unknown, "vote": "agree"}, headers=ZH)
        assert response.status_code == 404
        assert response.get_json() == {
            "error": {"code": "statement_not_found", "message": "在這個議題中找不到這則意見。"}
        }
    assert count(app, Vote) == count(app, VoteEvent) == 0


def test_unknown_issue(app, api, statement_id):
    response = api.post(url(4242), json={"statement_id": statement_id, "vote": "agree"}, headers=ZH)
    assert response.status_code == 404
    assert response.get_json()["error"] == {
        "code": "issue_not_found",
        "message": "找不到這個議題。",
    }
    assert count(app, VoteEvent) == 0


def test_vote_on_rejected_statement(app, api, issue_id):
    rejected = make_statement(app, issue_id, "Off-topic", ModerationStatus.REJECTED)
    response = api.post(url(issue_id), json={"statement_id": rejected, "vote": "agree"}, headers=ZH)
    assert response.status_code == 409
    assert response.get_json() == {
        "error": {"code": "statement_rejected", "message": "這則意見已被管理者移除，無法投票。"}
    }
    assert count(app, Vote) == count(app, VoteEvent) == 0


def test_vote_on_statement_hidden_by_strict_moderation(app, api):
    issue_id = make_issue(app, moderation_mode=ModerationMode.STRICT)
    hidden = make_statement(app, issue_id, "Waiting for a moderator", ModerationStatus.UNMODERATED)
    response = api.post(url(issue_id), json={"statement_id": hidden, "vote": "agree"})
    assert response.status_code == 404
    assert count(app, VoteEvent) == 0


def test_facilitators_may_vote_on_statements_waiting_for_moderation(app, auth, issue_id):
    issue_id = make_issue(app, moderation_mode=ModerationMode.STRICT)
    hidden = make_statement(app, issue_id, "Waiting for a moderator", ModerationStatus.UNMODERATED)
    auth.login("facilitator")
    response = auth.post(url(issue_id), json={"statement_id": hidden, "vote": "agree"})
    assert response.status_code == 201, response.get_json()
    assert count(app, VoteEvent, statement_id=hidden) == 1


@pytest.mark.parametrize("token", [None, "wrong"])
def test_missing_or_wrong_csrf_token(app, api, issue_id, statement_id, token):
    headers = {**ZH, **({"X-CSRFToken": token} if token else {})}
    response = api.client.post(url(issue_id), json={"statement_id": statement_id, "vote": "agree"}, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": "csrf_failed",
        "message": "您的安全驗證碼遺失或錯誤，請重新整理頁面後再試一次。",
    }
    assert count(app, VoteEvent) == 0


def test_malformed_json(app, api, issue_id, statement_id):
    response = api.client.post(
        url(issue_id),
        data="{'statement_id': 1}",
        headers={"Content-Type": "application/json", "X-CSRFToken": api.csrf_token, **ZH},
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": "malformed_json",
        "message": "請求內容不是有效的 JSON 物件。",
    }
    assert count(app, VoteEvent) == 0


@pytest.fixture
def rate_limits_on(app_config):
    """Turn Flask-Limiter on for the app this test asks for next."""
    app_config["RATELIMIT_ENABLED"] = True
    app_config["AGORA_VOTE_RATE_LIMIT"] = "5 per minute"


def test_voting_is_rate_limited(rate_limits_on, app, make_api):
    issue_id = make_issue(app)
    ids = [make_statement(app, issue_id, f"Statement {n}") for n in range(3)]
    voter = make_api()
    statuses = [
        voter.post(url(issue_id), json={"statement_id": ids[n % 3], "vote": "agree"}).status_code for n in range(6)
    ]
    assert statuses == [201, 201, 201, 200, 200, 429]
    assert count(app, VoteEvent) == 5
    # Another participant has their own allowance.
    assert make_api().post(url(issue_id), json={"statement_id": ids[0], "vote": "pass"}).status_code == 201


def test_a_first_vote_that_loses_a_race_becomes_a_change(app, api, issue_id, statement_id):
    """Two first votes of one participant at once: the unique constraint stops the second insert."""
    inserts = []

    def concurrent_vote_first(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO vote ") and not inserts:
            # Between this request's look-up and its insert, another request of the same
            # participant commits its first vote on the statement.
            inserts.append(statement)
            with conn.engine.connect() as other:
                other.execute(
                    Vote.__table__.insert().values(
                        issue_id=issue_id, participant_id=api.participant_id, statement_id=statement_id, value=-1
                    )
                )
                other.commit()

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", concurrent_vote_first)
    try:
        response = api.post(url(issue_id), json={"statement_id": statement_id, "vote": "agree"})
    finally:
        event.remove(engine, "before_cursor_execute", concurrent_vote_first)

    assert inserts, "the vote was never inserted"
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["outcome"] == "changed"  # the retry changed the other request's vote
    with app.app_context():
        assert db.session.scalars(select(Vote.value)).all() == [1]
        assert db.session.scalars(select(VoteEvent.value)).all() == [1]  # the failed try left none
