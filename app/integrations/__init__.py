"""Integrations for other systems: API tokens (account page), webhooks (console), embed settings.

``init_app`` wires the parts: bearer-token authentication and the session cookie of embeds, the
webhook events and their sender, the pages, the embed blueprint and the CLI commands.
"""

from __future__ import annotations

import os

from flask import Blueprint, Flask

bp = Blueprint("integrations", __name__)

from app.integrations import views  # noqa: E402,F401

#: Settings read from the environment (documented in .env.example), with their defaults.
SETTINGS = {
    "AGORA_API_TOKEN_RATE_LIMIT": ("600 per minute", str),
    "AGORA_WEBHOOK_ALLOW_PRIVATE": ("0", lambda v: v.strip().lower() in {"1", "true", "yes", "on"}),
    "AGORA_WEBHOOK_POLL_INTERVAL": ("2", float),
    "AGORA_WEBHOOK_TIMEOUT": ("10", float),
    "AGORA_WEBHOOK_RETRY_BASE": ("30", float),
    "AGORA_WEBHOOK_MAP_INTERVAL": ("60", float),
}


def init_app(app: Flask) -> None:
    from app import background
    from app.commands import integrations as commands
    from app.embed import bp as embed_bp
    from app.services.integrations import bearer, events
    from app.services.integrations.deliveries import WebhookSender

    for name, (default, convert) in SETTINGS.items():
        app.config.setdefault(name, convert(os.environ.get(name, default)))
    bearer.init_app(app)
    events.connect()
    background.register(app, WebhookSender())
    app.register_blueprint(bp)
    app.register_blueprint(embed_bp, url_prefix="/embed")
    app.cli.add_command(commands.create_token_command)
    app.cli.add_command(commands.send_webhooks_command)
