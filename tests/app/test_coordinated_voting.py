"""Issue 11, point 6: coordinated-voting signals in the console, and excluding participants (and undoing it)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import (
    ActivityLog,
    Issue,
    MinistryResponse,
    ModerationStatus,
    Participant,
    ResponseKind,
    Statement,
    Vote,
    VoteEvent,
    utcnow,
)
from app.services.accountability.response_points import required_points
from app.services.opinion.recompute import recompute
from app.services.participation import coordination
from app.services.statements import normalize_statement
from tests.support.issues import make_issue

EN = {"Accept-Language": "en"}
GENUINE, STUFFERS, STATEMENTS = 12, 8, 12


def _scenario(app) -> tuple[int, int, list[int], list[int]]:
    """12 people who joined over hours and vote variously; 8 made from one address within minutes
    who all agree with one statement (X) and pass on the rest. Returns (issue, X, genuine, stuffers)."""
    issue_id = make_issue(app, slug="buses")
    base = utcnow() - timedelta(days=2)
    with app.app_context():
        statements = [
            Statement(
                issue_id=issue_id,
                text=f"S{n}",
                normalized_text=normalize_statement(f"S{n}"),
                moderation_status=ModerationStatus.ACCEPTED,
            )
            for n in range(STATEMENTS)
        ]
        genuine = [
            Participant(created_at=base + timedelta(hours=i), address_key=f"{i:032d}", agent_key="a" * 32)
            for i in range(GENUINE)
        ]
        stuffers = [
            Participant(created_at=base + timedelta(hours=30, seconds=7 * k), address_key="f" * 32, agent_key="b" * 32)
            for k in range(STUFFERS)
        ]
        db.session.add_all(statements + genuine + stuffers)
        db.session.flush()
        x = statements[-1].id
        rows = []
        for i, person in enumerate(genuine):
            for j, statement in enumerate(statements):
                value = -1 if statement.id == x else [1, -1, 0][(i + j) % 3]
                rows.append(dict(issue_id=issue_id, participant_id=person.id, statement_id=statement.id, value=value))
        for person in stuffers:
            for statement in statements:
                value = 1 if statement.id == x else 0
                rows.append(dict(issue_id=issue_id, participant_id=person.id, statement_id=statement.id, value=value))
        db.session.execute(db.insert(Vote), rows)
        db.session.execute(db.insert(VoteEvent), rows)
        db.session.commit()
        return issue_id, x, [p.id for p in genuine], [p.id for p in stuffers]


def _required(app, issue_id) -> set[int]:
    with app.app_context():
        issue = db.session.get(Issue, issue_id)
        return {p.statement_id for p in required_points(MinistryResponse(issue=issue, kind=ResponseKind.INFORM))}


def test_signals_find_the_burst_and_the_identical_voters(app):
    issue_id, _, genuine, stuffers = _scenario(app)
    with app.app_context():
        found = coordination.signals(db.session.get(Issue, issue_id))
    by_kind = {cluster.kind: cluster for cluster in found}
    assert set(by_kind) == {"address", "identical_votes"}  # the shared user agent is too common to flag
    assert list(by_kind["address"].participant_ids) == sorted(stuffers)
    assert list(by_kind["identical_votes"].participant_ids) == sorted(stuffers)
    assert by_kind["identical_votes"].statements == STATEMENTS
    assert sum(n for _, n in by_kind["address"].timeline) == STUFFERS
    # Genuine people with the same votes, but hours apart, are not a cluster.
    assert not any(set(c.participant_ids) & set(genuine) for c in found)


def test_excluding_recomputes_counts_map_and_required_points_and_can_be_undone(app, client, auth):
    issue_id, x, genuine, stuffers = _scenario(app)
    assert x in _required(app, issue_id)  # the stuffers put X among the most agreed
    assert client.get(f"/api/v1/issues/{issue_id}").get_json()["counts"]["participants"] == GENUINE + STUFFERS

    auth.login("facilitator")
    page = client.get("/console/issues/buses/participation", headers=EN).get_data(as_text=True)
    assert "8 new participants from one address" in page and "identical votes on 12 statements" in page
    no_reason = auth.post("/console/issues/buses/exclusions", data={"participant_id": stuffers, "reason": " "})
    assert no_reason.status_code == 400
    stranger = auth.post("/console/issues/buses/exclusions", data={"participant_id": [999999], "reason": "x"})
    assert stranger.status_code == 400
    excluded = auth.post(
        "/console/issues/buses/exclusions",
        data={"participant_id": stuffers, "reason": "Scripted votes from one address"},
    )
    assert excluded.status_code == 302
    auth.logout()

    counts = client.get(f"/api/v1/issues/{issue_id}").get_json()["counts"]
    assert counts["participants"] == GENUINE and counts["votes"] == GENUINE * STATEMENTS
    assert x not in _required(app, issue_id)
    with app.app_context():
        result = recompute(issue_id)
        assert result.view.payload["participants"]["voted"] == GENUINE
        assert db.session.scalar(select(Vote.id).where(Vote.participant_id == stuffers[0])) is not None  # kept
    activity = client.get("/issues/buses/activity", headers=EN).get_data(as_text=True)
    assert "Scripted votes from one address" in activity and "8 participants were excluded" in activity

    auth.login("facilitator")
    with app.app_context():
        batch = db.session.scalar(select(ActivityLog.payload).where(ActivityLog.kind == "participants_excluded"))[
            "batch"
        ]
    assert auth.post(f"/console/issues/buses/exclusions/{batch}/undo", data={"reason": ""}).status_code == 400
    undone = auth.post(f"/console/issues/buses/exclusions/{batch}/undo", data={"reason": "They were a school class"})
    assert undone.status_code == 302
    assert auth.post(f"/console/issues/buses/exclusions/{batch}/undo", data={"reason": "again"}).status_code == 404
    assert client.get(f"/api/v1/issues/{issue_id}").get_json()["counts"]["participants"] == GENUINE + STUFFERS
    assert x in _required(app, issue_id)
    with app.app_context():
        assert recompute(issue_id).view.payload["participants"]["voted"] == GENUINE + STUFFERS
    assert "They were a school class" in client.get("/issues/buses/activity", headers=EN).get_data(as_text=True)


def test_only_staff_see_signals_and_exclude(app, client, auth):
    issue_id, _, _, stuffers = _scenario(app)
    auth.login("citizen")
    assert client.get("/console/issues/buses/participation").status_code == 403
    assert (
        auth.post("/console/issues/buses/exclusions", data={"participant_id": stuffers, "reason": "x"}).status_code
        == 403
    )
    assert client.get(f"/api/v1/issues/{issue_id}").get_json()["counts"]["participants"] == GENUINE + STUFFERS
