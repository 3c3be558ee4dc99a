"""Facilitator console flows: each one transaction, each in the public activity log."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import signals
from app.extensions import db
from app.models import (
    ActivityLog,
    DecisionOutcome,
    DecisionProposal,
    DiscussionPost,
    Issue,
    MinistryResponse,
    ModerationStatus,
    OridLink,
    OridRecord,
    ResearchRevision,
    Stage,
    Statement,
)

EN = {"Accept-Language": "en"}


@pytest.fixture
def facilitator(auth):
    return auth.login("facilitator")


def _kinds(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(ActivityLog.kind).order_by(ActivityLog.id)))


def _create(auth, **extra):
    data = {
        "title": "Uber",
        "slug": "uber",
        "statement_max_length": "140",
        "moderation_mode": "strict",
        "inform_response_days": "7",
        "final_response_days": "60",
        "steward_agency": "交通部",
        "description": "**Ride sharing**",
    } | extra
    created = auth.post("/console/issues/new", data=data)
    if created.status_code == 302:  # a new issue is a draft: publish it, as a facilitator would
        with auth.app.app_context():
            issue_id = db.session.scalar(db.select(Issue.id).filter_by(slug=data["slug"]))
        published = auth.client.patch(
            f"/api/v1/issues/{issue_id}", json={"status": "published"}, headers={"X-CSRFToken": auth.csrf_token}
        )
        assert published.status_code == 200, published.get_json()
    return created


def test_create_and_edit_issue_with_stage_plan(app, client, auth, facilitator):
    assert _create(auth).status_code == 302
    assert _create(auth).status_code == 400  # the slug is taken
    form = client.get("/console/issues/uber").get_data(as_text=True)
    assert form.count('name="stages-') >= 7 * 4
    data = {
        "title": "Uber 2",
        "slug": "uber",
        "statement_max_length": "200",
        "moderation_mode": "lazy",
        "inform_response_days": "3",
        "final_response_days": "30",
    }
    for i, key in enumerate(s.value for s in Stage):
        data |= {f"stages-{i}-key": key, f"stages-{i}-description": f"About {key}"}
        if key == "voting":
            data |= {f"stages-{i}-starts_at": "2026-03-01T09:00", f"stages-{i}-ends_at": "2026-03-02T18:00"}
        if key in ("agenda_setting", "discussion"):
            data[f"stages-{i}-voting_open"] = "y"
    assert auth.post("/console/issues/uber", data=data).status_code == 302
    with app.app_context():
        issue = db.session.scalar(db.select(Issue))
        assert (issue.title, issue.statement_max_length, issue.moderation_mode.value) == ("Uber 2", 200, "lazy")
        assert (issue.inform_response_days, issue.final_response_days) == (3, 30)
        voting = next(s for s in issue.stages if s.key is Stage.VOTING)
        assert voting.starts_at.isoformat() == "2026-03-01T01:00:00+00:00"  # 09:00 in Taipei
        assert [s.key.value for s in issue.stages if s.voting_open] == ["agenda_setting", "discussion"]
    bad = dict(data, **{"stages-4-ends_at": "2026-02-01T09:00"})
    assert auth.post("/console/issues/uber", data=bad).status_code == 400
    assert _kinds(app)[0] == "issue_created" and "stage_updated" in _kinds(app)


def test_stage_buttons(app, auth, facilitator):
    _create(auth)
    assert auth.post("/console/issues/uber/stages/advance").status_code == 302
    assert auth.post("/console/issues/uber/stages/open", data={"stage": "inform"}).status_code == 302
    assert auth.post("/console/issues/uber/stages/open", data={"stage": "nonsense"}).status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(Issue.current_stage)) is Stage.INFORM
    assert _kinds(app).count("stage_opened") == 2


def test_strict_moderation_queue_and_signal(app, client, auth, api, facilitator):
    _create(auth)
    auth.logout()
    citizen = api.post("/api/v1/issues/1/statements", json={"text": "Taxis need rules"})
    assert citizen.status_code == 201
    statement_id = (
        citizen.get_json()["statement"]["id"] if "statement" in citizen.get_json() else citizen.get_json()["id"]
    )
    auth.login("facilitator")
    queue = client.get("/console/issues/uber/moderation").get_data(as_text=True)
    assert "Taxis need rules" in queue
    seen = []
    signals.statement_moderated.connect(lambda sender, **kw: seen.append(kw), weak=False)
    try:
        assert (
            auth.post(f"/console/issues/uber/statements/{statement_id}/moderate", data={"action": "meta"}).status_code
            == 302
        )
    finally:
        signals.statement_moderated.receivers.clear()
    assert seen == [{"issue_id": 1, "statement_id": statement_id, "status": "accepted", "is_meta": True}]
    assert (
        auth.post(f"/console/issues/uber/statements/{statement_id}/moderate", data={"action": "reject"}).status_code
        == 302
    )
    with app.app_context():
        statement = db.session.get(Statement, statement_id)
        assert (statement.moderation_status, statement.is_meta) == (ModerationStatus.REJECTED, False)
    assert auth.post("/console/issues/uber/seeds", data={"text": "A seed statement"}).status_code == 302
    with app.app_context():
        seed = db.session.scalar(db.select(Statement).filter_by(is_seed=True))
        assert seed.moderation_status is ModerationStatus.ACCEPTED
    assert _kinds(app)[-3:] == ["statement_moderated", "statement_moderated", "statement_seeded"]


def test_map_page_statistics(app, client, auth, api, facilitator):
    _create(auth, moderation_mode="lazy")
    auth.logout()
    sid = api.post("/api/v1/issues/1/statements", json={"text": "One"}).get_json()
    auth.login("facilitator")
    page = client.get("/console/issues/uber/map", headers=EN).get_data(as_text=True)
    assert 'data-stat="participants">1<' in page
    assert 'data-stat="statements-unmoderated">1<' in page and sid


def test_research_revisions_and_diff(app, client, auth, facilitator):
    _create(auth)
    assert (
        auth.post(
            "/console/issues/uber/research/new", data={"title": "Comparison", "body": "Line one\nLine two"}
        ).status_code
        == 302
    )
    assert (
        auth.post(
            "/console/issues/uber/research/1", data={"title": "Comparison", "body": "Line one\nLine two"}
        ).status_code
        == 400
    )
    assert (
        auth.post(
            "/console/issues/uber/research/1",
            data={"title": "Comparison", "body": "Line one\nLine 2", "summary": "Fix"},
        ).status_code
        == 302
    )
    with app.app_context():
        assert [r.body for r in db.session.scalars(db.select(ResearchRevision).order_by(ResearchRevision.number))] == [
            "Line one\nLine two",
            "Line one\nLine 2",
        ]
    first = client.get("/issues/uber/research/1/revisions/1").get_data(as_text=True)
    assert "Line two" in first
    diff = client.get("/issues/uber/research/1/diff/1/2").get_data(as_text=True)
    assert 'class="diff-remove"' in diff and "Line two" in diff and 'class="diff-add"' in diff
    assert _kinds(app)[-2:] == ["research_published", "research_revised"]


def test_discussion_thread_with_strict_moderation(app, client, auth, facilitator):
    _create(auth)
    assert auth.post("/console/issues/uber/topics", data={"title": "Insurance"}).status_code == 302
    auth.logout()
    assert auth.post("/issues/uber/discussion/1/replies", data={"body": "First!"}).status_code == 302
    assert "First!" not in client.get("/issues/uber/discussion/1").get_data(as_text=True)  # strict: held
    assert auth.post("/issues/uber/discussion/1/replies", data={"body": "   "}).status_code == 400
    auth.login("facilitator")
    assert auth.post("/console/issues/uber/posts/1/moderate", data={"action": "accept"}).status_code == 302
    auth.logout()
    assert (
        auth.post("/issues/uber/discussion/1/replies", data={"body": "An answer", "parent_id": "1"}).status_code == 302
    )
    with app.app_context():
        reply = db.session.get(DiscussionPost, 2)
        assert (reply.parent_id, reply.moderation_status) == (1, ModerationStatus.UNMODERATED)
    assert "First!" in client.get("/issues/uber/discussion/1").get_data(as_text=True)


def test_orid_record_and_decision(app, client, auth, facilitator):
    _create(auth)
    auth.post("/console/issues/uber/seeds", data={"text": "Insure every ride"})
    data = {
        "title": "ORID meeting",
        "held_at": "2026-04-01T14:00",
        "objective": "We saw data",
        "objective_statements": "1",
        "decisional": "Draft a bill",
        "decisional_statements": "1",
    }
    assert auth.post("/console/issues/uber/meetings/new", data=data).status_code == 302
    assert auth.post("/console/issues/uber/meetings/new", data=dict(data, objective_statements="99")).status_code == 400
    with app.app_context():
        record = db.session.scalar(db.select(OridRecord))
        assert record.held_at.isoformat() == "2026-04-01T06:00:00+00:00"
        assert sorted((link.part.value, link.statement_id) for link in db.session.scalars(db.select(OridLink))) == [
            ("decisional", 1),
            ("objective", 1),
        ]
    decision = {"title": "Insurance", "outcome": "partly_adopted", "reasons": "Costs", "statements": "1"}
    assert auth.post("/console/issues/uber/decisions/new", data=decision).status_code == 302
    with app.app_context():
        proposal = db.session.scalar(db.select(DecisionProposal))
        assert proposal.outcome is DecisionOutcome.PARTLY_ADOPTED and [s.id for s in proposal.statements] == [1]
    meetings = client.get("/issues/uber/meetings").get_data(as_text=True)
    assert "Insure every ride" in meetings and "Draft a bill" in meetings
    assert "Costs" in client.get("/issues/uber/decisions").get_data(as_text=True)
    assert _kinds(app)[-2:] == ["orid_recorded", "decision_recorded"]


def test_the_inform_deadline_follows_the_issue_setting(app, auth, facilitator):
    assert _create(auth, inform_response_days="3").status_code == 302
    assert auth.post("/console/issues/uber/stages/open", data={"stage": "inform"}).status_code == 302
    with app.app_context():
        response = db.session.scalar(db.select(MinistryResponse))
        assert response.kind.value == "inform"
        assert response.due_at - response.opened_at == timedelta(days=3)
