"""Property tests (issue 14): arbitrary JSON and form input never gets a 5xx, and a refusal changes nothing.

Every POST route of the app is driven, found from the URL map (so a route added later is covered
without editing this file): the JSON API with arbitrary JSON values, raw bytes and bodies of odd
shapes; the form routes with arbitrary field values, as an anonymous citizen, a facilitator and a
ministry member. Each run is bounded (a few dozen examples per route group).
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.extensions import db
from tests.support.issues import make_issue, make_statement

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

HOSTILE = ["\ud800", "\udfff", "\u200b", "\u202e", "\u2028", "\x00", "\x1b", "²", "١٢", "\r\n", "\ufeff", "%00", "../"]
NUMBERS = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([0, 1, -1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, 2**70]),
    st.floats(allow_nan=False),
)
TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(HOSTILE),
    st.lists(st.sampled_from(HOSTILE + ["a", " ", "1"]), max_size=8).map("".join),
    NUMBERS.map(str),
)
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), NUMBERS, TEXT),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(TEXT | st.sampled_from(["text", "vote"]), children, max_size=4)
    ),
    max_leaves=12,
)
API_FIELDS = ["text", "statement_id", "vote", "issue_id"]


def _table_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
        if table.name != "alembic_version"
    }


def _fill(rule, world: dict, draw_int) -> str:
    values = {}
    for name in rule.arguments:
        if name == "slug":
            values[name] = world["slug"]
        elif name == "token":
            values[name] = "x" * 8
        else:
            values[name] = draw_int
    return rule.build(values, append_unknown=False)[1]


def _post_rules(app, *, api: bool):
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if "POST" in rule.methods and rule.rule.startswith("/api/") == api and rule.endpoint != "static"
        ),
        key=lambda rule: rule.rule,
    )


@pytest.fixture
def world(app):
    issue_id = make_issue(app, slug="fuzz")
    statement_id = make_statement(app, issue_id, "A statement to vote on")
    from app.models import DiscussionTopic

    with app.app_context():
        topic = DiscussionTopic(issue_id=issue_id, title="Topic", body="")
        db.session.add(topic)
        db.session.commit()
        topic_id = topic.id
    return {"slug": "fuzz", "issue_id": issue_id, "statement_id": statement_id, "topic_id": topic_id}


def _assert_json_error(response) -> None:
    body = response.get_json(silent=True)
    assert isinstance(body, dict) and set(body["error"]) >= {"code", "message"}, response.get_data()[:300]
    assert body["error"]["message"]


def test_every_api_write_route_is_found(app):
    endpoints = {rule.endpoint for rule in _post_rules(app, api=True)}
    assert {"api.create_statement", "api.vote"} <= endpoints


@FUZZ
@given(data=st.data())
def test_api_write_routes_answer_arbitrary_json_with_2xx_or_a_4xx_json_error(app, api, world, data):
    rule = data.draw(st.sampled_from(_post_rules(app, api=True)))
    path_id = data.draw(st.sampled_from([world["issue_id"], 1, 2**31, 2**63 - 1]))
    url = _fill(rule, world, path_id)
    shape = data.draw(st.sampled_from(["fields", "any", "raw"]))
    if shape == "fields":
        value = data.draw(st.dictionaries(st.sampled_from(API_FIELDS), JSON_VALUES, max_size=3))
        body = json.dumps(value).encode()
    elif shape == "any":
        body = json.dumps(data.draw(JSON_VALUES)).encode()
    else:
        body = data.draw(st.binary(max_size=64) | st.sampled_from([b"[" * 5000, b'{"text": "\\ud800"}', b"{"]))
    with app.app_context():
        before = _table_counts()
    response = api.post(url, data=body, headers={"Content-Type": "application/json"})
    assert response.status_code < 500, (url, body[:200], response.get_data()[:300])
    if response.status_code >= 400:
        _assert_json_error(response)
        with app.app_context():
            assert _table_counts() == before, (url, body[:200])
    else:
        assert response.status_code in (200, 201)


def _form_values(data, names: list[str]) -> dict[str, str]:
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    plain = st.text(max_size=30).filter(lambda s: not re.search(r"[\ud800-\udfff]", s))
    hostile = st.sampled_from([h for h in HOSTILE if not "\ud800" <= h[0] <= "\udfff"])
    value = plain | hostile | NUMBERS.map(str) | st.sampled_from(["agree", "en", "zh_TW", "accept", "1", "lazy"])
    return {name: data.draw(value) for name in chosen}


FORM_FIELDS = [
    "text", "statement_id", "vote", "next", "body", "parent_id", "locale", "email", "password", "remember",
    "title", "slug", "description", "steward_agency", "statement_max_length", "inform_response_days",
    "final_response_days", "moderation_mode", "summary", "held_at", "objective", "objective_statements",
    "outcome", "reasons", "statements", "action", "stage", "key", "verdict", "days", "reason", "confirm",
    "stages-0-key", "stages-0-starts_at", "stages-0-ends_at", "stages-0-description", "stages-0-voting_open",
]  # fmt: skip


@pytest.mark.parametrize("role", [None, "facilitator", "ministry"])
def test_form_routes_answer_arbitrary_fields_without_a_5xx(app, client, auth, world, role):
    if role is not None:
        auth.login(role)
    client.get("/api/v1/session")  # the session's participant exists before the fuzzing starts
    rules = _post_rules(app, api=False)
    assert {"pages.vote", "process.reply", "console.new_issue"} <= {rule.endpoint for rule in rules}

    @FUZZ
    @given(data=st.data())
    def run(data):
        rule = data.draw(st.sampled_from([r for r in rules if r.endpoint != "auth.logout"]))
        path_id = data.draw(st.sampled_from([1, world["topic_id"], 2**31, 2**63 - 1]))
        url = _fill(rule, world, path_id)
        fields = _form_values(data, FORM_FIELDS)
        with app.app_context():
            before = _table_counts()
        response = auth.post(url, data=fields)
        assert response.status_code < 500, (url, fields, response.get_data()[:300])
        if response.status_code >= 400:
            with app.app_context():
                assert _table_counts() == before, (url, fields, response.status_code)

    run()
