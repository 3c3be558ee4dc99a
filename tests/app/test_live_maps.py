"""The recomputing process keeps a live map per issue only while it continues the stored tick."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import OpinionSnapshot
from app.services.opinion import live_maps, recompute
from app.services.opinion.snapshots import latest_snapshot
from tests.support.issues import make_issue, make_participant, make_vote
from tests.support.opinion_data import make_blocs


@pytest.fixture
def paths(monkeypatch):
    """Which way each tick went: "built" (every vote and the stored state) or "updated"."""
    seen: list[str] = []
    real_init, real_update = live_maps.LiveOpinionMap.__init__, live_maps.LiveOpinionMap.update

    def init(self, *args, **kwargs):
        seen.append("built")
        real_init(self, *args, **kwargs)

    def update(self, *args, **kwargs):
        seen.append("updated")
        return real_update(self, *args, **kwargs)

    monkeypatch.setattr(live_maps.LiveOpinionMap, "__init__", init)
    monkeypatch.setattr(live_maps.LiveOpinionMap, "update", update)
    return seen


def _tick(app, issue_id: int, statement_ids: list[int]) -> None:
    newcomer = make_participant(app)
    for statement_id in statement_ids[:8]:
        make_vote(app, issue_id, newcomer, statement_id, 1)
    with app.app_context():
        assert recompute.recompute(issue_id) is not None


def test_a_tick_stored_elsewhere_rebuilds_the_kept_map(app, paths):
    issue_id = make_issue(app)
    blocs = make_blocs(app, issue_id)
    with app.app_context():
        recompute.recompute(issue_id)  # tick 1: the history replay, nothing kept
    _tick(app, issue_id, blocs.statement_ids)  # tick 2: built from the stored tick 1
    _tick(app, issue_id, blocs.statement_ids)  # tick 3: the kept map, updated
    assert paths == ["built", "updated"]

    # Another worker stores tick 4 (here: tick 3's row, written again as tick 4).
    with app.app_context():
        last = latest_snapshot(issue_id)
        db.session.add(
            OpinionSnapshot(
                issue_id=issue_id,
                tick=4,
                vote_event_watermark=last.vote_event_watermark,
                result=last.result,
                state=last.state,
            )
        )
        db.session.commit()
    _tick(app, issue_id, blocs.statement_ids)  # tick 5: not the kept map's continuation
    _tick(app, issue_id, blocs.statement_ids)  # tick 6: kept again
    assert paths == ["built", "updated", "built", "updated"]


def test_setting_a_participant_aside_rebuilds_the_kept_map(app, paths):
    issue_id = make_issue(app)
    blocs = make_blocs(app, issue_id)
    with app.app_context():
        recompute.recompute(issue_id)
    _tick(app, issue_id, blocs.statement_ids)
    live_maps._maps(app).by_issue[issue_id].set_aside = frozenset({blocs.bloc_a[0]})  # as if set aside then
    _tick(app, issue_id, blocs.statement_ids)
    assert paths == ["built", "built"]


def test_only_the_most_recently_recomputed_issues_keep_their_map(app, paths):
    app.config["CLUSTERING_LIVE_MAPS"] = 2
    issues = []
    for _ in range(3):
        issue_id = make_issue(app)
        issues.append((issue_id, make_blocs(app, issue_id).statement_ids))
        with app.app_context():
            recompute.recompute(issue_id)  # tick 1: the history replay, nothing kept
    for issue_id, statement_ids in issues:
        _tick(app, issue_id, statement_ids)  # tick 2 of each: a map built and kept
    with app.app_context():
        assert live_maps.kept_issues() == [issues[1][0], issues[2][0]]  # the first one was dropped
    _tick(app, *issues[1])  # still kept: updated, and now the most recent
    _tick(app, *issues[0])  # dropped: built again from the stored tick, and issue 3's map goes
    assert paths == ["built"] * 3 + ["updated", "built"]
    with app.app_context():
        assert live_maps.kept_issues() == [issues[1][0], issues[0][0]]
