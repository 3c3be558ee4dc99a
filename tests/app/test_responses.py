"""Ministry responses: opened by stage changes, published point by point, extended."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.extensions import db
from app.models import (
    DecisionOutcome,
    DecisionProposal,
    Issue,
    MinistryResponse,
    ModerationStatus,
    ResponseExtension,
    ResponseKind,
    ResponsePoint,
    Role,
)
from tests.support.issues import count, make_issue, make_participant, make_statement, make_vote
from tests.support.ministry import (
    AGENCY,
    full_answers,
    open_stage,
    setup_issue,
    speak_english,
    the_response,
)

START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Taipei


@pytest.fixture(autouse=True)
def english(client):
    speak_english(client)


@pytest.fixture(autouse=True)
def clock():
    """Frozen time from START; tests move it forward only (signed cookies refuse the future)."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_inform_opens_a_response_due_in_seven_days_once(app, auth, clock):
    issue_id, slug, _ = setup_issue(app)
    open_stage(auth, slug, "inform")
    response = the_response(app, issue_id)
    assert response.opened_at == START
    assert response.due_at == response.original_due_at == START + timedelta(days=7)
    assert response.answered_at is None

    # Reopening inform later neither adds a response nor moves the deadline.
    clock.move_to(START + timedelta(days=2))
    open_stage(auth, slug, "research")
    open_stage(auth, slug, "inform")
    assert count(app, MinistryResponse, issue_id=issue_id) == 1
    assert the_response(app, issue_id).due_at == START + timedelta(days=7)


def test_response_periods_are_configurable_per_issue(app, auth):
    issue_id, slug, _ = setup_issue(app, inform_response_days=10, final_response_days=30)
    open_stage(auth, slug, "inform")
    open_stage(auth, slug, "response")
    assert the_response(app, issue_id).due_at == START + timedelta(days=10)
    final = the_response(app, issue_id, ResponseKind.FINAL)
    assert final.due_at == START + timedelta(days=30)
    assert count(app, MinistryResponse, issue_id=issue_id) == 2


def test_default_final_response_is_due_in_sixty_days(app, auth):
    issue_id, slug, _ = setup_issue(app)
    open_stage(auth, slug, "response")
    assert the_response(app, issue_id, ResponseKind.FINAL).due_at == START + timedelta(days=60)
    assert the_response(app, issue_id) is None  # inform never opened


def test_issue_page_shows_the_countdown_and_the_form_lists_each_point(app, auth, client, clock):
    issue_id, slug, statements = setup_issue(app)
    open_stage(auth, slug, "inform")
    clock.move_to(START + timedelta(days=2, hours=1))
    page = client.get(f"/issues/{slug}").get_data(as_text=True)
    assert "Due in 5 days" in page
    assert "Write the response" not in page  # citizens get no ministry actions

    auth.login(Role.MINISTRY, agency=AGENCY)
    form = client.get(f"/ministry/responses/{the_response(app, issue_id).id}")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    for sid in statements:
        assert f'name="verdict-statement-{sid}"' in html
        assert f'name="reasons-statement-{sid}"' in html
    assert "Representative of group A" in html and "Common ground across groups" in html
    assert "group A: 90% agree, 10% disagree" in html


def test_ministry_publishes_on_time_then_the_badge_says_so(app, auth, client, clock):
    issue_id, slug, statements = setup_issue(app)
    open_stage(auth, slug, "inform")
    response_id = the_response(app, issue_id).id
    publisher = auth.login(Role.MINISTRY, agency=AGENCY)
    clock.move_to(START + timedelta(days=6))
    answers = full_answers(statements)
    answers[f"verdict-statement-{statements[2]}"] = "not_adopted"
    result = auth.post(f"/ministry/responses/{response_id}", data=answers)
    assert result.status_code == 302
    assert result.headers["Location"].endswith(f"/issues/{slug}#response-{response_id}")

    response = the_response(app, issue_id)
    assert response.answered_at == START + timedelta(days=6)
    assert response.published_by_id == publisher.id
    with app.app_context():
        points = db.session.scalars(
            select(ResponsePoint).filter_by(response_id=response_id).order_by(ResponsePoint.position)
        ).all()
        assert {p.statement_id: p.verdict.value for p in points} == {
            statements[0]: "accepted",
            statements[1]: "accepted",
            statements[2]: "not_adopted",
        }
        by_statement = {p.statement_id: p for p in points}
        assert by_statement[statements[0]].group_ids == [0]
        assert by_statement[statements[1]].source.value == "consensus"
        assert by_statement[statements[2]].subject == "Keep taxi fares regulated"

    clock.move_to(START + timedelta(days=40))
    page = client.get(f"/issues/{slug}").get_data(as_text=True)
    assert "Answered on time" in page
    assert "<strong>read</strong>" in page
    assert "Not adopted" in page and f"Reasons for {statements[2]}." in page

    # Published once: the form now leads back to the issue and a second POST changes nothing.
    again = auth.post(f"/ministry/responses/{response_id}", data=full_answers(statements, "under_study"))
    assert again.status_code == 302
    assert count(app, ResponsePoint, response_id=response_id) == 3


