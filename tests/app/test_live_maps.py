"""The recomputing process keeps a live map per issue only while it continues the stored tick."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models import OpinionSnapshot, Vote, VoteEvent
from app.services.opinion import live_maps, recompute, votes
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


def _changed_vote(app, issue_id: int, participant_id: int, statement_id: int, value: int) -> None:
    """A changed vote: the current row updated and a new event."""
    with app.app_context():
        row = db.session.scalar(select(Vote).filter_by(participant_id=participant_id, statement_id=statement_id))
        row.value = value
        db.session.add(
            VoteEvent(issue_id=issue_id, participant_id=participant_id, statement_id=statement_id, value=value)
        )
        db.session.commit()


def test_a_timed_full_reload_continues_the_kept_map(app, paths, monkeypatch):
    issue_id = make_issue(app)
    blocs = make_blocs(app, issue_id)
    with app.app_context():
        recompute.recompute(issue_id)
    _tick(app, issue_id, blocs.statement_ids)  # built
    monkeypatch.setattr(votes.IssueVotes, "FULL_RELOAD_SECONDS", 0.0)  # every read is a full reload
    _changed_vote(app, issue_id, blocs.bloc_a[0], blocs.statement_ids[0], -1)
    _tick(app, issue_id, blocs.statement_ids)  # the reload's differences go to the kept map
    assert paths == ["built", "updated"]
    with app.app_context():
        kept = live_maps._maps(app).by_issue[issue_id].live.result
        table = votes.IssueVotes(issue_id, 10**9).table()
        # the kept map saw every vote as the table holds it
        assert int(kept.user_vote_counts.sum()) == len(table)
        assert kept.statement_votes.sum() == len(table)
        first = int(np.searchsorted(kept.statement_ids, blocs.statement_ids[0]))
        in_table = table.values[table.statement_ids == blocs.statement_ids[0]]
        assert kept.statement_votes[first].tolist() == [int((in_table == v).sum()) for v in (1, -1, 0)]

    # A vote gone (deleted with its statement, say): the reload cannot continue, it rebuilds.
    with app.app_context():
        db.session.execute(
            delete(Vote).where(Vote.participant_id == blocs.bloc_a[1], Vote.statement_id == blocs.statement_ids[1])
        )
        db.session.commit()
    _tick(app, issue_id, blocs.statement_ids)
    assert paths == ["built", "updated", "built"]


def test_changes_since_an_older_read(app):
    issue_id = make_issue(app)
    blocs = make_blocs(app, issue_id, per_bloc=3)
    a, b = blocs.statement_ids[:2]
    with app.app_context():
        older = votes.IssueVotes(issue_id, 10**9)
    _changed_vote(app, issue_id, blocs.bloc_a[0], a, -1)
    _changed_vote(app, issue_id, blocs.bloc_a[1], a, 1)  # "changed" to the vote it had: no change
    newcomer = make_participant(app)
    make_vote(app, issue_id, newcomer, b, 0)
    with app.app_context():
        newer = votes.IssueVotes(issue_id, 10**9)
        changes = newer.changes_since(older)
        assert changes is not None
        got = set(
            zip(changes.participant_ids.tolist(), changes.statement_ids.tolist(), changes.values.tolist(), strict=True)
        )
        assert got == {(blocs.bloc_a[0], a, -1), (newcomer, b, 0)}
        assert newer.changes_since(newer) is not None and len(newer.changes_since(newer)) == 0
        db.session.execute(delete(Vote).where(Vote.participant_id == newcomer))
        db.session.commit()
        assert votes.IssueVotes(issue_id, 10**9).changes_since(newer) is None
