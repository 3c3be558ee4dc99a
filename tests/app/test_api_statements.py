"""API v1: reading and posting statements, including every bad input the issue lists."""

from __future__ import annotations

import pytest

from app import signals
from app.extensions import db
from app.models import ModerationMode, ModerationStatus, Role, Statement
from tests.support.issues import count, make_issue, make_statement

ZH = {"Accept-Language": "zh-TW"}


def url(issue_id: int) -> str:
    return f"/api/v1/issues/{issue_id}/statements"


def test_post_statement_stores_it_as_typed(app, api):
    issue_id = make_issue(app)
    text = "  I think <em>buses</em> & trains\nshould run all night.  "
    response = api.post(url(issue_id), json={"text": text})
    assert response.status_code == 201
    body = response.get_json()
    assert body["text"] == text
    assert body["moderation_status"] == "unmoderated"
    assert body["visible"] is True  # lazy moderation: shown until rejected
    with app.app_context():
        stored = db.session.get(Statement, body["id"])
        assert stored.text == text
        assert stored.author_id == api.participant_id
        assert stored.normalized_text == "i think <em>buses</em> & trains should run all night."
    listed = api.get(url(issue_id)).get_json()
    assert [s["id"] for s in listed] == [body["id"]]


def test_strict_moderation_hides_new_statements_until_accepted(app, api):
    issue_id = make_issue(app, moderation_mode=ModerationMode.STRICT)
    body = api.post(url(issue_id), json={"text": "Hidden for now"}).get_json()
    assert body["visible"] is False
    assert api.get(url(issue_id)).get_json() == []
    assert api.get(f"/api/v1/issues/{issue_id}/next-statement").status_code == 204


def test_statement_added_signal_is_sent_after_commit(app, api):
    issue_id = make_issue(app, moderation_mode=ModerationMode.STRICT)
    seen = []

    def receiver(sender, **kwargs):
        # A fresh connection sees the row only if the transaction has committed.
        with db.engine.connect() as conn:
            stored = conn.execute(db.select(Statement.id).where(Statement.id == kwargs["statement_id"])).first()
        seen.append((kwargs, stored is not None))

    with signals.statement_added.connected_to(receiver, sender=app):
        body = api.post(url(issue_id), json={"text": "Signal me"}).get_json()
    assert seen == [({"issue_id": issue_id, "statement_id": body["id"], "visible": False}, True)]


def test_facilitator_statements_are_accepted_seeds(app, client, auth):
    issue_id = make_issue(app, moderation_mode=ModerationMode.STRICT)
    auth.login(role=Role.FACILITATOR)
    response = auth.post(url(issue_id), json={"text": "A seed statement"})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["moderation_status"], body["is_seed"], body["visible"]) == ("accepted", True, True)


def test_citizens_see_visible_statements_and_facilitators_see_all(app, client, auth):
    lazy = make_issue(app, moderation_mode=ModerationMode.LAZY)
    strict = make_issue(app, moderation_mode=ModerationMode.STRICT)
    ids = {}
    for issue_id in (lazy, strict):
        for status in ModerationStatus:
            ids[issue_id, status] = make_statement(app, issue_id, f"{status} in {issue_id}", status)

    def listed(issue_id):
        return {s["id"] for s in client.get(url(issue_id)).get_json()}

    assert listed(lazy) == {
        ids[lazy, ModerationStatus.ACCEPTED],
        ids[lazy, ModerationStatus.UNMODERATED],
    }
    assert listed(strict) == {ids[strict, ModerationStatus.ACCEPTED]}
    auth.login(role=Role.FACILITATOR)
    assert listed(strict) == {ids[strict, status] for status in ModerationStatus}
    auth.logout()
    auth.login(role=Role.CITIZEN)
    assert listed(strict) == {ids[strict, ModerationStatus.ACCEPTED]}


