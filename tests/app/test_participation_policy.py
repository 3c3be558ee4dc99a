"""Issue 11, point 2: each issue's participation rule, for each kind of caller, and invite codes."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import DiscussionTopic, InviteCode, Participant, Participation, Statement, Vote
from tests.app.conftest import AuthActions
from tests.support.issues import count, make_issue, make_statement

ZH = {"Accept-Language": "zh-TW"}
EN = {"Accept-Language": "en"}


class Caller:
    """One kind of caller with its own cookie jar: anonymous, registered, verified, invited, staff."""

    def __init__(self, app, kind: str, issue_id: int, code: str | None = None) -> None:
        self.client = app.test_client()
        self.auth = AuthActions(app, self.client)
        if kind == "registered":
            self.auth.login("citizen")
        elif kind == "verified":
            self.auth.login("citizen", verified=True)
        elif kind == "staff":
            self.auth.login("facilitator")
        self.token = self.client.get("/api/v1/session").get_json()["csrf_token"]
        if kind == "invited":
            redeemed = self.post(f"/api/v1/issues/{issue_id}/invites/redeem", {"code": code})
            assert redeemed.status_code == 200, redeemed.get_json()

    def post(self, url, body, headers=None):
        return self.client.post(url, json=body, headers={"X-CSRFToken": self.token, **(headers or {})})


ALLOWED = {
    "open": {"anonymous", "registered", "verified", "invited", "staff"},
    "registered": {"registered", "verified", "staff"},
    "verified": {"verified", "staff"},
    "invite": {"invited", "staff"},
}
HINTS = {"registered": "Log in", "verified": "verif", "invite": "invite link"}


def _invite(app, issue_id: int) -> str:
    with app.app_context():
        invite = InviteCode(issue_id=issue_id, code=f"code-{issue_id}-{count(app, InviteCode)}")
        db.session.add(invite)
        db.session.commit()
        return invite.code


@pytest.mark.parametrize("rule", ["open", "registered", "verified", "invite"])
@pytest.mark.parametrize("kind", ["anonymous", "registered", "verified", "invited", "staff"])
def test_each_rule_for_each_caller(app, rule, kind):
    issue_id = make_issue(app, participation=Participation(rule))
    statement_id = make_statement(app, issue_id, "Night buses")
    caller = Caller(app, kind, issue_id, code=_invite(app, issue_id) if kind == "invited" else None)
    before = (count(app, Participant), count(app, Vote), count(app, Statement))

    voted = caller.post(f"/api/v1/issues/{issue_id}/votes", {"statement_id": statement_id, "vote": "agree"}, EN)
    posted = caller.post(f"/api/v1/issues/{issue_id}/statements", {"text": f"{kind} idea"}, EN)

    if kind in ALLOWED[rule]:
        assert (voted.status_code, posted.status_code) == (201, 201)
    else:
        for refused in (voted, posted):
            assert refused.status_code == 403
            error = refused.get_json()["error"]
            assert error["code"] == "participation_required"
            assert HINTS[rule].lower() in error["message"].lower()
        assert (count(app, Participant), count(app, Vote), count(app, Statement)) == before  # nothing stored
    # Reading stays public whatever the rule.
    reader = app.test_client()
    assert reader.get(f"/api/v1/issues/{issue_id}").status_code == 200
    assert reader.get(f"/api/v1/issues/{issue_id}/statements").status_code == 200


def test_refusal_is_translated_and_replies_are_refused_too(app, client, auth):
    issue_id = make_issue(app, participation=Participation.REGISTERED, slug="reg")
    with app.app_context():
        db.session.add(DiscussionTopic(issue_id=issue_id, title="Fares", body=""))
        db.session.commit()
    token = client.get("/api/v1/session").get_json()["csrf_token"]
    statement_id = make_statement(app, issue_id, "Night buses")
    refused = client.post(
        f"/api/v1/issues/{issue_id}/votes",
        json={"statement_id": statement_id, "vote": "agree"},
        headers={"X-CSRFToken": token, **ZH},
    )
    assert refused.status_code == 403 and "登入" in refused.get_json()["error"]["message"]
    reply = auth.post("/issues/reg/discussion/1/replies", data={"body": "Hello"}, headers=EN)
    assert reply.status_code == 403 and "Log in" in reply.get_data(as_text=True)
    assert count(app, Participant) == 0


def test_the_page_shows_the_rule_instead_of_the_vote_buttons(app, client, auth):
    issue_id = make_issue(app, participation=Participation.VERIFIED, slug="verified-only")
    make_statement(app, issue_id, "Night buses")
    page = client.get("/issues/verified-only", headers=EN).get_data(as_text=True)
    assert "data-participation-required" in page and 'class="vote-buttons"' not in page
    assert "verified email address" in page and "/auth/login?next=" in page
    auth.login("citizen")
    page = client.get("/issues/verified-only", headers=ZH).get_data(as_text=True)
    assert "data-participation-required" in page and "/auth/verify" in page
    auth.logout()
    auth.login("citizen", verified=True)
    page = client.get("/issues/verified-only", headers=EN).get_data(as_text=True)
    assert "data-participation-required" not in page and 'class="vote-buttons"' in page


def test_the_no_javascript_vote_form_is_refused_with_a_page(app, client, auth):
    issue_id = make_issue(app, participation=Participation.INVITE, slug="inv")
    statement_id = make_statement(app, issue_id, "Night buses")
    refused = auth.post("/issues/inv/votes", data={"statement_id": statement_id, "vote": "agree"}, headers=EN)
    assert refused.status_code == 403 and "invite link" in refused.get_data(as_text=True)
    assert count(app, Vote) == 0


def test_invite_codes_are_single_use_and_exported_as_csv(app, client, auth):
    issue_id = make_issue(app, participation=Participation.INVITE, slug="inv")
    statement_id = make_statement(app, issue_id, "Night buses")
    facilitator = app.test_client()
    staff = AuthActions(app, facilitator)
    staff.login("facilitator")
    assert staff.post("/console/issues/inv/invites", data={"count": "3"}).status_code == 302
    assert staff.post("/console/issues/inv/invites", data={"count": "0"}).status_code == 400
    exported = facilitator.get("/console/issues/inv/invites.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert len(rows) == 3 and all(row["link"].endswith(f"/issues/inv/invite/{row['code']}") for row in rows)
    assert all(row["redeemed_at"] == "" for row in rows)
    code = rows[0]["code"]

    # The invite page reads; accepting it writes.
    assert client.get(f"/issues/inv/invite/{code}").status_code == 200
    assert count(app, Participant) == 0
    accepted = auth.post(f"/issues/inv/invite/{code}")
    assert accepted.status_code == 302
    voted = auth.post(f"/api/v1/issues/{issue_id}/votes", json={"statement_id": statement_id, "vote": "agree"})
    assert voted.status_code == 201
    # Again by the same person: fine. By someone else: refused, nothing stored.
    assert auth.post(f"/issues/inv/invite/{code}").status_code == 302
    other = Caller(app, "anonymous", issue_id)
    reused = other.post(f"/api/v1/issues/{issue_id}/invites/redeem", {"code": code}, ZH)
    assert reused.status_code == 409 and reused.get_json()["error"]["code"] == "invite_used"
    wrong = other.post(f"/api/v1/issues/{issue_id}/invites/redeem", {"code": "nope"}, EN)
    assert wrong.status_code == 404
    assert count(app, Participant) == 1
    with app.app_context():
        used = db.session.scalar(select(InviteCode).where(InviteCode.code == code))
        assert used.participant_id is not None and used.redeemed_at is not None
    rows = list(csv.DictReader(io.StringIO(facilitator.get("/console/issues/inv/invites.csv").get_data(as_text=True))))
    assert sum(1 for row in rows if row["redeemed_at"]) == 1


def test_an_invite_of_another_issue_does_not_open_this_one(app):
    first = make_issue(app, participation=Participation.INVITE)
    second = make_issue(app, participation=Participation.INVITE)
    statement_id = make_statement(app, second, "Night buses")
    caller = Caller(app, "invited", first, code=_invite(app, first))
    refused = caller.post(f"/api/v1/issues/{second}/votes", {"statement_id": statement_id, "vote": "agree"})
    assert refused.status_code == 403
    assert caller.post(f"/api/v1/issues/{second}/invites/redeem", {"code": _invite(app, first)}).status_code == 404
