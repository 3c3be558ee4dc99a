"""Freezing the report is part of the write that closes a stage: one transaction, no recompute."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import signals
from app.extensions import db
from app.models import (
    ActivityLog,
    FrozenReport,
    Issue,
    IssueStage,
    OpinionSnapshot,
    Role,
    Stage,
    Webhook,
    WebhookDelivery,
)
from app.services.opinion.recompute import recompute
from app.services.process import stages
from app.services.report import frozen as frozen_service
from tests.support.issues import count, make_issue, make_participant, make_statement, make_vote
from tests.support.opinion_data import make_blocs


def _webhook(app, events: list[str]) -> None:
    with app.app_context():
        db.session.add(Webhook(url="https://8.8.8.8/hook", events=events, secret="s"))
        db.session.commit()


def _advance(auth, slug: str, from_stage: str):
    return auth.post(f"/console/issues/{slug}/stages/advance", data={"from_stage": from_stage})


def test_advancing_a_stage_freezes_one_report_with_the_change(app, client, auth, monkeypatch):
    issue_id = make_issue(app, slug="advance", current_stage=Stage.VOTING)
    blocs = make_blocs(app, issue_id, per_bloc=5)
    with app.app_context():
        recompute(issue_id)
    _webhook(app, ["stage.changed", "report.frozen"])
    from app.services.opinion import recompute as recompute_module

    def no_recompute(*_args, **_kwargs):
        raise AssertionError("a freeze must not recompute the map")

    monkeypatch.setattr(recompute_module, "recompute", no_recompute)
    make_vote(app, issue_id, make_participant(app), blocs.statement_ids[0], -1)  # after the stored map
    announced = []

    def receiver(_sender, **kwargs):
        announced.append(kwargs)

    auth.login(Role.FACILITATOR)
    with signals.report_frozen.connected_to(receiver):
        response = _advance(auth, "advance", "voting")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Issue, issue_id).current_stage is Stage.DECISION
        reports = db.session.scalars(select(FrozenReport).where(FrozenReport.issue_id == issue_id)).all()
        assert [(r.reason, r.stage) for r in reports] == [("stage_closed", Stage.VOTING)]
        snapshot = db.session.scalar(select(OpinionSnapshot).where(OpinionSnapshot.issue_id == issue_id))
        assert reports[0].snapshot_id == snapshot.id
        assert reports[0].data["watermark"] == snapshot.vote_event_watermark
        report_id = reports[0].id
        # The webhook deliveries were written by the same transaction, once each.
        events = db.session.scalars(select(WebhookDelivery.event).order_by(WebhookDelivery.id)).all()
        assert sorted(events) == ["report.frozen", "stage.changed"]
    assert [event["report_id"] for event in announced] == [report_id]
    # A second click from the same page changes nothing and freezes nothing.
    _advance(auth, "advance", "voting")
    assert count(app, FrozenReport, issue_id=issue_id) == 1
    auth.logout()

    frozen_before = client.get(f"/api/v1/reports/{report_id}").json
    monkeypatch.undo()
    newcomer = make_participant(app)
    for sid in blocs.statement_ids:
        make_vote(app, issue_id, newcomer, sid, 1)
    with app.app_context():
        recompute(issue_id)
    live = client.get(f"/api/v1/issues/{issue_id}/report").json
    assert live["watermark"] > frozen_before["watermark"]
    assert live["statements"][1]["agree"] != frozen_before["statements"][1]["agree"]
    assert client.get(f"/api/v1/reports/{report_id}").json == frozen_before


def test_a_failing_freeze_rolls_the_stage_change_back(app, auth, monkeypatch):
    issue_id = make_issue(app, slug="atomic", current_stage=Stage.VOTING)
    make_blocs(app, issue_id, per_bloc=3)
    _webhook(app, ["stage.changed", "report.frozen"])

    def broken(*_args, **_kwargs):
        raise RuntimeError("the report could not be built")

    monkeypatch.setattr(frozen_service, "build_report", broken)
    auth.login(Role.FACILITATOR)
    with pytest.raises(RuntimeError):
        _advance(auth, "atomic", "voting")
    with app.app_context():
        issue = db.session.get(Issue, issue_id)
        assert issue.current_stage is Stage.VOTING
        voting = db.session.scalar(
            select(IssueStage).where(IssueStage.issue_id == issue_id, IssueStage.key == Stage.VOTING)
        )
        assert voting is None or voting.ends_at is None
    assert count(app, FrozenReport) == 0
    assert count(app, WebhookDelivery) == 0
    assert count(app, ActivityLog, issue_id=issue_id) == 0
    monkeypatch.undo()
    assert _advance(auth, "atomic", "voting").status_code == 302
    assert count(app, FrozenReport, issue_id=issue_id) == 1


def test_freezing_without_a_map_keeps_the_counts_and_an_issue_without_votes_freezes_nothing(app, auth):
    issue_id = make_issue(app, slug="unmapped", current_stage=Stage.VOTING)
    statement = make_statement(app, issue_id, "Buses at night")
    make_vote(app, issue_id, make_participant(app), statement, 1)
    quiet_id = make_issue(app, slug="quiet-stage", current_stage=Stage.VOTING)
    with app.app_context():
        for iid in (issue_id, quiet_id):
            change = stages.advance(db.session.get(Issue, iid), None)
            db.session.commit()
            stages.announce(change)
        assert db.session.scalar(select(func.count()).select_from(OpinionSnapshot)) == 0  # nothing recomputed
        report = db.session.scalar(select(FrozenReport).where(FrozenReport.issue_id == issue_id))
        assert report.snapshot_id is None and report.data["groups"] == []
        assert [(s["agree"], s["seen"]) for s in report.data["statements"]] == [(1, 1)]
    assert count(app, FrozenReport, issue_id=quiet_id) == 0


def test_freezing_on_demand_uses_the_stored_map(app, auth, monkeypatch):
    issue_id = make_issue(app, slug="on-demand")
    blocs = make_blocs(app, issue_id, per_bloc=4)
    with app.app_context():
        recompute(issue_id)
    make_vote(app, issue_id, make_participant(app), blocs.statement_ids[0], 1)
    _webhook(app, ["report.frozen"])
    from app.services.opinion import recompute as recompute_module

    monkeypatch.setattr(recompute_module, "recompute", lambda *_a, **_k: pytest.fail("recomputed in a request"))
    auth.login(Role.FACILITATOR)
    response = auth.post("/console/issues/on-demand/report/freeze")
    assert response.status_code == 302
    with app.app_context():
        report = db.session.scalar(select(FrozenReport).where(FrozenReport.issue_id == issue_id))
        assert report.reason == "on_demand"
        assert report.snapshot_id == db.session.scalar(select(OpinionSnapshot.id))
        assert db.session.scalars(select(WebhookDelivery.event)).all() == ["report.frozen"]
