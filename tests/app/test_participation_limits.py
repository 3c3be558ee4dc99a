"""Issue 11, point 1: participants are made by their first write, and new ones are limited per address."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Participant, Statement, Vote, VoteEvent
from tests.support.issues import count, make_issue, make_statement

ZH = {"Accept-Language": "zh-TW"}


def vote(client, token, issue_id, statement_id, headers=None):
    return client.post(
        f"/api/v1/issues/{issue_id}/votes",
        json={"statement_id": statement_id, "vote": "agree"},
        headers={"X-CSRFToken": token, **(headers or {})},
    )


def fresh(app, address="203.0.113.7"):
    """A cookie-less client from ``address``, as a script or a new visitor would be."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = client.get("/api/v1/session").get_json()["csrf_token"]
    return client, token


def test_reading_creates_no_participant(app, client):
    issue_id = make_issue(app)
    make_statement(app, issue_id, "Night buses")
    for path in ["/api/v1/session", f"/api/v1/issues/{issue_id}", f"/api/v1/issues/{issue_id}/next-statement", "/"]:
        assert client.get(path).status_code in (200, 204)
    assert client.get("/api/v1/session").get_json()["participant_id"] is None
    assert count(app, Participant) == 0


def test_the_first_write_makes_the_participant_and_the_session_names_it(app, api):
    issue_id = make_issue(app)
    statement_id = make_statement(app, issue_id, "Night buses")
    assert api.participant_id is None
    assert (
        api.post(f"/api/v1/issues/{issue_id}/votes", json={"statement_id": statement_id, "vote": "pass"}).status_code
        == 201
    )
    participant_id = api.participant_id
    assert participant_id is not None
    with app.app_context():
        participant = db.session.get(Participant, participant_id)
        assert participant.address_key and participant.address_key != "127.0.0.1"  # a keyed hash, not the address
    assert count(app, Participant) == 1


def test_a_refused_first_write_makes_no_participant(app, api):
    issue_id = make_issue(app)
    assert api.post(f"/api/v1/issues/{issue_id}/statements", json={"text": ""}).status_code == 400
    assert api.post(f"/api/v1/issues/{issue_id}/votes", json={"statement_id": 999, "vote": "agree"}).status_code == 404
    assert count(app, Participant) == 0


@pytest.fixture
def limited(app_config):
    app_config["RATELIMIT_ENABLED"] = True
    app_config["AGORA_NEW_PARTICIPANT_RATE_LIMIT"] = "3 per hour"


def test_new_participants_per_address_are_limited(limited, app):
    issue_id = make_issue(app)
    statement_id = make_statement(app, issue_id, "Night buses")
    statuses = []
    for _ in range(4):
        client, token = fresh(app)
        statuses.append(vote(client, token, issue_id, statement_id).status_code)
    assert statuses == [201, 201, 201, 429]
    client, token = fresh(app)
    refused = vote(client, token, issue_id, statement_id, headers=ZH)
    assert refused.status_code == 429
    error = refused.get_json()["error"]
    assert error["code"] == "too_many_new_participants" and "網路" in error["message"]
    # Nothing stored for the refused ones.
    assert count(app, Participant) == 3 and count(app, Vote) == 3 and count(app, VoteEvent) == 3
    # Another address is not affected, and a known participant keeps writing.
    other, other_token = fresh(app, "198.51.100.1")
    assert vote(other, other_token, issue_id, statement_id).status_code == 201


def test_the_limit_counts_participants_not_writes(limited, app):
    issue_id = make_issue(app)
    ids = [make_statement(app, issue_id, f"Statement {n}") for n in range(5)]
    client, token = fresh(app)
    assert [vote(client, token, issue_id, sid).status_code for sid in ids] == [201] * 5
    assert count(app, Participant) == 1


def test_statements_and_the_page_forms_are_limited_too(limited, app):
    issue_id = make_issue(app)
    for n in range(3):
        client, token = fresh(app)
        posted = client.post(
            f"/api/v1/issues/{issue_id}/statements", json={"text": f"Idea {n}"}, headers={"X-CSRFToken": token}
        )
        assert posted.status_code == 201
    client, token = fresh(app)
    refused = client.post(
        f"/api/v1/issues/{issue_id}/statements", json={"text": "One more"}, headers={"X-CSRFToken": token}
    )
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "too_many_new_participants"
    with app.app_context():
        assert db.session.scalar(select(Statement.id).where(Statement.text == "One more")) is None


def test_a_venue_with_a_raised_limit_gets_through(app_config):
    from app import create_app

    app_config["RATELIMIT_ENABLED"] = True
    app_config["AGORA_NEW_PARTICIPANT_RATE_LIMIT"] = "500 per hour"
    venue = create_app(app_config)
    issue_id = make_issue(venue)
    statement_id = make_statement(venue, issue_id, "Night buses")
    statuses = set()
    try:
        for _ in range(150):  # more than the default 100 per hour, all from one shared Wi-Fi address
            client, token = fresh(venue, "192.0.2.50")
            statuses.add(vote(client, token, issue_id, statement_id).status_code)
        assert statuses == {201}
        assert count(venue, Participant) == 150
    finally:
        with venue.app_context():
            db.session.remove()
            db.engine.dispose()


def test_default_limit_is_100_per_hour(app):
    assert app.config["AGORA_NEW_PARTICIPANT_RATE_LIMIT"] == "100 per hour"
