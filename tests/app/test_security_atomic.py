"""Atomic side effects and idempotent double submits (issue 14, points 7, 8 and 12).

A stage change, the ministry's response deadline it starts and the followers' emails are written
in one transaction; publishing a response and advancing a stage happen once however often the
form is sent; a concurrent duplicate follow is answered like any other.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ActivityLog, Issue, IssueFollower, MinistryResponse, OutboxEmail, ResponsePoint, Role, Stage
from tests.support.issues import count
from tests.support.ministry import AGENCY, full_answers, open_stage, setup_issue, speak_english, the_response


@pytest.fixture(autouse=True)
def english(client):
    speak_english(client)


def _follower(app, issue_id: int, email: str = "reader@example.org") -> None:
    from app.models import utcnow

    with app.app_context():
        db.session.add(IssueFollower(issue_id=issue_id, email=email, locale="en", confirmed_at=utcnow()))
        db.session.commit()


def _stage(app, issue_id: int) -> Stage:
    with app.app_context():
        return db.session.get(Issue, issue_id).current_stage


def test_a_stage_change_writes_its_deadline_and_emails_in_the_same_transaction(app, auth):
    issue_id, slug, _ = setup_issue(app)
    _follower(app, issue_id)
    open_stage(auth, slug, "inform")
    assert _stage(app, issue_id) is Stage.INFORM
    assert the_response(app, issue_id) is not None
    assert count(app, OutboxEmail) == 1


def test_a_crash_while_queueing_the_emails_loses_nothing_and_stores_nothing(app, auth, monkeypatch):
    """Before: the stage was committed first and the deadline and emails were separate, swallowed steps."""
    issue_id, slug, _ = setup_issue(app)
    _follower(app, issue_id)
    from app.services.accountability import following

    def crash(**_):
        raise RuntimeError("the process died here")

    monkeypatch.setattr(following, "enqueue", crash)
    auth.login(Role.FACILITATOR)
    with pytest.raises(RuntimeError):
        auth.post(f"/console/issues/{slug}/stages/open", data={"stage": "inform"})
    assert _stage(app, issue_id) is Stage.AGENDA_SETTING
    assert the_response(app, issue_id) is None
    assert count(app, OutboxEmail) == 0
    assert count(app, ActivityLog) == 0


def test_a_double_advance_advances_one_stage(app, auth):
    issue_id, slug, _ = setup_issue(app)
    auth.login(Role.FACILITATOR)
    page = auth.client.get(f"/console/issues/{slug}").get_data(as_text=True)
    expected = re.search(r'name="from_stage" value="([a-z_]+)"', page).group(1)
    assert expected == "agenda_setting"
    first = auth.post(f"/console/issues/{slug}/stages/advance", data={"from_stage": expected})
    second = auth.post(f"/console/issues/{slug}/stages/advance", data={"from_stage": expected})
    assert first.status_code == 302 and second.status_code == 302
    assert _stage(app, issue_id) is Stage.RESEARCH
    assert count(app, ActivityLog) == 1


def test_a_double_open_of_the_same_stage_starts_one_deadline(app, auth):
    issue_id, slug, _ = setup_issue(app)
    auth.login(Role.FACILITATOR)
    for _ in range(2):
        response = auth.post(
            f"/console/issues/{slug}/stages/open", data={"stage": "inform", "from_stage": "agenda_setting"}
        )
        assert response.status_code == 302
    assert _stage(app, issue_id) is Stage.INFORM
    assert count(app, MinistryResponse) == 1
    assert count(app, ActivityLog) == 1


def test_a_stage_change_that_lost_a_race_changes_nothing(app, auth):
    """Two facilitators advance at once: the conditional update lets only the first through."""
    from app.exceptions import AgoraError
    from app.services.process import stages

    issue_id, _, _ = setup_issue(app)
    with app.app_context():
        stale = db.session.get(Issue, issue_id)
        assert stale.current_stage is Stage.AGENDA_SETTING
        with app.app_context():  # another request, another session
            stages.advance(db.session.get(Issue, issue_id), None)
            db.session.commit()
        with pytest.raises(AgoraError) as refused:
            stages.advance(stale, None, expected=Stage.AGENDA_SETTING)
        assert refused.value.status == 409
        db.session.rollback()
    assert _stage(app, issue_id) is Stage.RESEARCH
    assert count(app, ActivityLog) == 1


def test_a_double_publish_records_every_point_once(app, auth):
    issue_id, slug, statements = setup_issue(app)
    open_stage(auth, slug, "inform")
    response_id = the_response(app, issue_id).id
    auth.login(Role.MINISTRY, agency=AGENCY)
    from app.exceptions import AgoraError
    from app.services.accountability import responses

    with app.app_context():
        stale = responses.get_response(response_id)  # the first click's request has read it ...
        with app.app_context():  # ... when the second click's request publishes and commits
            user = _user(app, AGENCY)
            responses.publish_response(responses.get_response(response_id), user, "", _answers(statements))
            db.session.commit()
        with pytest.raises(AgoraError) as refused:
            responses.publish_response(stale, _user(app, AGENCY), "", _answers(statements))
        assert refused.value.code == "already_published"
        db.session.rollback()
    assert count(app, ResponsePoint, response_id=response_id) == 3


def _answers(statements):
    data = full_answers(statements)
    keys = {key.split("-", 1)[1] for key in data if key.startswith("verdict-")}
    return {key: (data[f"verdict-{key}"], data[f"reasons-{key}"]) for key in keys}


def _user(app, agency: str):
    from app.models import User

    return db.session.scalar(select(User).where(User.agency == agency, User.role == Role.MINISTRY))


def test_response_points_are_unique_per_position(app):
    from sqlalchemy.exc import IntegrityError

    from app.models import PointSource, Verdict, utcnow

    issue_id, _, _ = setup_issue(app)
    with app.app_context():
        response = MinistryResponse(issue_id=issue_id, kind="inform", opened_at=utcnow(), due_at=utcnow(),
                                    original_due_at=utcnow(), summary="")  # fmt: skip
        db.session.add(response)
        db.session.flush()
        for _ in range(2):
            db.session.add(ResponsePoint(response_id=response.id, position=0, source=PointSource.TOP,
                                         verdict=Verdict.ACCEPTED, reasons="x"))  # fmt: skip
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