@pytest.mark.parametrize(
    ("payload", "status", "code", "message"),
    [
        ({"text": ""}, 400, "statement_empty", "請先寫下意見再送出。"),
        ({"text": "   \n\t\u3000 "}, 400, "statement_empty", "請先寫下意見再送出。"),
        ({}, 400, "statement_invalid", "意見必須是文字。"),
        ({"text": 42}, 400, "statement_invalid", "意見必須是文字。"),
        ({"text": "x" * 41}, 400, "statement_too_long", "意見最多只能有 40 個字。"),
        (
            {"text": "Ｔａｘｉ drivers   DESERVE fair rules"},
            409,
            "statement_duplicate",
            "這個議題已經有人發表過相同的意見。",
        ),
        ({"text": "nul \x00 byte"}, 400, "statement_invalid", "意見中含有不允許的字元。"),
    ],
)
def test_bad_statements_are_refused_and_nothing_is_stored(app, api, payload, status, code, message):
    issue_id = make_issue(app, statement_max_length=40)
    make_statement(app, issue_id, "Taxi drivers deserve fair rules")
    response = api.post(url(issue_id), json=payload, headers=ZH)
    assert response.status_code == status
    assert response.get_json() == {"error": {"code": code, "message": message}}
    assert count(app, Statement) == 1


def test_statement_at_the_limit_is_accepted_and_english_errors_in_english(app, api):
    issue_id = make_issue(app, statement_max_length=40)
    assert api.post(url(issue_id), json={"text": "說" * 40}).status_code == 201
    response = api.post(url(issue_id), json={"text": "y" * 41}, headers={"Accept-Language": "en"})
    assert response.get_json()["error"]["message"] == "A statement can be at most 40 characters long."


def test_rejected_statement_text_counts_as_duplicate(app, api):
    issue_id = make_issue(app)
    make_statement(app, issue_id, "Spam spam", ModerationStatus.REJECTED)
    response = api.post(url(issue_id), json={"text": "spam SPAM"})
    assert response.status_code == 409


def test_unknown_issue(app, api):
    response = api.post(url(999), json={"text": "Anyone there?"}, headers=ZH)
    assert response.status_code == 404
    assert response.get_json() == {"error": {"code": "issue_not_found", "message": "找不到這個議題。"}}
    assert api.get(url(999)).status_code == 404
    assert count(app, Statement) == 0


@pytest.mark.parametrize(
    ("headers", "data"),
    [
        ({"Content-Type": "application/json"}, '{"text": "unterminated'),
        ({"Content-Type": "application/json"}, '["a list", "not an object"]'),
    ],
)
def test_malformed_json(app, api, headers, data):
    issue_id = make_issue(app)
    response = api.client.post(url(issue_id), data=data, headers={**headers, **ZH, "X-CSRFToken": api.csrf_token})
    assert response.status_code == 400
    assert response.get_json() == {"error": {"code": "malformed_json", "message": "請求內容不是有效的 JSON 物件。"}}
    assert count(app, Statement) == 0


def test_form_encoded_body_is_refused(app, api):
    issue_id = make_issue(app)
    response = api.client.post(url(issue_id), data={"text": "form"}, headers={"X-CSRFToken": api.csrf_token})
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"
    assert count(app, Statement) == 0


@pytest.mark.parametrize("token", [None, "not-the-token"])
def test_missing_or_wrong_csrf_token(app, api, token):
    issue_id = make_issue(app)
    headers = {**ZH, **({"X-CSRFToken": token} if token else {})}
    response = api.client.post(url(issue_id), json={"text": "No token"}, headers=headers)
    assert response.status_code == 400
    assert response.get_json() == {
        "error": {
            "code": "csrf_failed",
            "message": "您的安全驗證碼遺失或錯誤，請重新整理頁面後再試一次。",
        }
    }
    assert count(app, Statement) == 0


@pytest.fixture
def rate_limits_on(app_config):
    """Turn Flask-Limiter on for the app this test asks for next."""
    app_config["RATELIMIT_ENABLED"] = True


def test_statement_posting_is_rate_limited_per_participant(rate_limits_on, app, make_api):
    issue_id = make_issue(app)
    first, second = make_api(), make_api()
    statuses = [first.post(url(issue_id), json={"text": f"Statement {n}"}).status_code for n in range(11)]
    assert statuses == [201] * 10 + [429]
    response = first.post(url(issue_id), json={"text": "more"}, headers=ZH)
    assert response.get_json()["error"] == {
        "code": "rate_limited",
        "message": "請求太頻繁，請稍候再試。",
    }
    # Another participant has their own allowance.
    assert second.post(url(issue_id), json={"text": "Someone else"}).status_code == 201
    assert count(app, Statement) == 11
