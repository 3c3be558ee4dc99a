"""The public report: its numbers against the clustering library, pages, CSV, group names, frozen reports."""

from __future__ import annotations

import csv
import io

import numpy as np
from sqlalchemy import func, select

from app import signals
from app.extensions import db
from app.models import (
    FrozenReport,
    GroupLabel,
    Issue,
    ModerationStatus,
    OpinionSnapshot,
    Stage,
    Statement,
    Vote,
    VoteEvent,
)
from app.services.opinion.payload import overall_counts
from app.services.opinion.recompute import MAX_GROUPS, recompute
from app.services.opinion.snapshots import SNAPSHOTS_KEPT
from app.services.process import stages
from clustering import VoteTable, compute_opinion_map
from tests.support.issues import make_issue, make_participant, make_statement, make_vote
from tests.support.opinion_data import make_blocs


def _clustering_output(app, issue_id):
    """The clustering library run on the issue's current votes, as the recompute calls it."""
    with app.app_context():
        rows = db.session.execute(
            select(Vote.participant_id, Vote.statement_id, Vote.value).where(Vote.issue_id == issue_id)
        ).all()
        statements = db.session.execute(
            select(Statement.id, Statement.moderation_status, Statement.is_meta).where(Statement.issue_id == issue_id)
        ).all()
    votes = VoteTable(
        np.array([r[0] for r in rows]), np.array([r[1] for r in rows]), np.array([r[2] for r in rows], dtype=np.int8)
    )
    result = compute_opinion_map(
        votes,
        np.array([s[0] for s in statements]),
        excluded_statement_ids=[s[0] for s in statements if s[1] == ModerationStatus.REJECTED],
        meta_statement_ids=[s[0] for s in statements if s[2]],
        max_groups=MAX_GROUPS,
    )
    return result, overall_counts(result)


def test_report_numbers_are_the_clustering_librarys(app, client):
    issue_id = make_issue(app, slug="blocs")
    blocs = make_blocs(app, issue_id)
    rejected = make_statement(app, issue_id, "Rejected one", status=ModerationStatus.REJECTED)
    make_vote(app, issue_id, blocs.bloc_a[0], rejected, 1)
    with app.app_context():
        recompute(issue_id)
    result, totals = _clustering_output(app, issue_id)
    report = client.get(f"/api/v1/issues/{issue_id}/report", headers={"Accept-Language": "en"}).json

    assert report["issue_id"] == issue_id and report["computed_at"]
    assert [s["id"] for s in report["statements"]] == blocs.statement_ids  # accepted only, not the rejected one
    assert [g["id"] for g in report["groups"]] == [g.id for g in result.groups]
    assert [g["size"] for g in report["groups"]] == [len(g.members) for g in result.groups]
    assert [g["label"] for g in report["groups"]] == ["Group A", "Group B"]
    for row in report["statements"]:
        assert (row["agree"], row["disagree"], row["pass"]) == totals[row["id"]]
        assert row["seen"] == sum(totals[row["id"]])
        for group in row["groups"]:
            assert (group["agree"], group["disagree"], group["pass"]) == result.group_votes[group["id"]][row["id"]]
        assert row["group_informed_consensus"] == round(result.group_aware_consensus[row["id"]], 4)
    for group, ours in zip(result.groups, report["groups"], strict=True):
        assert [
            (r["statement_id"], r["repful_for"], r["p_success"], r["p_test"], r["repness"], r["repness_test"])
            for r in ours["representative"]
        ] == [
            (r.statement_id, r.repful_for, r.p_success, r.p_test, r.repness, r.repness_test)
            for r in group.representative
        ]
    majority = report["consensus"]["majority"]
    assert [c["statement_id"] for c in majority["agree"]] == result.consensus.agree
    assert [c["p_success"] for c in majority["agree"]] == [c.p_success for c in result.consensus.agree_stats]
    assert {c["statement_id"] for c in report["consensus"]["group_informed"][:2]} <= set(blocs.shared_ids)
    # The divisive statements are the bloc statements, not the shared ones.
    assert report["divisive"] and {d["statement_id"] for d in report["divisive"]} <= set(blocs.statement_ids[:8])
    assert report["participation"][0]["votes"] == sum(sum(c) for c in totals.values())
    assert report["map"]["points"] and len(report["map"]["groups"]) == 2

    # comment-groups.csv (pol.is's report export) carries the same per-group counts.
    text = client.get(f"/api/v1/issues/{issue_id}/export/comment-groups.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "comment-id",
        "comment",
        "total-votes",
        "total-agrees",
        "total-disagrees",
        "total-passes",
        *[f"group-{letter}-{what}" for letter in "ab" for what in ("votes", "agrees", "disagrees", "passes")],
    ]
    with app.app_context():
        tid_of = {sid: n for n, sid in enumerate([*blocs.statement_ids, rejected])}
    by_tid = {int(row[0]): row for row in rows[1:]}
    for sid in blocs.statement_ids:
        cells = [int(x) for x in by_tid[tid_of[sid]][6:]]
        for g, group in enumerate(result.groups):
            a, d, p = result.group_votes[group.id][sid]
            assert cells[4 * g : 4 * g + 4] == [a + d + p, a, d, p]
        assert int(by_tid[tid_of[sid]][2]) == sum(sum(result.group_votes[g.id][sid]) for g in result.groups)


