"""What turns into webhook events: receivers of the app's signals (sent after each commit), the
overdue-response scan of the webhook sender, and the throttled opinion-map updates.

``stage.changed`` and ``report.frozen`` are not here: the stage change and the freeze write their
deliveries in their own transaction (``process.stages.open_stage``, ``report.frozen.freeze``)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

from app import signals
from app.extensions import db
from app.models import MinistryResponse, Statement, Webhook, utcnow
from app.services.integrations.webhooks import _iso, enqueue_event


def _react(app: Flask, what: str, work) -> None:
    """Store the deliveries in a transaction of their own; a failure never reaches the sender."""
    with app.app_context():
        try:
            work()
            db.session.commit()
        except Exception:
            db.session.rollback()
            current_app.logger.exception("Queueing the webhook event %s failed", what)


def _statement_data(statement_id: int, visible: bool) -> dict[str, Any]:
    statement = db.session.get(Statement, statement_id)
    data: dict[str, Any] = {"statement_id": statement_id, "visible": visible}
    if statement is not None and visible:  # hidden text (strict moderation) does not leave Agora
        data["text"] = statement.text
    return data


def on_statement_added(sender: Flask, *, issue_id: int, statement_id: int, visible: bool, **_: Any) -> None:
    _react(
        sender,
        "statement.created",
        lambda: enqueue_event(
            "statement.created", issue_id, _statement_data(statement_id, visible), f"statement.created:{statement_id}"
        ),
    )


def on_statement_moderated(sender: Flask, *, issue_id: int, statement_id: int, status: str, **_: Any) -> None:
    def work() -> None:
        data = _statement_data(statement_id, status == "accepted")
        data["status"] = str(status)
        enqueue_event("statement.moderated", issue_id, data)

    _react(sender, "statement.moderated", work)


def on_response_published(sender: Flask, *, issue_id: int, response_id: int, kind: str, **_: Any) -> None:
    data = {"response_id": response_id, "kind": str(kind)}
    _react(
        sender,
        "response.published",
        lambda: enqueue_event("response.published", issue_id, data, f"response.published:{response_id}"),
    )


def on_opinion_map_updated(sender: Flask, *, issue_id: int, tick: int, **_: Any) -> None:
    """At most one event per issue per AGORA_WEBHOOK_MAP_INTERVAL seconds: the dedupe key names the
    interval, so later ticks within it are dropped by the database, across processes too."""
    interval = max(float(sender.config.get("AGORA_WEBHOOK_MAP_INTERVAL", 60)), 0.001)
    bucket = int(time.time() // interval)
    _react(
        sender,
        "opinion_map.updated",
        lambda: enqueue_event(
            "opinion_map.updated", issue_id, {"tick": tick}, f"opinion_map.updated:{issue_id}:{bucket}"
        ),
    )


def enqueue_overdue_responses(now: datetime | None = None) -> int:
    """One ``response.overdue`` per response and deadline, for the webhooks that want it."""
    now = now or utcnow()
    hooks = [hook for hook in db.session.scalars(select(Webhook)) if "response.overdue" in (hook.events or [])]
    if not hooks:
        return 0
    since = min(hook.created_at for hook in hooks)
    overdue = db.session.scalars(
        select(MinistryResponse).where(
            MinistryResponse.answered_at.is_(None), MinistryResponse.due_at < now, MinistryResponse.due_at >= since
        )
    ).all()
    added = 0
    for response in overdue:
        data = {"response_id": response.id, "kind": response.kind.value, "due_at": _iso(response.due_at)}
        key = f"response.overdue:{response.id}:{_iso(response.due_at)}"
        added += enqueue_event("response.overdue", response.issue_id, data, key, occurred_at=response.due_at)
    db.session.commit()
    return added


def connect() -> None:
    """Module-level receivers: connecting again (another app in the same process) is a no-op."""
    signals.statement_added.connect(on_statement_added)
    signals.statement_moderated.connect(on_statement_moderated)
    signals.response_published.connect(on_response_published)
    signals.opinion_map_updated.connect(on_opinion_map_updated)
