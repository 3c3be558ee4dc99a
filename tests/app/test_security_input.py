"""Hostile input gets a clear 4xx (issue 14, points 1, 2 and 13): ids, text, JSON shape, body size, redirects."""

from __future__ import annotations

import pytest

from app.models import DiscussionPost, Statement, Vote
from app.security.ids import MAX_ID, parse_id, parse_int
from app.security.redirects import is_safe_redirect
from app.security.text import fold, is_blank, text_problem
from tests.support.issues import count, make_issue, make_statement


@pytest.fixture
def issue_id(app):
    return make_issue(app)


@pytest.mark.parametrize(
    "raw, expected",
    [
        (1, 1),
        ("42", 42),
        (" 7 ", 7),
        (MAX_ID, MAX_ID),
        (str(MAX_ID), MAX_ID),
        (MAX_ID + 1, None),
        (2**70, None),
        (str(2**70), None),
        ("²", None),  # isdigit() is true, int() raises
        ("١٢", None),  # Arabic-Indic digits: int() reads 12
        ("１２", None),  # full-width digits
        ("1_000", None),  # int() accepts underscores
        (0, None),
        (-3, None),
        (True, None),
        (1.0, None),
        (None, None),
        ([], None),
    ],
)
def test_parse_id(raw, expected):
    assert parse_id(raw) == expected


def test_parse_int_keeps_signs_and_bounds():
    assert parse_int("-1") == -1
    assert parse_int("0", minimum=0) == 0
    assert parse_int("-1", minimum=0) is None
    assert parse_int("²") is None