def test_report_page_csv_and_group_names(app, client, auth):
    issue_id = make_issue(app, slug="named")
    blocs = make_blocs(app, issue_id)
    with app.app_context():
        recompute(issue_id)
    auth.login(role="facilitator")
    response = auth.post(
        "/console/issues/named/report/groups",
        data={"name-0": "Pro <bus>", "description-0": "Wants buses", "name-1": "", "description-1": ""},
    )
    assert response.status_code == 302
    auth.logout()
    with app.app_context():
        assert db.session.scalar(select(GroupLabel.name).where(GroupLabel.issue_id == issue_id)) == "Pro <bus>"
    report = client.get(f"/api/v1/issues/{issue_id}/report", headers={"Accept-Language": "en"}).json
    assert [g["label"] for g in report["groups"]] == ["Pro <bus>", "Group B"]
    page = client.get("/issues/named/report").get_data(as_text=True)
    assert "Pro &lt;bus&gt;" in page and "<bus>" not in page
    assert "&lt;b&gt;view&lt;/b&gt;" in page and "<b>view</b>" not in page
    assert page.count("<svg") == 2 and "data-sortable" in page
    rows = list(csv.reader(io.StringIO(client.get("/issues/named/report.csv").get_data(as_text=True))))
    assert rows[0][:6] == ["statement-id", "statement", "votes", "agree", "disagree", "pass"]
    assert [int(r[0]) for r in rows[1:]] == blocs.statement_ids
    zh = client.get("/issues/named/report", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert "即時報告" in zh and "群體 B" in zh


def test_frozen_report_never_changes_and_keeps_its_snapshot(app, client, auth):
    issue_id = make_issue(app, slug="frozen")
    blocs = make_blocs(app, issue_id)
    with app.app_context():
        recompute(issue_id)
    frozen_events = []

    def receiver(sender, **kwargs):
        frozen_events.append(kwargs)

    auth.login(role="facilitator")
    with signals.report_frozen.connected_to(receiver):
        response = auth.post("/console/issues/frozen/report/freeze")
    assert response.status_code == 302
    report_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert frozen_events[-1]["report_id"] == report_id
    auth.logout()
    before = client.get(f"/api/v1/reports/{report_id}").json
    assert before["frozen"]["reason"] == "on_demand"

    newcomer = make_participant(app)
    for sid in blocs.statement_ids:
        make_vote(app, issue_id, newcomer, sid, -1)
    with app.app_context():
        for _ in range(SNAPSHOTS_KEPT + 2):
            recompute(issue_id)
        snapshot_id = db.session.get(FrozenReport, report_id).snapshot_id
        assert db.session.get(OpinionSnapshot, snapshot_id) is not None  # older than the last 5, still kept
    after = client.get(f"/api/v1/reports/{report_id}").json
    assert after == before
    english = client.get(f"/api/v1/reports/{report_id}", headers={"Accept-Language": "en"}).json
    assert [g["label"] for g in english["groups"]] == ["Group A", "Group B"]
    assert {**english, "groups": []} == {**before, "groups": []}
    live = client.get(f"/api/v1/issues/{issue_id}/report").json
    assert live["statements"][0]["disagree"] == before["statements"][0]["disagree"] + 1
    page = client.get(f"/reports/{report_id}").get_data(as_text=True)
    assert "凍結的報告" in page  # zh-TW by default
    assert f"/reports/{report_id}" in client.get("/issues/frozen").get_data(as_text=True)
    assert client.get(f"/reports/{report_id}.csv").status_code == 200


def _open_stage(issue, key) -> None:
    """As the console does: the service writes, the caller commits, then announces the change."""
    change = stages.open_stage(issue, key, None)
    db.session.commit()
    stages.announce(change)


def test_closing_a_stage_freezes_the_report(app, client):
    issue_id = make_issue(app, slug="closing", current_stage=Stage.VOTING, steward_agency="交通部")
    blocs = make_blocs(app, issue_id, per_bloc=5)
    with app.app_context():
        recompute(issue_id)
    make_vote(app, issue_id, make_participant(app), blocs.statement_ids[0], -1)  # after the last map
    with app.app_context():
        issue = db.session.get(Issue, issue_id)
        _open_stage(issue, Stage.DECISION)
        frozen = db.session.scalars(select(FrozenReport).where(FrozenReport.issue_id == issue_id)).all()
        assert [(f.reason, f.stage) for f in frozen] == [("stage_closed", Stage.VOTING)]
        # The latest stored map, not a recompute in the stage change: the vote after it is not in it.
        latest = db.session.scalar(select(func.max(OpinionSnapshot.vote_event_watermark)))
        assert frozen[0].data["watermark"] == latest < db.session.scalar(select(func.max(VoteEvent.id)))
        assert db.session.scalar(select(func.count()).select_from(OpinionSnapshot)) == 1
    listed = client.get(f"/api/v1/issues/{issue_id}/reports").json
    assert [r["stage"] for r in listed] == ["voting"]
    # The ministry's response (due once the response stage opens) links the report it answers.
    with app.app_context():
        _open_stage(db.session.get(Issue, issue_id), Stage.RESPONSE)
    page = client.get("/issues/closing", headers={"Accept-Language": "en"}).get_data(as_text=True)
    card = page[page.index('id="responses"') :]
    newest = client.get(f"/api/v1/issues/{issue_id}/reports").json[0]
    assert newest["stage"] == "decision"
    assert f'href="/reports/{newest["id"]}">The frozen report this response answers' in card


def test_report_of_an_issue_without_votes_and_bad_ids(app, client):
    issue_id = make_issue(app, slug="quiet")
    make_statement(app, issue_id, "Nobody voted")
    report = client.get(f"/api/v1/issues/{issue_id}/report").json
    assert report["computed_at"] is None and report["groups"] == []
    assert report["statements"][0]["agree"] == 0
    # Before the first map the report still counts the votes.
    voted = make_statement(app, issue_id, "Voted on")
    make_vote(app, issue_id, make_participant(app), voted, 1)
    report = client.get(f"/api/v1/issues/{issue_id}/report").json
    assert [(s["agree"], s["seen"]) for s in report["statements"]] == [(0, 0), (1, 1)]
    assert client.get("/issues/quiet/report").status_code == 200
    for url in ("/api/v1/issues/999999/report", "/api/v1/reports/999999"):
        response = client.get(url)
        assert response.status_code == 404 and response.is_json
    assert client.get("/reports/999999").status_code == 404
    assert client.get("/issues/nope/report").status_code == 404