def test_a_late_answer_says_late_by_n_days(app, auth, client, clock):
    issue_id, slug, statements = setup_issue(app)
    open_stage(auth, slug, "inform")
    response_id = the_response(app, issue_id).id
    clock.move_to(START + timedelta(days=9))
    assert "Overdue by 2 days" in client.get("/responses").get_data(as_text=True)
    auth.login(Role.MINISTRY, agency=AGENCY)
    assert auth.post(f"/ministry/responses/{response_id}", data=full_answers(statements)).status_code == 302
    assert "Late by 2 days" in client.get(f"/issues/{slug}").get_data(as_text=True)


def test_missing_points_are_refused_with_the_list_and_nothing_is_stored(app, auth):
    issue_id, slug, statements = setup_issue(app)
    open_stage(auth, slug, "inform")
    response_id = the_response(app, issue_id).id
    auth.login(Role.MINISTRY, agency=AGENCY)
    answers = full_answers(statements)
    del answers[f"verdict-statement-{statements[1]}"]  # no verdict
    answers[f"reasons-statement-{statements[2]}"] = "   "  # blank reasons
    result = auth.post(f"/ministry/responses/{response_id}", data=answers)
    assert result.status_code == 400
    html = result.get_data(as_text=True)
    message = re.search(r'id="answer-error"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert "Insurance must cover passengers" in message and "Keep taxi fares regulated" in message
    assert "professional licence" not in message
    assert f"Reasons for {statements[0]}." in html  # what was typed is kept
    assert the_response(app, issue_id).answered_at is None
    assert count(app, ResponsePoint) == 0

    bad_verdict = full_answers(statements)
    bad_verdict[f"verdict-statement-{statements[0]}"] = "maybe"
    assert auth.post(f"/ministry/responses/{response_id}", data=bad_verdict).status_code == 400
    assert count(app, ResponsePoint) == 0


def test_without_a_map_the_most_agreed_statements_are_answered(app, auth):
    issue_id = make_issue(app, steward_agency=AGENCY)
    popular = make_statement(app, issue_id, "Popular")
    unvoted = make_statement(app, issue_id, "Nobody voted yet")
    rejected = make_statement(app, issue_id, "Rejected spam", status=ModerationStatus.REJECTED)
    meta = make_statement(app, issue_id, "A meta remark", is_meta=True)
    for _ in range(2):
        voter = make_participant(app)
        for sid in (popular, rejected, meta):
            make_vote(app, issue_id, voter, sid, 1)
    with app.app_context():
        slug = db.session.get(Issue, issue_id).slug
    open_stage(auth, slug, "inform")
    auth.login(Role.MINISTRY, agency=AGENCY)
    html = auth.client.get(f"/ministry/responses/{the_response(app, issue_id).id}").get_data(as_text=True)
    names = re.findall(r'name="verdict-statement-(\d+)" value="accepted"', html)
    assert [int(n) for n in names] == [popular, unvoted]
    assert "Rejected spam" not in html and "A meta remark" not in html


def test_final_response_must_answer_every_proposal_and_inform_point(app, auth):
    issue_id, slug, statements = setup_issue(app)
    open_stage(auth, slug, "inform")
    auth.login(Role.MINISTRY, agency=AGENCY)
    assert (
        auth.post(f"/ministry/responses/{the_response(app, issue_id).id}", data=full_answers(statements)).status_code
        == 302
    )
    with app.app_context():
        proposal = DecisionProposal(
            issue_id=issue_id,
            title="Licence drivers like taxi drivers",
            outcome=DecisionOutcome.ADOPTED,
        )
        db.session.add(proposal)
        db.session.commit()
        proposal_id = proposal.id
    open_stage(auth, slug, "response")
    final_id = the_response(app, issue_id, ResponseKind.FINAL).id
    auth.login(Role.MINISTRY, agency=AGENCY)

    refused = auth.post(f"/ministry/responses/{final_id}", data=full_answers(statements))
    assert refused.status_code == 400
    assert "Licence drivers like taxi drivers" in refused.get_data(as_text=True)
    assert count(app, ResponsePoint, response_id=final_id) == 0

    answers = full_answers(statements, "under_study")
    answers[f"verdict-proposal-{proposal_id}"] = "accepted"
    answers[f"reasons-proposal-{proposal_id}"] = "The amendment is in the Legislative Yuan."
    assert auth.post(f"/ministry/responses/{final_id}", data=answers).status_code == 302
    with app.app_context():
        points = db.session.scalars(select(ResponsePoint).filter_by(response_id=final_id)).all()
        assert {p.decision_proposal_id for p in points} == {proposal_id, None}
        assert sorted(p.statement_id for p in points if p.statement_id) == sorted(statements)


def test_extension_needs_a_reason_and_a_later_date_and_keeps_the_original(app, auth, client, clock):
    issue_id, slug, statements = setup_issue(app)
    open_stage(auth, slug, "inform")
    response_id = the_response(app, issue_id).id
    auth.login(Role.MINISTRY, agency=AGENCY)
    url = f"/ministry/responses/{response_id}/extend"
    clock.move_to(START + timedelta(days=5))
    assert auth.post(url, data={"reason": "", "new_due_at": "2026-03-20T17:00"}).status_code == 400
    earlier = auth.post(url, data={"reason": "More time", "new_due_at": "2026-03-05T10:00"})
    assert earlier.status_code == 400 and "later than the current one" in earlier.get_data(as_text=True)
    assert auth.post(url, data={"reason": "More time", "new_due_at": "soon"}).status_code == 400
    assert count(app, ResponseExtension) == 0
    assert the_response(app, issue_id).due_at == START + timedelta(days=7)

    ok = auth.post(url, data={"reason": "Waiting for the *Executive Yuan*", "new_due_at": "2026-03-20T17:00"})
    assert ok.status_code == 302
    response = the_response(app, issue_id)
    new_due = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)  # 17:00 in Taipei
    assert response.due_at == new_due
    assert response.original_due_at == START + timedelta(days=7)
    with app.app_context():
        extension = db.session.scalar(select(ResponseExtension))
        assert extension.previous_due_at == START + timedelta(days=7) and extension.new_due_at == new_due

    # After the original deadline but before the new one, the response is open, not overdue.
    clock.move_to(START + timedelta(days=10))
    page = client.get(f"/issues/{slug}").get_data(as_text=True)
    assert "Due in 9 days" in page and "Originally due" in page  # 8 days 7 hours left
    assert "<em>Executive Yuan</em>" in page
    assert auth.post(f"/ministry/responses/{response_id}", data=full_answers(statements)).status_code == 302
    assert "Answered on time" in client.get(f"/issues/{slug}").get_data(as_text=True)

    # An answered response cannot be extended any more.
    refused = auth.post(url, data={"reason": "Again", "new_due_at": "2026-04-30T17:00"})
    assert refused.status_code == 409
    assert count(app, ResponseExtension) == 1