@pytest.mark.parametrize("path", [f"/api/v1/issues/{2**63}", f"/api/v1/issues/{2**70}", "/api/v1/issues/١٢"])
def test_path_ids_beyond_the_database_are_404_json(client, issue_id, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_path_id_at_the_limit_is_a_plain_404(client):
    response = client.get(f"/api/v1/issues/{MAX_ID}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "issue_not_found"


@pytest.mark.parametrize("statement_id", ["²", 2**70, str(2**70), "١", -1, 0, 1.5, True, [1], {"a": 1}])
def test_vote_statement_ids_that_are_not_ids_are_400(app, api, issue_id, statement_id):
    make_statement(app, issue_id, "A statement")
    response = api.post(f"/api/v1/issues/{issue_id}/votes", json={"statement_id": statement_id, "vote": "agree"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "statement_invalid"
    assert count(app, Vote) == 0


def test_form_vote_with_a_superscript_id_is_400(app, auth, issue_id):
    make_statement(app, issue_id, "A statement")
    response = auth.post(f"/issues/{_slug(app, issue_id)}/votes", data={"statement_id": "²", "vote": "agree"})
    assert response.status_code == 400
    assert count(app, Vote) == 0


def _slug(app, issue_id: int) -> str:
    from app.extensions import db
    from app.models import Issue

    with app.app_context():
        return db.session.get(Issue, issue_id).slug


def test_lone_surrogate_in_json_is_400_not_a_driver_error(app, api, issue_id):
    body = b'{"text": "abc \\ud800 def"}'
    response = api.post(
        f"/api/v1/issues/{issue_id}/statements", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_json"
    assert count(app, Statement) == 0


@pytest.mark.parametrize("depth", [33, 5000, 200_000])
def test_deeply_nested_json_is_400(app, api, issue_id, depth):
    body = "[" * depth + "]" * depth
    response = api.post(f"/api/v1/issues/{issue_id}/votes", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_json"


def test_nesting_up_to_the_limit_is_still_json(app, api, issue_id):
    nested: object = "x"
    for _ in range(31):
        nested = [nested]
    response = api.post(f"/api/v1/issues/{issue_id}/statements", json={"text": nested})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "statement_invalid"


@pytest.mark.parametrize(
    "text",
    [
        "\u200b\u200b\u200b",  # zero-width spaces
        "\u202e\u202d\u2066\u2069",  # bidi controls
        "\ufeff \u200d\u2060",  # BOM, joiner, word joiner
    ],
)
def test_invisible_statements_are_empty(app, api, issue_id, text):
    response = api.post(f"/api/v1/issues/{issue_id}/statements", json={"text": text})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "statement_empty"
    assert count(app, Statement) == 0


def test_invisible_characters_do_not_make_a_duplicate_new(app, api, issue_id):
    first = api.post(f"/api/v1/issues/{issue_id}/statements", json={"text": "Buses should run all night"})
    assert first.status_code == 201
    again = api.post(f"/api/v1/issues/{issue_id}/statements", json={"text": "Buses\u200b should run\u202e all night"})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "statement_duplicate"


@pytest.mark.parametrize("text", ["bell \x07 rings", "escape \x1b[31m", "nul \x00"])
def test_control_characters_are_refused(app, api, issue_id, text):
    response = api.post(f"/api/v1/issues/{issue_id}/statements", json={"text": text})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "statement_invalid"


def test_text_guard_functions():
    assert text_problem("two\nlines") is None
    assert text_problem("two\nlines", single_line=True) == "line_break"
    assert text_problem("sep\u2028arator", single_line=True) == "line_break"
    assert text_problem("\ud800") == "surrogate"
    assert is_blank("\u200b \u202e")
    assert not is_blank("台北")
    assert fold("Ｂｕｓ\u200d  LANE") == "bus lane"


def test_reply_with_a_superscript_parent_is_a_clean_404(app, client, auth):
    from tests.app.test_security_discussion import make_topic

    slug, topic_id = make_topic(app)
    response = auth.post(f"/issues/{slug}/discussion/{topic_id}/replies", data={"body": "hi", "parent_id": "²"})
    assert response.status_code == 404
    assert count(app, DiscussionPost) == 0


def test_invisible_reply_is_refused(app, auth):
    from tests.app.test_security_discussion import make_topic

    slug, topic_id = make_topic(app)
    response = auth.post(f"/issues/{slug}/discussion/{topic_id}/replies", data={"body": "\u200b\u2066"})
    assert response.status_code == 400
    assert count(app, DiscussionPost) == 0


# Request size (point 2) -------------------------------------------------------------------------


def test_oversized_json_is_413_json_before_it_is_read(app, api, issue_id):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = b'{"text": "' + b"a" * limit + b'"}'
    response = api.post(
        f"/api/v1/issues/{issue_id}/statements", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert count(app, Statement) == 0


def test_oversized_multipart_is_413_before_parsing_or_csrf(app, client, issue_id, monkeypatch):
    from werkzeug import formparser

    parsed = []
    original = formparser.FormDataParser.parse
    monkeypatch.setattr(
        formparser.FormDataParser, "parse", lambda self, *a, **k: parsed.append(1) or original(self, *a, **k)
    )
    boundary = "agora-test-boundary"
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="upload"; filename="big.bin"\r\n\r\n'.encode()
        + big
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        f"/issues/{_slug(app, issue_id)}/statements",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert parsed == []  # refused by its declared length, not after spooling it to disk


def test_oversized_page_form_gets_a_413_page(app, client, issue_id):
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(f"/issues/{_slug(app, issue_id)}/statements", data={"text": big})
    assert response.status_code == 413


# Redirects (point 13) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target, safe",
    [
        ("/issues/a?x=1#y", True),
        ("/", True),
        ("", False),
        ("https://evil.example/", False),
        ("//evil.example/", False),
        ("/\\evil.example/", False),
        ("\\\\evil.example", False),
        ("/\t/evil.example", False),
        ("/\n/evil.example", False),
        ("javascript:alert(1)", False),
        ("evil.example", False),
        (None, False),
    ],
)
def test_is_safe_redirect(target, safe):
    assert is_safe_redirect(target) is safe


@pytest.mark.parametrize("target", ["/\\evil.example/", "//evil.example", "https://evil.example", "/\t/evil.example"])
def test_language_switch_refuses_offsite_targets(client, auth, target):
    response = auth.post("/language", data={"locale": "en", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_goes_back_to_a_same_site_page(client, auth):
    response = auth.post("/language", data={"locale": "en", "next": "/issues/x"})
    assert response.headers["Location"] == "/issues/x"
