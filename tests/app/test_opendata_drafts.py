"""A draft issue's open data and reports (live and frozen) are 404 for the public, there for staff."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import FrozenReport, Issue, IssueStatus, Role, Stage
from app.services.process import stages
from tests.support.issues import make_issue, make_participant, make_statement, make_vote


@pytest.fixture
def draft(app):
    """A draft issue with a vote and a report frozen as its voting stage closed."""
    issue_id = make_issue(app, slug="draft-one", current_stage=Stage.VOTING, status=IssueStatus.DRAFT)
    statement = make_statement(app, issue_id, "Trams, not buses")
    make_vote(app, issue_id, make_participant(app), statement, 1)
    with app.app_context():
        stages.advance(db.session.get(Issue, issue_id), None)
        db.session.commit()
        report_id = db.session.scalar(select(FrozenReport.id).where(FrozenReport.issue_id == issue_id))
    assert report_id is not None
    return issue_id, report_id


def _urls(issue_id: int, report_id: int) -> tuple[list[str], list[str]]:
    pages = [
        "/issues/draft-one/export.zip",
        "/issues/draft-one/report",
        "/issues/draft-one/report.csv",
        f"/reports/{report_id}",
        f"/reports/{report_id}.csv",
    ]
    api = [
        *(f"/api/v1/issues/{issue_id}/export/{name}.csv" for name in ("votes", "comments", "participants-votes")),
        f"/api/v1/issues/{issue_id}/report",
        f"/api/v1/issues/{issue_id}/reports",
        f"/api/v1/reports/{report_id}",
    ]
    return pages, api


@pytest.mark.parametrize("role", [None, Role.CITIZEN, Role.MINISTRY])
def test_a_draft_is_404_to_the_public(app, client, auth, draft, role):
    if role is not None:
        auth.login(role=role)
    pages, api = _urls(*draft)
    for url in pages:
        assert client.get(url).status_code == 404, url
    for url in api:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.is_json and response.json["error"]["code"], url
    # Nothing on the public side links to them either.
    listing = client.get("/api/v1/issues").get_data(as_text=True)
    assert "draft-one" not in listing


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.ADMIN])
def test_staff_get_a_drafts_open_data_and_reports(app, client, auth, draft, role):
    issue_id, report_id = draft
    auth.login(role=role)
    pages, api = _urls(issue_id, report_id)
    for url in pages + api:
        assert client.get(url).status_code == 200, url
    votes = client.get(f"/api/v1/issues/{issue_id}/export/votes.csv").get_data(as_text=True).splitlines()
    assert votes[0] == "timestamp,datetime,comment-id,voter-id,vote" and votes[1].endswith(",0,0,1")
    assert client.get(f"/api/v1/reports/{report_id}").json["frozen"]["stage"] == "voting"


def test_publishing_the_draft_opens_them_to_everyone(app, client, draft):
    issue_id, report_id = draft
    with app.app_context():
        db.session.get(Issue, issue_id).status = IssueStatus.PUBLISHED
        db.session.commit()
    pages, api = _urls(issue_id, report_id)
    for url in pages + api:
        assert client.get(url).status_code == 200, url
