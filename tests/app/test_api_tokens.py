"""API tokens: `agora create-token`, the account page, Bearer authentication without cookie or CSRF,
401 for missing/wrong/revoked tokens, scopes, and a rate limit per token."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import ApiToken, Participant, Role, Vote
from tests.support.issues import make_issue, make_statement

EN = {"Accept-Language": "en"}


def create_token(runner, email: str, scope: str = "write", name: str = "script") -> str:
    result = runner.invoke(args=["create-token", email, "--name", name, "--scope", scope])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **EN}


@pytest.fixture
def world(app):
    issue_id = make_issue(app)
    return issue_id, make_statement(app, issue_id, "Taxis need a licence")


def test_create_token_prints_the_token_last_and_stores_only_its_hash(app, auth, runner):
    user = auth.create_user(Role.CITIZEN)
    token = create_token(runner, user.email, "read", "dashboard")
    assert token.startswith("agora_") and len(token) > 40
    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
        assert stored.name == "dashboard" and stored.scope.value == "read" and stored.user_id == user.id
        assert token not in (stored.token_hash, stored.prefix) and stored.token_hash != token
        assert token.startswith(stored.prefix)


def test_create_token_refuses_an_unknown_account(runner):
    result = runner.invoke(args=["create-token", "nobody@example.org", "--name", "x"])
    assert result.exit_code != 0 and "nobody@example.org" in result.output


def test_bearer_votes_as_the_user_without_cookie_or_csrf(app, auth, runner, world):
    issue_id, statement_id = world
    user = auth.create_user(Role.CITIZEN)
    token = create_token(runner, user.email)
    client = app.test_client(use_cookies=False)
    response = client.post(
        f"/api/v1/issues/{issue_id}/votes", json={"statement_id": statement_id, "vote": "agree"}, headers=bearer(token)
    )
    assert response.status_code == 201, response.get_json()
    assert "Set-Cookie" not in response.headers  # a bearer request leaves no session behind
    with app.app_context():
        vote = db.session.scalar(select(Vote))
        assert db.session.get(Participant, vote.participant_id).user_id == user.id
        assert db.session.scalar(select(ApiToken)).last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer agora_wrong", "Bearer ", "Bearer", "Basic dXNlcjpwYXNz", "bearer agora_" + "x" * 300],
)
def test_missing_or_wrong_token_is_401_json(app, world, header):
    issue_id, statement_id = world
    client = app.test_client(use_cookies=False)
    for response in (
        client.get("/api/v1/issues", headers={"Authorization": header, **EN}),
        client.post(
            f"/api/v1/issues/{issue_id}/votes",
            json={"statement_id": statement_id, "vote": "agree"},
            headers={"Authorization": header, **EN},
        ),
    ):
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "invalid_token"
        assert response.get_json()["error"]["message"] == "The API token is missing, wrong or revoked."


def test_401_message_is_translated(app):
    response = app.test_client().get(
        "/api/v1/issues", headers={"Authorization": "Bearer agora_nope", "Accept-Language": "zh-TW"}
    )
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] != "The API token is missing, wrong or revoked."


def test_revoked_token_is_401(app, auth, runner, world):
    user = auth.login(Role.CITIZEN)
    token = create_token(runner, user.email)
    assert app.test_client().get("/api/v1/issues", headers=bearer(token)).status_code == 200
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    assert auth.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    response = app.test_client().get("/api/v1/issues", headers=bearer(token))
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_token"


def test_read_scope_cannot_write(app, auth, runner, world):
    issue_id, statement_id = world
    token = create_token(runner, auth.create_user(Role.CITIZEN).email, "read")
    response = app.test_client().post(
        f"/api/v1/issues/{issue_id}/votes", json={"statement_id": statement_id, "vote": "agree"}, headers=bearer(token)
    )
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "insufficient_scope"
    with app.app_context():
        assert db.session.scalar(select(Vote)) is None


def test_cookie_sessions_still_need_the_csrf_token(app, api, world):
    issue_id, statement_id = world
    body = {"statement_id": statement_id, "vote": "agree"}
    refused = api.client.post(f"/api/v1/issues/{issue_id}/votes", json=body, headers=EN)
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf_failed"
    # A bogus Authorization header does not turn CSRF off either: it is refused outright.
    refused = api.client.post(
        f"/api/v1/issues/{issue_id}/votes", json=body, headers={"Authorization": "Bearer agora_x", **EN}
    )
    assert refused.status_code == 401
    assert api.post(f"/api/v1/issues/{issue_id}/votes", json=body).status_code == 201


def test_cookie_session_pages_still_need_the_csrf_token(app, auth):
    auth.login(Role.CITIZEN)
    response = auth.client.post("/account/tokens", data={"name": "x", "scope": "read"}, headers=EN)
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None


def test_account_page_creates_shows_once_lists_and_revokes(app, auth):
    user = auth.login(Role.CITIZEN)
    page = auth.client.get("/account/tokens", headers=EN)
    assert page.status_code == 200 and "API tokens" in page.get_data(as_text=True)
    created = auth.post("/account/tokens", data={"name": "newsroom", "scope": "write"}, headers=EN)
    html = created.get_data(as_text=True)
    token = re.search(r"<code data-new-token>(agora_[^<]+)</code>", html).group(1)
    assert app.test_client().get("/api/v1/session", headers=bearer(token)).status_code == 200
    listing = auth.client.get("/account/tokens", headers=EN).get_data(as_text=True)
    assert "newsroom" in listing and token not in listing  # shown once
    assert "never" not in listing  # last used: just now
    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
        assert stored.user_id == user.id and stored.last_used_at is not None


def test_only_staff_create_admin_tokens_on_the_page(app, auth):
    auth.login(Role.CITIZEN)
    response = auth.post("/account/tokens", data={"name": "x", "scope": "admin"}, headers=EN)
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None


def test_account_page_needs_login(client):
    assert client.get("/account/tokens").status_code == 302


def test_one_cannot_revoke_anothers_token(app, auth, runner):
    owner = auth.create_user(Role.CITIZEN)
    create_token(runner, owner.email)
    auth.login(Role.CITIZEN)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    assert auth.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None


def test_rate_limit_is_per_token(app_config, auth, world):
    app_config.update(RATELIMIT_ENABLED=True, AGORA_API_TOKEN_RATE_LIMIT="3 per minute")
    limited = create_app(app_config)
    runner = limited.test_cli_runner()
    first = create_token(runner, auth.create_user(Role.CITIZEN).email)
    second = create_token(runner, auth.create_user(Role.CITIZEN).email)
    client = limited.test_client()
    try:
        statuses = [client.get("/api/v1/issues", headers=bearer(first)).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert client.get("/api/v1/issues", headers=bearer(second)).status_code == 200
        assert client.get("/api/v1/issues").status_code == 200  # cookie and anonymous clients: their own limits
    finally:
        with limited.app_context():
            db.session.remove()
            db.engine.dispose()


# A valid request for every write route of the API; a new write route fails the test below until
# it is listed here (and so tested with a bearer token).
WRITE_REQUESTS = {
    ("POST", "/api/v1/issues/<int:issue_id>/votes"): lambda w: {"statement_id": w["statement_id"], "vote": "agree"},
    ("POST", "/api/v1/issues/<int:issue_id>/statements"): lambda w: {"text": "Buses every ten minutes"},
    ("POST", "/api/v1/webhooks"): lambda w: {"url": "https://8.8.8.8/hook", "events": ["stage.changed"]},
    ("DELETE", "/api/v1/webhooks/<int:webhook_id>"): lambda w: None,
}


def test_token_auth_on_every_write_route(app, auth, runner, world):
    from app.models import Webhook

    issue_id, statement_id = world
    with app.app_context():
        webhook = Webhook(url="https://8.8.8.8/x", events=["stage.changed"], secret="s")
        db.session.add(webhook)
        db.session.commit()
        values = {"issue_id": issue_id, "statement_id": statement_id, "webhook_id": webhook.id}
    token = create_token(runner, auth.create_user(Role.FACILITATOR).email, "admin")
    writes = [
        (method, rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        for method in sorted((rule.methods or set()) - {"GET", "HEAD", "OPTIONS"})
    ]
    assert writes and sorted((m, r.rule) for m, r in writes) == sorted(WRITE_REQUESTS)
    for method, rule in writes:
        url = rule.build(values)[1]
        body = WRITE_REQUESTS[(method, rule.rule)](values)
        client = app.test_client(use_cookies=False)
        accepted = client.open(url, method=method, json=body, headers=bearer(token))
        assert accepted.status_code in (200, 201, 204), (method, url, accepted.get_json())
        refused = client.open(url, method=method, json=body, headers=EN)  # no token, no cookie, no CSRF token
        assert refused.status_code in (400, 401, 404), (method, url)
        if refused.status_code == 400:
            assert refused.get_json()["error"]["code"] == "csrf_failed"
