"""The opinion map is computed by the worker, stored per tick, and resumed warm after a restart."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from sqlalchemy import select

from app import background, create_app
from app.extensions import db
from app.models import Issue, ModerationMode, ModerationStatus, OpinionSnapshot, VoteEvent
from app.services.opinion import live_maps, payload, recompute, votes
from app.services.opinion.snapshots import SNAPSHOTS_KEPT, issues_needing_recompute
from clustering import compute_opinion_map
from tests.support.issues import make_issue, make_participant, make_statement, make_vote
from tests.support.opinion_data import make_blocs
from tests.support.waiting import eventually


def snapshots(app, issue_id: int) -> list[OpinionSnapshot]:
    with app.app_context():
        rows = db.session.scalars(
            select(OpinionSnapshot).where(OpinionSnapshot.issue_id == issue_id).order_by(OpinionSnapshot.tick)
        ).all()
        db.session.expunge_all()
        return list(rows)


def recompute_now(app, issue_id: int):
    with app.app_context():
        return recompute.recompute(issue_id)


def test_recompute_persists_a_snapshot_with_groups(app):
    issue_id = make_issue(app)
    blocs = make_blocs(app, issue_id)

    update = recompute_now(app, issue_id)

    [snapshot] = snapshots(app, issue_id)
    assert snapshot.tick == update.view.tick == 1
    with app.app_context():
        newest_event = db.session.scalar(select(db.func.max(VoteEvent.id)))
    assert snapshot.vote_event_watermark == newest_event
    payload = snapshot.result
    assert payload == update.view.payload
    assert payload["tick"] == 1 and payload["watermark"] == newest_event
    assert payload["computed_at"].endswith("Z")
    assert payload["k"] == 2
    assert sorted(group["size"] for group in payload["groups"]) == [20, 20]
    assert payload["participants"] == {"voted": 40, "on_map": 40}
    # Each bloc is one group: everyone of bloc A shares a group id, different from bloc B's.
    groups_a = {update.view.positions[p][2] for p in blocs.bloc_a}
    groups_b = {update.view.positions[p][2] for p in blocs.bloc_b}
    assert len(groups_a) == len(groups_b) == 1 and groups_a != groups_b
    # Both blocs agree on the shared statements: they are the majority and group-informed consensus.
    assert {item["statement_id"] for item in payload["majority"]["agree"]} == set(blocs.shared_ids)
    top_consensus = [item["statement_id"] for item in payload["group_informed_consensus"][:2]]
    assert set(top_consensus) == set(blocs.shared_ids)
    for group in payload["groups"]:
        assert len(group["hull"]) >= 1 and len(group["center"]) == 2
        for rep in group["representative"]:
            assert rep["statement_id"] not in blocs.shared_ids
            assert {share["group_id"] for share in rep["by_group"]} == {g["id"] for g in payload["groups"]}
            own = next(s for s in rep["by_group"] if s["group_id"] == group["id"])
            assert own[rep["repful_for"]] >= 0.9
    assert len(payload["positions"]["points"]) == 40
    assert "state" not in payload and "viewers" not in payload


def test_next_tick_is_warm_and_keeps_group_ids(app, monkeypatch):
    issue_id = make_issue(app)
    blocs = make_blocs(app, issue_id)
    first = recompute_now(app, issue_id)
    # The state each tick starts from: tick 2 builds the live map from the stored tick 1 (a
    # history replay), tick 3 updates the map kept from tick 2 with the new votes only.
    seen = []
    real_init, real_update = live_maps.LiveOpinionMap.__init__, live_maps.LiveOpinionMap.update

    def init(self, *args, **kwargs):
        seen.append(("built", copy.deepcopy(kwargs["previous_state"])))
        real_init(self, *args, **kwargs)

    def update(self, *args, **kwargs):
        seen.append(("updated", copy.deepcopy(self.state)))
        return real_update(self, *args, **kwargs)

    monkeypatch.setattr(live_maps.LiveOpinionMap, "__init__", init)
    monkeypatch.setattr(live_maps.LiveOpinionMap, "update", update)
    ticks = []
    for newcomer in (make_participant(app), make_participant(app)):
        for statement_id in blocs.statement_ids[:8]:
            vote = 1 if statement_id in blocs.statement_ids[:4] else -1
            make_vote(app, issue_id, newcomer, statement_id, vote)
        ticks.append(recompute_now(app, issue_id))
    second, third = ticks

    assert (second.view.tick, third.view.tick) == (2, 3)
    stored = snapshots(app, issue_id)
    assert seen == [("built", stored[0].state["clustering"]), ("updated", stored[1].state["clustering"])]
    # Tick 3 is the same as from every vote and the stored tick 2.
    with app.app_context():
        table = votes.load_votes(issue_id, third.view.payload["watermark"])
        statements = votes.load_statements(db.session.get(Issue, issue_id))
    scratch = compute_opinion_map(
        table,
        statements.ids,
        excluded_statement_ids=statements.rejected,
        meta_statement_ids=statements.meta,
        previous_state=stored[1].state["clustering"],
        max_groups=recompute.MAX_GROUPS,
    )
    assert stored[2].state["clustering"] == json.loads(json.dumps(scratch.state))
    for tick in (second, third):
        assert tick.view.positions[blocs.bloc_a[0]][2] == first.view.positions[blocs.bloc_a[0]][2]
        assert tick.view.positions[blocs.bloc_b[0]][2] == first.view.positions[blocs.bloc_b[0]][2]
    assert (second.view.payload["participants"]["voted"], third.view.payload["participants"]["voted"]) == (41, 42)


def test_restart_resumes_from_the_stored_snapshot(app, app_config):
    issue_id = make_issue(app)
    blocs = make_blocs(app, issue_id)
    first = recompute_now(app, issue_id)
    # Mark the stored state: its group ids become 40, 41, ... A warm start carries stored group
    # ids over to the groups that keep their members; a cold start would number them afresh.
    with app.app_context():
        stored = db.session.get(OpinionSnapshot, snapshots(app, issue_id)[0].id)
        state = copy.deepcopy(stored.state)
        state["clustering"]["groups"]["id"] = [40 + i for i in state["clustering"]["groups"]["id"]]
        stored.state = state
        db.session.commit()
    # A vote arrives while no worker runs (e.g. the server is down between two processes).
    make_vote(app, issue_id, make_participant(app), blocs.statement_ids[0], 1)

    restarted = create_app({**app_config, "BACKGROUND_WORKERS": True})
    background.start(restarted)  # the embedded default: the recompute runs in a child process
    try:
        # A child process starts first (it imports the clustering stack): slow on a loaded machine.
        eventually(lambda: len(snapshots(restarted, issue_id)) >= 2, timeout=30)
    finally:
        background.stop(restarted)
        with restarted.app_context():
            db.engine.dispose()

    latest = snapshots(app, issue_id)[-1]
    assert latest.tick == 2
    first_ids = sorted(group["id"] for group in first.view.payload["groups"])
    assert sorted(group["id"] for group in latest.result["groups"]) == [40 + i for i in first_ids]
    with app.app_context():
        assert latest.vote_event_watermark == db.session.scalar(select(db.func.max(VoteEvent.id)))
        assert issues_needing_recompute() == []


def test_issues_needing_recompute_after_new_votes(app):
    issue_id = make_issue(app)
    other_id = make_issue(app)
    blocs = make_blocs(app, issue_id)
    with app.app_context():
        assert issues_needing_recompute() == [issue_id]
    recompute_now(app, issue_id)
    with app.app_context():
        assert issues_needing_recompute() == []
    statement_id = make_statement(app, other_id, "Elsewhere")
    make_vote(app, other_id, blocs.bloc_a[0], statement_id, -1)
    with app.app_context():
        assert issues_needing_recompute() == [other_id]


def test_only_the_latest_snapshots_are_kept(app):
    issue_id = make_issue(app)
    make_blocs(app, issue_id, per_bloc=5)
    for _ in range(SNAPSHOTS_KEPT + 3):
        recompute_now(app, issue_id)
    ticks = [s.tick for s in snapshots(app, issue_id)]
    last = SNAPSHOTS_KEPT + 3
    assert ticks == list(range(last - SNAPSHOTS_KEPT + 1, last + 1))


def test_hidden_and_rejected_statements_never_show_their_text(app):
    issue_id = make_issue(app, moderation_mode=ModerationMode.STRICT)
    blocs = make_blocs(app, issue_id)
    hidden = make_statement(app, issue_id, "Hidden until accepted", status=ModerationStatus.UNMODERATED)
    rejected = make_statement(app, issue_id, "Rejected by moderators", status=ModerationStatus.REJECTED)
    for person in blocs.bloc_a + blocs.bloc_b:
        make_vote(app, issue_id, person, hidden, 1)
        make_vote(app, issue_id, person, rejected, 1)

    payload = recompute_now(app, issue_id).view.payload

    mentioned = {item["statement_id"] for item in payload["majority"]["agree"] + payload["group_informed_consensus"]}
    mentioned |= {rep["statement_id"] for group in payload["groups"] for rep in group["representative"]}
    assert hidden not in mentioned and rejected not in mentioned
    assert set(blocs.shared_ids) <= mentioned


def test_points_are_downsampled_deterministically(app, monkeypatch):
    issue_id = make_issue(app)
    make_blocs(app, issue_id)
    monkeypatch.setattr(payload, "MAX_POINTS", 10)
    first = recompute_now(app, issue_id).view.payload["positions"]
    second = recompute_now(app, issue_id).view.payload["positions"]
    assert first["total"] == 40
    assert len(first["points"]) == 10
    assert first["points"] == second["points"]
    x0, y0, x1, y1 = first["bounds"]
    assert all(x0 <= x <= x1 and y0 <= y <= y1 for x, y, _ in first["points"])


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        ([], []),
        ([[1, 1]], [[1.0, 1.0]]),
        ([[0, 0], [0, 0], [2, 2]], [[0.0, 0.0], [2.0, 2.0]]),
        ([[0, 0], [1, 1], [2, 2], [3, 3]], [[0.0, 0.0], [3.0, 3.0]]),  # collinear: the segment
    ],
)
def test_convex_hull_of_few_or_collinear_points(points, expected):
    assert payload.convex_hull(np.array(points, dtype=float).reshape(-1, 2)) == expected


def test_convex_hull_drops_interior_points():
    square = [[0, 0], [2, 0], [2, 2], [0, 2], [1, 1], [0.5, 1.5]]
    hull = payload.convex_hull(np.array(square, dtype=float))
    assert sorted(map(tuple, hull)) == [(0, 0), (0, 2), (2, 0), (2, 2)]


def test_votes_are_read_incrementally_yet_match_a_full_read(app, api):
    issue_id = make_issue(app)
    blocs = make_blocs(app, issue_id, per_bloc=5)
    recompute_now(app, issue_id)  # the first tick reads every vote
    first, second = blocs.statement_ids[:2]
    for statement_id, vote in (
        (first, "agree"),
        (second, "pass"),
        (first, "disagree"),
    ):  # a changed vote too
        response = api.post(f"/api/v1/issues/{issue_id}/votes", json={"statement_id": statement_id, "vote": vote})
        assert response.status_code in (200, 201), response.get_json()
    make_vote(app, issue_id, blocs.bloc_a[0], make_statement(app, issue_id, "Late addition"), 1)

    update = recompute_now(app, issue_id)

    with app.app_context():
        watermark = update.view.payload["watermark"]
        incremental = votes.load_votes(issue_id, watermark)
        fresh = votes.IssueVotes(issue_id, watermark).table()

    def as_set(table):
        return set(
            zip(
                table.participant_ids.tolist(),
                table.statement_ids.tolist(),
                table.values.tolist(),
                strict=True,
            )
        )

    assert as_set(incremental) == as_set(fresh)
    assert (api.participant_id, first, -1) in as_set(incremental)
    assert update.view.payload["participants"]["voted"] == 11
    assert update.votes_by_participant[api.participant_id] == 2


def test_api_serves_the_latest_map_with_the_callers_place(app, client):
    issue_id = make_issue(app)
    blocs = make_blocs(app, issue_id)

    empty = client.get(f"/api/v1/issues/{issue_id}/opinion-map").get_json()
    assert empty["tick"] == 0 and empty["groups"] == [] and empty["positions"]["points"] == []
    assert empty["you"] == {"on_map": False, "reason": "fewer_than_7_votes", "votes": 0, "needed": 7}

    update = recompute_now(app, issue_id)
    with client.session_transaction() as session:
        session["participant_id"] = blocs.bloc_b[3]
    body = client.get(f"/api/v1/issues/{issue_id}/opinion-map").get_json()
    assert {k: v for k, v in body.items() if k != "you"} == update.view.payload
    x, y, group_id = update.view.positions[blocs.bloc_b[3]]
    assert body["you"] == {"on_map": True, "position": [x, y], "group_id": group_id, "votes": 10}

    missing = client.get("/api/v1/issues/999999/opinion-map")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "issue_not_found"