def test_citizens_and_other_agencies_are_refused_and_nothing_changes(app, auth):
    issue_id, slug, statements = setup_issue(app)
    open_stage(auth, slug, "inform")
    response_id = the_response(app, issue_id).id
    answer_url = f"/ministry/responses/{response_id}"
    extend_url = f"{answer_url}/extend"
    extension = {"reason": "Because", "new_due_at": "2099-01-01T10:00"}

    # Anonymous visitors are sent to log in.
    assert auth.client.get(answer_url).status_code == 302
    assert auth.post(answer_url, data=full_answers(statements)).status_code == 302

    for role, agency in (
        (Role.CITIZEN, None),
        (Role.FACILITATOR, None),
        (Role.MINISTRY, "衛生福利部"),
    ):
        auth.login(role, agency=agency)
        assert auth.client.get(answer_url).status_code == 403
        assert auth.post(answer_url, data=full_answers(statements)).status_code == 403
        assert auth.client.get(extend_url).status_code == 403
        assert auth.post(extend_url, data=extension).status_code == 403
    # A member of another agency has a dashboard, without this issue on it.
    dashboard = auth.client.get("/ministry/")
    assert dashboard.status_code == 200 and f"/ministry/responses/{response_id}" not in dashboard.get_data(as_text=True)
    auth.login(Role.CITIZEN)
    assert auth.client.get("/ministry/").status_code == 403

    response = the_response(app, issue_id)
    assert response.answered_at is None and response.due_at == response.original_due_at
    assert count(app, ResponsePoint) == 0 and count(app, ResponseExtension) == 0

    # An admin may answer for any agency.
    auth.login(Role.ADMIN)
    assert auth.post(answer_url, data=full_answers(statements)).status_code == 302
    assert the_response(app, issue_id).answered_at is not None


