"""Sending webhook deliveries: the email outbox's pattern (app/services/outbox.py) over HTTP.

Due rows are claimed in a short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) that
pushes their next attempt ahead by the back-off, which doubles as a lease. A 2xx answer marks the
row delivered in its own commit at once; delivered rows are never selected again, so a delivery
id is never sent twice once acknowledged. Redirects are not followed (they could lead anywhere).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app

from app.background import ThreadService
from app.exceptions import AgoraError
from app.extensions import db
from app.models import Webhook, WebhookDelivery, utcnow
from app.services.integrations.ssrf import check_url
from app.services.retry_queue import claim_due_rows

BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)
MAX_ATTEMPTS = 12
BATCH_SIZE = 50
USER_AGENT = "Agora-Webhooks/1"


def sign(secret: str, body: bytes) -> str:
    """The ``X-Agora-Signature`` value: ``sha256=`` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    base = timedelta(seconds=float(current_app.config.get("AGORA_WEBHOOK_RETRY_BASE", BASE_DELAY.total_seconds())))
    return min(base * 2 ** max(attempts - 1, 0), MAX_DELAY)


def claim_due(now: datetime | None = None, limit: int = BATCH_SIZE) -> list[int]:
    """Claim up to ``limit`` due, undelivered deliveries and commit the claim; their ids."""
    return claim_due_rows(
        WebhookDelivery,
        WebhookDelivery.delivered_at,
        now=now or utcnow(),
        limit=limit,
        max_attempts=MAX_ATTEMPTS,
        backoff=backoff,
    )


@dataclass
class SendReport:
    delivered: int = 0
    failed: int = 0


def send_due(now: datetime | None = None) -> SendReport:
    """Send every due delivery once; failures wait for their back-off."""
    now = now or utcnow()
    report = SendReport()
    while ids := claim_due(now):
        for row_id in ids:
            _send_one(row_id, report)
    return report


def headers_for(row: WebhookDelivery, secret: str, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Agora-Event": row.event,
        "X-Agora-Delivery": row.delivery_id,
        "X-Agora-Timestamp": str(int(time.time())),
        "X-Agora-Signature": sign(secret, body),
    }


def _send_one(row_id: int, report: SendReport) -> None:
    row = db.session.get(WebhookDelivery, row_id)
    if row is None or row.delivered_at is not None:
        return
    webhook = db.session.get(Webhook, row.webhook_id)
    if webhook is None:
        return
    body = row.body.encode("utf-8")
    url, headers = webhook.url, headers_for(row, webhook.secret, body)
    db.session.rollback()  # hold no transaction open during the request
    try:
        # Again: the host may point elsewhere since the webhook was created.
        address = check_url(url)[0]
        status = post(url, body, headers, float(current_app.config.get("AGORA_WEBHOOK_TIMEOUT", 10)), address)
        error = None if 200 <= status < 300 else f"HTTP {status}"
    except AgoraError as refused:
        status, error = None, refused.message
    except (OSError, http.client.HTTPException) as failure:
        status, error = None, f"{type(failure).__name__}: {failure}"[:1000]
    row = db.session.get(WebhookDelivery, row_id)
    if row is None:
        return
    row.last_status = status
    row.last_error = error
    if error is None:
        row.delivered_at = utcnow()
        report.delivered += 1
    else:
        report.failed += 1
        current_app.logger.warning("Webhook delivery %s failed: %s", row.delivery_id, error)
    db.session.commit()


def post(url: str, body: bytes, headers: dict[str, str], timeout: float, address: str | None = None) -> int:
    """POST ``body`` and return the status (the answer's body is read and ignored).

    ``address`` is the IP the host was checked to resolve to: the connection goes there and
    nowhere else, so a DNS answer that changes between the check and the connection (rebinding)
    cannot lead to a private address. TLS still verifies the certificate for the host name.
    """
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    connection = _PinnedConnection(parts.hostname, port, timeout, address, tls=parts.scheme == "https")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
        return response.status
    finally:
        connection.close()


class _PinnedConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, timeout: float, address: str | None, tls: bool) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address or host
        self._tls = tls

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        if self._tls:
            self.sock = ssl.create_default_context().wrap_socket(self.sock, server_hostname=self.host)


class WebhookSender(ThreadService):
    """Background service: enqueues overdue-response events and sends due deliveries."""

    name = "webhook-sender"
    sender = True

    def _run(self, app: Flask) -> None:
        interval = float(app.config.get("AGORA_WEBHOOK_POLL_INTERVAL", 2.0))
        while not self._stop.is_set():
            run_once(app)
            self._stop.wait(interval)


def run_once(app: Flask) -> SendReport | None:
    from app.services.integrations.events import enqueue_overdue_responses

    with app.app_context():
        try:
            enqueue_overdue_responses()
            return send_due()
        except Exception:  # a database hiccup must not end the loop; the next tick retries
            app.logger.exception("The webhook sender failed; retrying")
            db.session.rollback()
            return None
        finally:
            db.session.remove()
