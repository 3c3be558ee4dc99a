"""Stages: order, advancing, reopening, the activity log, the API field, closed voting, the signal."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, inspect
from sqlalchemy.orm import lazyload

from app import signals
from app.exceptions import AgoraError
from app.extensions import db
from app.models import STAGE_ORDER, ActivityLog, Issue, IssueStage, Stage, Statement, Vote
from app.services.process import stages
from tests.support.issues import make_statement


@pytest.fixture
def issue_id(app):
    with app.app_context():
        issue = Issue(slug="uber", title="Uber", steward_agency="交通部")
        db.session.add(issue)
        db.session.commit()
        return issue.id


def _issue(issue_id) -> Issue:
    return db.session.get(Issue, issue_id)


def test_new_issue_gets_seven_stages_in_order(app, issue_id):
    with app.app_context():
        rows = _issue(issue_id).stages
        assert [row.key for row in rows] == list(STAGE_ORDER)
        assert [row.position for row in rows] == list(range(7))
        assert {row.key for row in rows if row.voting_open} == {Stage.AGENDA_SETTING, Stage.VOTING}
        assert rows[0].starts_at is not None and all(row.starts_at is None for row in rows[1:])


def test_advance_and_reopen_write_the_log(app, issue_id, auth):
    user = auth.create_user("facilitator")
    with app.app_context():
        issue = _issue(issue_id)
        stages.advance(issue, user.id)
        assert issue.current_stage is Stage.RESEARCH
        stages.advance(issue, user.id)
        stages.open_stage(issue, "agenda_setting", user.id)
        db.session.commit()  # services write, the caller commits
    with app.app_context():
        issue = _issue(issue_id)
        assert issue.current_stage is Stage.AGENDA_SETTING
        research = stages.stage_row(issue, Stage.RESEARCH)
        assert research.starts_at is not None and research.ends_at is not None
        assert stages.stage_row(issue, Stage.AGENDA_SETTING).ends_at is None
        log = db.session.scalars(db.select(ActivityLog).order_by(ActivityLog.id)).all()
        assert [(e.kind, e.payload["stage"], e.payload["previous"], e.actor_id) for e in log] == [
            ("stage_opened", "research", "agenda_setting", user.id),
            ("stage_opened", "inform", "research", user.id),
            ("stage_opened", "agenda_setting", "inform", user.id),
        ]
        assert log[-1].payload["reopened"] is True


def test_cannot_advance_past_the_last_stage_or_reopen_the_current(app, issue_id):
    with app.test_request_context():
        issue = _issue(issue_id)
        stages.open_stage(issue, "response", None)
        with pytest.raises(AgoraError) as error:
            stages.advance(issue, None)
        assert (error.value.status, error.value.code) == (409, "last_stage")
        with pytest.raises(AgoraError) as error:
            stages.open_stage(issue, "response", None)
        assert (error.value.status, error.value.code) == (409, "stage_already_open")
        assert db.session.scalar(db.select(db.func.count()).select_from(ActivityLog)) == 1


def test_signal_is_sent_after_commit_for_notification_only(app, issue_id):
    seen = []

    def receiver(sender, **kwargs):
        # A separate connection sees the new stage only if the change was committed.
        with db.engine.connect() as conn:
            stored = conn.execute(db.select(Issue.current_stage).where(Issue.id == kwargs["issue_id"])).scalar_one()
        seen.append((kwargs["stage"], kwargs["previous"], str(stored), kwargs["changed_at"].tzinfo is not None))

    signals.stage_changed.connect(receiver)
    try:
        with app.app_context():
            change = stages.open_stage(_issue(issue_id), Stage.INFORM, None)
            assert seen == []  # nothing is announced before the caller commits
            db.session.commit()
            stages.announce(change)
    finally:
        signals.stage_changed.disconnect(receiver)
    assert seen == [("inform", "agenda_setting", "inform", True)]


def test_api_issue_has_stages(app, client, issue_id):
    with app.app_context():
        stages.advance(_issue(issue_id), None)
        db.session.commit()
    data = client.get(f"/api/v1/issues/{issue_id}").get_json()
    assert [s["key"] for s in data["stages"]] == [s.value for s in STAGE_ORDER]
    current = [s for s in data["stages"] if s["current"]]
    assert [s["key"] for s in current] == ["research"]
    assert current[0]["starts_at"].endswith("+00:00") and current[0]["ends_at"] is None
    assert data["stages"][0]["ends_at"] is not None
    assert [s["voting_open"] for s in data["stages"]] == [True, False, False, False, True, False, False]


def test_voting_closed_answers_409_and_stores_nothing(app, api, issue_id):
    statement_id = make_statement(app, issue_id, "Keep taxis")
    ok = api.post(f"/api/v1/issues/{issue_id}/votes", json={"statement_id": statement_id, "vote": "agree"})
    assert ok.status_code == 201
    with app.app_context():
        stages.advance(_issue(issue_id), None)  # research: voting closed
        db.session.commit()
    refused = api.post(f"/api/v1/issues/{issue_id}/votes", json={"statement_id": statement_id, "vote": "disagree"})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "voting_closed"
    posted = api.post(f"/api/v1/issues/{issue_id}/statements", json={"text": "A new idea"})
    assert posted.status_code == 409
    with app.app_context():
        assert db.session.scalar(db.select(Vote.value)) == 1
        assert db.session.scalar(db.select(db.func.count()).select_from(Statement)) == 1
        stages.open_stage(_issue(issue_id), Stage.VOTING, None)  # voting: open again
        db.session.commit()
    again = api.post(f"/api/v1/issues/{issue_id}/votes", json={"statement_id": statement_id, "vote": "disagree"})
    assert again.status_code == 200


def test_vote_reads_only_the_current_stage_flag(app, api, issue_id):
    """The vote request reads the current stage's ``voting_open`` alone, not the seven stage rows."""
    from sqlalchemy import event

    statement_id = make_statement(app, issue_id, "Keep taxis")
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        ok = api.post(f"/api/v1/issues/{issue_id}/votes", json={"statement_id": statement_id, "vote": "agree"})
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert ok.status_code == 201
    stage_queries = [sql for sql in seen if "issue_stage" in sql]
    assert len(stage_queries) == 1
    assert "voting_open" in stage_queries[0] and "description" not in stage_queries[0]


