"""Webhooks: who registered which URL for which events, and the events they are sent.

An event becomes one ``WebhookDelivery`` row per subscribed webhook, in the transaction of a
signal receiver that runs after the change committed; ``deliveries.py`` sends them. Each row has
a dedupe key, so a signal delivered twice stores one delivery.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app.exceptions import AgoraError
from app.extensions import db
from app.models import Issue, Webhook, WebhookDelivery, utcnow
from app.services.integrations.ssrf import check_url

EVENTS = (
    "statement.created",
    "statement.moderated",
    "stage.changed",
    "response.published",
    "response.overdue",
    "report.frozen",
    "opinion_map.updated",
)


def create_webhook(url: str, events: list[str], user_id: int | None) -> tuple[Webhook, str]:
    """A new webhook (not committed) and its signing secret, which the API shows this once."""
    url = (url or "").strip()
    unknown = [event for event in events if event not in EVENTS]
    if not events or unknown:
        raise AgoraError("webhook_events_invalid", _("Choose one or more known events."), 400)
    check_url(url)
    secret = "whsec_" + secrets.token_urlsafe(32)
    webhook = Webhook(url=url, events=sorted(set(events), key=EVENTS.index), secret=secret, created_by_id=user_id)
    db.session.add(webhook)
    db.session.flush()
    return webhook, secret


def list_webhooks() -> list[Webhook]:
    return list(db.session.scalars(select(Webhook).order_by(Webhook.id)))


def get_webhook(webhook_id: int) -> Webhook:
    webhook = db.session.get(Webhook, webhook_id)
    if webhook is None:
        raise AgoraError("webhook_not_found", _("We could not find that webhook."), 404)
    return webhook


def delete_webhook(webhook_id: int) -> None:
    """Remove a webhook and its delivery log (not committed)."""
    webhook = get_webhook(webhook_id)
    db.session.execute(db.delete(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id))
    db.session.delete(webhook)


def deliveries_of(webhook_id: int, limit: int = 100) -> list[WebhookDelivery]:
    return list(
        db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == webhook_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def is_draft(issue_id: int | None) -> bool:
    """Draft issues (issue 11's ``status``) are private: no events about them leave Agora."""
    if issue_id is None:
        return False
    issue = db.session.get(Issue, issue_id)
    return issue is None or getattr(issue, "status", None) == "draft"


def enqueue_event(
    event: str,
    issue_id: int | None,
    data: dict[str, Any],
    dedupe: str | None = None,
    occurred_at: datetime | None = None,
) -> int:
    """Store one delivery per webhook subscribed to ``event`` (not committed); how many were new."""
    if event not in EVENTS:
        raise ValueError(event)
    hooks = [hook for hook in list_webhooks() if event in (hook.events or [])]
    if not hooks or is_draft(issue_id):
        return 0
    now = utcnow()
    body = json.dumps(
        {"event": event, "issue_id": issue_id, "occurred_at": _iso(occurred_at or now), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    key = dedupe or f"{event}:{uuid.uuid4()}"
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    added = 0
    for hook in hooks:
        dedupe_key = f"{hook.id}:{key}"
        if len(dedupe_key) > 255:
            dedupe_key = f"{hook.id}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"
        statement = (
            insert(WebhookDelivery)
            .values(
                webhook_id=hook.id,
                delivery_id=str(uuid.uuid4()),
                dedupe_key=dedupe_key,
                event=event,
                issue_id=issue_id,
                body=body,
                created_at=now,
                attempts=0,
                next_attempt_at=now,
            )
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(WebhookDelivery.id)
        )
        added += db.session.execute(statement).first() is not None
    return added


def as_json(webhook: Webhook) -> dict[str, Any]:
    return {
        "id": webhook.id,
        "url": webhook.url,
        "events": list(webhook.events),
        "created_at": _iso(webhook.created_at),
    }


def delivery_as_json(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.delivery_id,
        "event": delivery.event,
        "issue_id": delivery.issue_id,
        "created_at": _iso(delivery.created_at),
        "attempts": delivery.attempts,
        "delivered_at": _iso(delivery.delivered_at) if delivery.delivered_at else None,
        "last_status": delivery.last_status,
        "last_error": delivery.last_error,
    }
