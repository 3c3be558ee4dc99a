"""API v1: webhooks, for facilitators and admins (bearer token with the admin scope, or session)."""

from __future__ import annotations

from flask import jsonify

from app.api import bp, schemas
from app.api.spec import STAFF, endpoint
from app.extensions import db
from app.models import TokenScope
from app.services.integrations import webhooks
from app.services.permissions import current_user_id


@bp.post("/webhooks")
@endpoint(
    "Register a webhook",
    tag="webhooks",
    body=schemas.WebhookIn,
    responses={201: schemas.WebhookCreated},
    auth=STAFF,
    scope=TokenScope.ADMIN,
)
def create_webhook(body: dict):
    """Register ``url`` for ``events``; the answer's ``secret`` signs every delivery and is shown only here."""
    webhook, secret = webhooks.create_webhook(body["url"], body["events"], current_user_id())
    db.session.commit()
    return jsonify({**webhooks.as_json(webhook), "secret": secret}), 201


@bp.get("/webhooks")
@endpoint(
    "List webhooks", tag="webhooks", responses={200: schemas.WebhookOut(many=True)}, auth=STAFF, scope=TokenScope.ADMIN
)
def list_webhooks():
    """Every webhook (without secrets)."""
    return jsonify([webhooks.as_json(webhook) for webhook in webhooks.list_webhooks()])


@bp.get("/webhooks/<int:webhook_id>")
@endpoint(
    "A webhook", tag="webhooks", responses={200: schemas.WebhookOut}, auth=STAFF, scope=TokenScope.ADMIN, errors=(404,)
)
def get_webhook(webhook_id: int):
    return jsonify(webhooks.as_json(webhooks.get_webhook(webhook_id)))


@bp.delete("/webhooks/<int:webhook_id>")
@endpoint("Remove a webhook", tag="webhooks", responses={204: None}, auth=STAFF, scope=TokenScope.ADMIN, errors=(404,))
def delete_webhook(webhook_id: int):
    """Remove the webhook and its delivery log; nothing more is sent to it."""
    webhooks.delete_webhook(webhook_id)
    db.session.commit()
    return "", 204


@bp.get("/webhooks/<int:webhook_id>/deliveries")
@endpoint(
    "A webhook's delivery log",
    tag="webhooks",
    responses={200: schemas.DeliveryOut(many=True)},
    auth=STAFF,
    scope=TokenScope.ADMIN,
    errors=(404,),
)
def webhook_deliveries(webhook_id: int):
    """The latest 100 deliveries, newest first, with attempts, status and last error."""
    webhook = webhooks.get_webhook(webhook_id)
    return jsonify([webhooks.delivery_as_json(row) for row in webhooks.deliveries_of(webhook.id)])