def test_voting_open_follows_the_flag_whether_or_not_the_stages_are_loaded(app, api, issue_id):
    with app.app_context():
        issue = _issue(issue_id)
        row = stages.stage_row(issue, issue.current_stage)
        stages.update_stage(
            issue, row.key, starts_at=row.starts_at, ends_at=None, description="", voting_open=False, actor_id=None
        )
        assert stages.voting_open(issue) is False  # loaded rows, change not yet committed
        db.session.commit()
        unloaded = db.session.get(Issue, issue_id, options=[lazyload(Issue.stages)], populate_existing=True)
        assert "stages" in inspect(unloaded).unloaded
        assert stages.voting_open(unloaded) is False
        assert "stages" in inspect(unloaded).unloaded  # answered without loading them
    statement_id = make_statement(app, issue_id, "Keep taxis")
    refused = api.post(
        f"/api/v1/issues/{issue_id}/votes",
        json={"statement_id": statement_id, "vote": "agree"},
        headers={"Accept-Language": "en"},
    )
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "voting_closed"
    assert refused.get_json()["error"]["message"].startswith("Voting is closed in the current stage")
    with app.app_context():
        # An issue stored without stage rows follows the defaults (agenda setting: open).
        db.session.execute(delete(IssueStage).where(IssueStage.issue_id == issue_id))
        db.session.commit()
        bare = db.session.get(Issue, issue_id, options=[lazyload(Issue.stages)], populate_existing=True)
        assert stages.voting_open(bare) is True
        assert stages.voting_open(_issue(issue_id)) is True
    again = api.post(f"/api/v1/issues/{issue_id}/votes", json={"statement_id": statement_id, "vote": "agree"})
    assert again.status_code == 201


def test_issue_page_shows_the_timeline(app, client, issue_id):
    with app.app_context():
        stages.advance(_issue(issue_id), None)
        db.session.commit()
    page = client.get("/issues/uber", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'aria-current="step"' in page
    timeline = page[page.index('class="timeline"') :]
    assert timeline.index("Agenda setting") < timeline.index("Research") < timeline.index("Response")
    current = timeline[timeline.index('aria-current="step"') :]
    assert current.split("</li>")[0].count("Research") == 1


def test_public_activity_log(app, client, issue_id):
    with app.app_context():
        stages.advance(_issue(issue_id), None)
        db.session.commit()
    page = client.get("/issues/uber/activity", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Stage “Research” opened (was “Agenda setting”)." in page