def test_dashboard_lists_only_the_agency_s_responses(app, auth):
    _, slug, _ = setup_issue(app, title="Uber and taxis")
    other_id = make_issue(app, steward_agency="衛生福利部", title="Telemedicine")
    with app.app_context():
        other_slug = db.session.get(Issue, other_id).slug
    open_stage(auth, slug, "inform")
    open_stage(auth, other_slug, "inform")
    auth.login(Role.MINISTRY, agency=AGENCY)
    html = auth.client.get("/ministry/").get_data(as_text=True)
    assert "Uber and taxis" in html and "Telemedicine" not in html


def test_markdown_payloads_in_reasons_do_nothing(app, auth, client):
    issue_id, slug, statements = setup_issue(app)
    open_stage(auth, slug, "inform")
    auth.login(Role.MINISTRY, agency=AGENCY)
    answers = full_answers(statements)
    answers[f"reasons-statement-{statements[0]}"] = (
        '<script>alert(1)</script> <img src=x onerror="alert(2)"> [click](javascript:alert(3))'
    )
    answers["summary"] = "<a href='javascript:alert(4)' onclick='alert(5)'>x</a>"
    assert auth.post(f"/ministry/responses/{the_response(app, issue_id).id}", data=answers).status_code == 302
    section = (
        client.get(f"/issues/{slug}").get_data(as_text=True).split('id="responses"', 1)[1].split('id="follow"', 1)[0]
    )
    assert "<script" not in section and "<img" not in section
    assert not re.search(r"<[^>]*\son\w+\s*=", section)  # no event-handler attribute on any tag
    assert not re.search(r"<a\b[^>]*href=[\"']?\s*javascript:", section, re.I)
    assert "&lt;script&gt;" in section  # shown as text, not run


def test_api_lists_responses_by_status(app, auth, client, clock):
    answered_id, answered_slug, statements = setup_issue(app)
    overdue_id = make_issue(app, steward_agency=AGENCY)
    open_id = make_issue(app, steward_agency=AGENCY)
    with app.app_context():
        slugs = {i: db.session.get(Issue, i).slug for i in (overdue_id, open_id)}
    open_stage(auth, answered_slug, "inform")
    open_stage(auth, slugs[overdue_id], "inform")
    clock.move_to(START + timedelta(days=6))
    open_stage(auth, slugs[open_id], "inform")
    auth.login(Role.MINISTRY, agency=AGENCY)
    auth.post(f"/ministry/responses/{the_response(app, answered_id).id}", data=full_answers(statements))
    auth.logout()

    clock.move_to(START + timedelta(days=8))
    everything = client.get("/api/v1/responses").get_json()
    by_status = {s: client.get(f"/api/v1/responses?status={s}").get_json() for s in ("open", "overdue", "answered")}
    page = client.get("/responses?status=overdue").get_data(as_text=True)
    assert len(everything) == 3
    assert [r["issue_id"] for r in by_status["open"]] == [open_id]
    assert [r["issue_id"] for r in by_status["overdue"]] == [overdue_id]
    assert [r["issue_id"] for r in by_status["answered"]] == [answered_id]
    item = by_status["answered"][0]
    assert item["kind"] == "inform" and item["status"] == "answered"
    assert item["due_at"] == "2026-03-09T02:00:00Z"
    assert item["answered_at"] == "2026-03-08T02:00:00Z"
    assert by_status["overdue"][0]["answered_at"] is None
    assert "Overdue by 1 day" in page and "Due in" not in page

    bad = client.get("/api/v1/responses?status=late")
    assert bad.status_code == 400
    assert bad.get_json()["error"]["code"] == "bad_status"
    assert "open, overdue or answered" in bad.get_json()["error"]["message"]
    assert client.get("/responses?status=late").status_code == 400
