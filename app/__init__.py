"""Agora: participatory deliberation in the spirit of vTaiwan and pol.is."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from app.config import INSTANCE_PATH, MIGRATIONS_DIR, STATIC_DIR, TEMPLATES_DIR, load_config


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure an Agora application.

    ``overrides`` is applied on top of the environment-derived configuration, as in Flask's
    tutorial; tests pass their database URL and flags through it.
    """
    instance_path = Path((overrides or {}).get("INSTANCE_PATH", INSTANCE_PATH))
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
    )
    app.config.from_mapping(load_config(instance_path))
    if overrides:
        app.config.from_mapping(overrides)
    instance_path.mkdir(parents=True, exist_ok=True)

    from app import database, extensions, security

    security.init_app(app)  # before CSRF (body-size check first) and before routes (id converter)
    database.prepare_config(app)  # SQLite: pool options
    extensions.db.init_app(app)
    database.init_app(app)  # SQLite: WAL, synchronous=NORMAL, busy_timeout on each connection
    extensions.migrate.init_app(app, extensions.db, directory=str(MIGRATIONS_DIR))
    extensions.csrf.init_app(app)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config["REDIS_KEY_PREFIX"])
    extensions.limiter.init_app(app)
    extensions.login_manager.init_app(app)
    extensions.socketio.init_app(
        app,
        message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
        channel=f"{app.config['REDIS_KEY_PREFIX']}-socketio",
        async_mode="threading",
        cors_allowed_origins=app.config.get("SOCKETIO_CORS_ALLOWED_ORIGINS"),
    )

    from app import i18n

    i18n.init_app(app)

    # `models` registers the mappers before anything queries.
    from app import accountability, api, auth, console, errors, ministry, models, ops, pages, process  # noqa: F401

    app.register_blueprint(errors.bp)
    app.register_blueprint(ops.bp)
    from app.ops import overload, proxy

    proxy.init_app(app)  # TRUSTED_PROXIES: the client's address behind nginx
    overload.init_app(app)  # database or Redis busy or down: 503 + Retry-After, never a 500
    app.register_blueprint(pages.bp)
    app.register_blueprint(auth.bp, url_prefix="/auth")
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    app.register_blueprint(ministry.bp, url_prefix="/ministry")
    accountability.init_app(app)  # public responses, following, feeds; the outbox sender
    app.register_blueprint(console.bp, url_prefix="/console")
    app.register_blueprint(process.bp)
    from app import integrations

    integrations.init_app(app)  # API tokens, webhooks, embeds (after CSRF: its hook goes first)
    from app.services.report import frozen

    frozen.init_app(app)  # a closing stage freezes the report

    from app import cli, sockets, templating

    templating.init_app(app)
    cli.init_app(app)
    sockets.init_app(app)
    return app
