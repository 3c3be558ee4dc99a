"""Webhooks: the API and console page, SSRF refusals, signed deliveries to a loopback receiver,
retries with back-off, never twice once acknowledged, and each event type."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import signals
from app.extensions import db
from app.models import Issue, MinistryResponse, ResponseKind, Role, Webhook, WebhookDelivery, utcnow
from app.services import moderation
from app.services.integrations import deliveries
from app.services.integrations.events import enqueue_overdue_responses
from app.services.process import stages
from tests.support.issues import make_issue, make_statement
from tests.support.webhooks import Receiver, verify

EN = {"Accept-Language": "en"}
ALL_EVENTS = [
    "statement.created",
    "statement.moderated",
    "stage.changed",
    "response.published",
    "response.overdue",
    "report.frozen",
    "opinion_map.updated",
]


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def allow_private(app):
    app.config["AGORA_WEBHOOK_ALLOW_PRIVATE"] = True


def admin_token(auth, runner, role=Role.FACILITATOR, scope="admin") -> str:
    user = auth.create_user(role)
    result = runner.invoke(args=["create-token", user.email, "--name", "hooks", "--scope", scope])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **EN}


def register(app, token: str, url: str, events=None):
    return app.test_client(use_cookies=False).post(
        "/api/v1/webhooks", json={"url": url, "events": events or ALL_EVENTS}, headers=bearer(token)
    )


def test_create_list_get_delete_with_a_bearer_token(app, auth, runner, allow_private, receiver):
    token = admin_token(auth, runner)
    created = register(app, token, receiver.url, ["statement.created", "stage.changed"])
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["secret"].startswith("whsec_") and body["events"] == ["statement.created", "stage.changed"]
    client = app.test_client(use_cookies=False)
    listed = client.get("/api/v1/webhooks", headers=bearer(token)).get_json()
    assert [hook["id"] for hook in listed] == [body["id"]] and "secret" not in listed[0]
    assert "secret" not in client.get(f"/api/v1/webhooks/{body['id']}", headers=bearer(token)).get_json()
    assert client.delete(f"/api/v1/webhooks/{body['id']}", headers=bearer(token)).status_code == 204
    assert client.get(f"/api/v1/webhooks/{body['id']}", headers=bearer(token)).status_code == 404


def test_session_facilitators_register_with_csrf(app, auth, allow_private, receiver):
    auth.login(Role.FACILITATOR)
    refused = auth.client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["stage.changed"]})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf_failed"
    created = auth.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["stage.changed"]})
    assert created.status_code == 201


@pytest.mark.parametrize(("role", "scope", "status"), [(Role.CITIZEN, "admin", 403), (Role.FACILITATOR, "write", 403)])
def test_only_staff_with_the_admin_scope(app, auth, runner, allow_private, receiver, role, scope, status):
    token = admin_token(auth, runner, role, scope)
    assert register(app, token, receiver.url).status_code == status
    assert app.test_client().post("/api/v1/webhooks", json={"url": receiver.url, "events": ALL_EVENTS}).status_code in (
        400,  # no CSRF token in the anonymous session
        401,
    )
    assert app.test_client(use_cookies=False).get("/api/v1/webhooks").status_code == 401
    with app.app_context():
        assert db.session.scalar(select(Webhook)) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.5/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
        "ftp://example.org/hook",
        "http://user:pass@8.8.8.8/hook",
        "not a url",
        "http://no-such-host.invalid/hook",
    ],
)
def test_ssrf_refusals(app, auth, runner, url):
    token = admin_token(auth, runner)
    response = register(app, token, url)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "webhook_url_refused"
    with app.app_context():
        assert db.session.scalar(select(Webhook)) is None


def test_public_addresses_are_accepted(app, auth, runner):
    token = admin_token(auth, runner)
    assert register(app, token, "https://8.8.8.8/agora").status_code == 201


def test_unknown_events_are_refused(app, auth, runner):
    token = admin_token(auth, runner)
    response = register(app, token, "https://8.8.8.8/agora", ["vote.cast"])
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "webhook_events_invalid"


def test_signed_delivery_verified_by_a_loopback_receiver(app, auth, runner, api, allow_private, receiver):
    issue_id = make_issue(app)
    secret = register(app, admin_token(auth, runner), receiver.url, ["statement.created"]).get_json()["secret"]
    assert api.post(f"/api/v1/issues/{issue_id}/statements", json={"text": "Buses at night"}).status_code == 201
    with app.app_context():
        report = deliveries.send_due()
    assert report.delivered == 1
    (request,) = receiver.wait_for(1)
    payload = verify(secret, request)
    assert set(payload) == {"event", "issue_id", "occurred_at", "data"}
    assert payload["event"] == "statement.created" and payload["issue_id"] == issue_id
    assert payload["data"]["text"] == "Buses at night" and payload["data"]["visible"] is True
    assert re.fullmatch(r"[0-9a-f-]{36}", request["headers"]["X-Agora-Delivery"])
    assert request["headers"]["X-Agora-Timestamp"].isdigit()
    assert request["headers"]["X-Agora-Event"] == "statement.created"
    assert request["path"] == "/hooks/agora"


def test_retries_after_a_receiver_failure_and_never_twice_once_acknowledged(
    app, auth, runner, api, allow_private, receiver
):
    issue_id = make_issue(app)
    hook = register(app, admin_token(auth, runner), receiver.url, ["statement.created"]).get_json()
    api.post(f"/api/v1/issues/{issue_id}/statements", json={"text": "Night buses"})
    receiver.statuses.extend([500, 503])
    with app.app_context():
        now = utcnow()
        assert deliveries.send_due(now).failed == 1
        row = db.session.scalar(select(WebhookDelivery))
        assert (row.attempts, row.last_status, row.delivered_at) == (1, 500, None)
        assert deliveries.send_due(now).failed + deliveries.send_due(now).delivered == 0  # waits for its back-off
        assert deliveries.send_due(now + timedelta(seconds=31)).failed == 1  # the second try: 503
        assert deliveries.send_due(now + timedelta(seconds=92)).delivered == 1  # the third: 204
        for later in (1, 10, 1000):
            assert deliveries.send_due(now + timedelta(hours=later)).delivered == 0
    received = receiver.wait_for(3)
    assert [r["status"] for r in received] == [500, 503, 204]
    assert len({r["headers"]["X-Agora-Delivery"] for r in received}) == 1  # the same delivery, retried
    assert len({r["body"] for r in received}) == 1  # byte for byte
    log = app.test_client(use_cookies=False).get(
        f"/api/v1/webhooks/{hook['id']}/deliveries", headers=bearer(admin_token(auth, runner))
    )
    (entry,) = log.get_json()
    assert entry["attempts"] == 3 and entry["last_status"] == 204 and entry["delivered_at"] is not None


def test_an_unreachable_receiver_is_logged_and_retried(app, auth, runner, api, allow_private, receiver):
    issue_id = make_issue(app)
    register(app, admin_token(auth, runner), receiver.url, ["statement.created"])
    receiver.close()
    api.post(f"/api/v1/issues/{issue_id}/statements", json={"text": "Night buses"})
    with app.app_context():
        assert deliveries.send_due().failed == 1
        row = db.session.scalar(select(WebhookDelivery))
        assert row.delivered_at is None and "Error" in row.last_error and row.next_attempt_at > utcnow()


def test_a_host_that_turned_private_is_not_delivered_to(app, auth, runner, api, receiver):
    issue_id = make_issue(app)
    with app.app_context():  # as if the name had resolved to a public address when registered
        db.session.add(Webhook(url=receiver.url, events=["statement.created"], secret="s"))
        db.session.commit()
    api.post(f"/api/v1/issues/{issue_id}/statements", json={"text": "Night buses"})
    with app.app_context():
        assert deliveries.send_due().failed == 1
        assert "127.0.0.1" in db.session.scalar(select(WebhookDelivery.last_error))  # refused: not sent
    assert receiver.received == []


def test_each_event_type(app, auth, runner, allow_private, receiver):
    issue_id = make_issue(app, slug="buses")
    statement_id = make_statement(app, issue_id, "Night buses")
    secret = register(app, admin_token(auth, runner), receiver.url, ALL_EVENTS).get_json()["secret"]
    with app.test_request_context():
        # Registered an hour ago: overdue responses from before a webhook existed are not sent to it.
        db.session.execute(db.update(Webhook).values(created_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        issue = db.session.get(Issue, issue_id)
        # Services write, the caller commits, then announces (as the console's views do).
        rejected = moderation.moderate(issue, statement_id, "reject", None)
        change = stages.open_stage(issue, "discussion", None)
        db.session.commit()
        moderation.announce_moderation(issue, rejected)
        stages.announce(change)
        signals.response_published.send(app, issue_id=issue_id, response_id=7, kind="inform")
        signals.opinion_map_updated.send(app, issue_id=issue_id, tick=1)
        signals.opinion_map_updated.send(app, issue_id=issue_id, tick=2)  # throttled: the same interval
        response = MinistryResponse(
            issue_id=issue_id,
            kind=ResponseKind.INFORM,
            opened_at=utcnow() - timedelta(days=8),
            due_at=utcnow() - timedelta(minutes=1),
            original_due_at=utcnow() - timedelta(minutes=1),
        )
        db.session.add(response)
        db.session.commit()
        response_id = response.id
        enqueue_overdue_responses()
        enqueue_overdue_responses()  # once per response and deadline
        deliveries.send_due()
    events = {}
    for request in receiver.wait_for(5):
        payload = verify(secret, request)
        events.setdefault(payload["event"], []).append(payload)
    assert sorted(events) == [
        "opinion_map.updated",
        "response.overdue",
        "response.published",
        "stage.changed",
        "statement.moderated",
    ]
    assert all(len(found) == 1 for found in events.values())
    assert events["statement.moderated"][0]["data"] == {
        "statement_id": statement_id,
        "visible": False,
        "status": "rejected",
    }
    assert events["stage.changed"][0]["data"]["stage"] == "discussion"
    assert events["response.overdue"][0]["data"]["response_id"] == response_id


def test_console_page_registers_shows_the_secret_once_and_removes(app, auth, allow_private, receiver):
    auth.login(Role.FACILITATOR)
    page = auth.client.get("/console/webhooks", headers=EN)
    assert page.status_code == 200
    created = auth.post(
        "/console/webhooks", data={"url": receiver.url, "events": ["stage.changed", "report.frozen"]}, headers=EN
    )
    html = created.get_data(as_text=True)
    assert created.status_code == 200, html
    secret = re.search(r"<code data-new-secret>(whsec_[^<]+)</code>", html).group(1)
    listing = auth.client.get("/console/webhooks", headers=EN).get_data(as_text=True)
    assert receiver.url in listing and secret not in listing
    with app.app_context():
        hook_id = db.session.scalar(select(Webhook.id))
    assert auth.client.get(f"/console/webhooks/{hook_id}", headers=EN).status_code == 200
    assert auth.post(f"/console/webhooks/{hook_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Webhook)) is None


def test_console_page_refuses_private_urls_and_citizens(app, auth):
    auth.login(Role.FACILITATOR)
    refused = auth.post("/console/webhooks", data={"url": "http://127.0.0.1/x", "events": ["stage.changed"]})
    assert refused.status_code == 400
    auth.logout()
    auth.login(Role.CITIZEN)
    assert auth.client.get("/console/webhooks").status_code == 403


def test_the_background_sender_delivers(app, live_server, auth, runner, api, allow_private, receiver):
    """`agora serve`'s background services include the sender: nobody calls send_due here."""
    live_server.app.config["AGORA_WEBHOOK_ALLOW_PRIVATE"] = True
    issue_id = make_issue(app)
    secret = register(app, admin_token(auth, runner), receiver.url, ["statement.created"]).get_json()["secret"]
    api.post(f"/api/v1/issues/{issue_id}/statements", json={"text": "Buses at night"})
    (request,) = receiver.wait_for(1)
    assert verify(secret, request)["data"]["statement_id"]


