"""BACKGROUND_SENDERS: a web process leaves emails and webhooks to `agora send-mail --loop` and
`agora send-webhooks --loop` when they run on their own (make scale, docker-compose)."""

from __future__ import annotations

import threading

import pytest

from app import background, create_app
from app.extensions import db

SENDERS = {"outbox-sender", "webhook-sender"}


def running_services() -> set[str]:
    return {thread.name for thread in threading.enumerate() if thread.is_alive()}


@pytest.mark.parametrize("senders", [True, False])
def test_web_process_starts_the_senders_only_when_asked(app_config, senders):
    app = create_app({**app_config, "BACKGROUND_WORKERS": True, "BACKGROUND_SENDERS": senders})
    registered = {service.name for service in background.services(app)}
    assert SENDERS <= registered  # both exist in every process; the setting decides who runs them
    before = running_services()
    background.start(app)
    try:
        started = running_services() - before
        assert SENDERS & started == (SENDERS if senders else set())
    finally:
        background.stop(app)
        with app.app_context():
            db.engine.dispose()
