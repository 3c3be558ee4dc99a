"""Helpers shared by the ministry-response and following tests."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Issue, MinistryResponse, OpinionSnapshot, ResponseKind, Role
from app.services.opinion.payload import empty_payload
from tests.support.issues import make_issue, make_statement

AGENCY = "交通部"


def speak_english(client) -> None:
    """Pages in English for the assertions (the site's default language is zh-TW)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def open_stage(auth, slug: str, stage: str) -> None:
    """A facilitator opens ``stage`` in the console (then the client is logged out)."""
    auth.login(Role.FACILITATOR)
    response = auth.post(f"/console/issues/{slug}/stages/open", data={"stage": stage})
    assert response.status_code == 302, response.get_data(as_text=True)
    auth.logout()


def setup_issue(app, **fields) -> tuple[int, str, list[int]]:
    """An issue stewarded by AGENCY with three accepted statements and an opinion snapshot."""
    issue_id = make_issue(app, steward_agency=AGENCY, **fields)
    texts = [
        "Ride-sharing drivers need a professional licence",
        "Insurance must cover passengers",
        "Keep taxi fares regulated",
    ]
    statements = [make_statement(app, issue_id, text) for text in texts]
    with app.app_context():
        db.session.add(
            OpinionSnapshot(
                issue_id=issue_id,
                tick=1,
                vote_event_watermark=0,
                state={},
                result={
                    **empty_payload(issue_id),
                    "tick": 1,
                    "computed_at": "2026-01-01T00:00:00Z",
                    "groups": [
                        {
                            "id": 0,
                            "representative": [
                                {
                                    "statement_id": statements[0],
                                    "by_group": [{"group_id": 0, "agree": 0.9, "disagree": 0.1}],
                                }
                            ],
                        },
                        {"id": 1, "representative": [{"statement_id": statements[2]}]},
                    ],
                    "majority": {"agree": [{"statement_id": statements[1]}], "disagree": []},
                    "group_informed_consensus": [],
                },
            )
        )
        db.session.commit()
        slug = db.session.get(Issue, issue_id).slug
    return issue_id, slug, statements


def the_response(app, issue_id: int, kind: ResponseKind = ResponseKind.INFORM) -> MinistryResponse | None:
    with app.app_context():
        response = db.session.scalar(select(MinistryResponse).filter_by(issue_id=issue_id, kind=kind))
        if response is not None:
            db.session.expunge(response)
        return response


def full_answers(statements: list[int], verdict: str = "accepted") -> dict[str, str]:
    data = {"summary": "We have **read** every statement."}
    for sid in statements:
        data[f"verdict-statement-{sid}"] = verdict
        data[f"reasons-statement-{sid}"] = f"Reasons for {sid}."
    return data