def test_delivery_connects_to_the_address_that_was_checked(
    app, auth, runner, api, allow_private, receiver, monkeypatch
):
    """The connection goes to the IP the SSRF check resolved, never to a second DNS answer."""
    import socket

    from app.services.integrations import ssrf

    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):  # a name only this check knows; the OS cannot resolve it
        return real("127.0.0.1", *args, **kwargs) if host == "hooks.agency.test" else real(host, *args, **kwargs)

    monkeypatch.setattr(ssrf.socket, "getaddrinfo", resolve)
    issue_id = make_issue(app)
    url = receiver.url.replace("127.0.0.1", "hooks.agency.test")
    secret = register(app, admin_token(auth, runner), url, ["statement.created"]).get_json()["secret"]
    api.post(f"/api/v1/issues/{issue_id}/statements", json={"text": "Buses at night"})
    with app.app_context():
        assert deliveries.send_due().delivered == 1
    (request,) = receiver.wait_for(1)
    assert request["headers"]["Host"].startswith("hooks.agency.test")
    assert verify(secret, request)["event"] == "statement.created"


def test_a_recomputed_map_reaches_the_webhook(app, live_server, auth, runner, allow_private, receiver):
    """Votes over real HTTP, the live server's recompute, its signal, its sender: opinion_map.updated."""
    import requests

    live_server.app.config["AGORA_WEBHOOK_ALLOW_PRIVATE"] = True
    issue_id = make_issue(app)
    statements = [make_statement(app, issue_id, f"Statement {n}") for n in range(3)]
    secret = register(app, admin_token(auth, runner), receiver.url, ["opinion_map.updated"]).get_json()["secret"]
    for _person in range(3):
        http = requests.Session()
        token = http.get(f"{live_server.url}/api/v1/session").json()["csrf_token"]
        for statement_id in statements:
            voted = http.post(
                f"{live_server.url}/api/v1/issues/{issue_id}/votes",
                json={"statement_id": statement_id, "vote": "agree"},
                headers={"X-CSRFToken": token},
            )
            assert voted.status_code == 201
    (request, *_) = receiver.wait_for(1, timeout=60)
    payload = verify(secret, request)
    assert payload["event"] == "opinion_map.updated" and payload["issue_id"] == issue_id
    assert payload["data"]["tick"] >= 1
