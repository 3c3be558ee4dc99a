"""Public accountability: ministry responses across issues, following issues by email, feeds.

``init_app`` also wires the reactions to committed changes: a stage change opens the response it
makes due and notifies followers; a published response notifies followers. The outbox sender
runs as a background service.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from flask import Blueprint, Flask, current_app, has_app_context

from app import background, signals
from app.extensions import db

bp = Blueprint("accountability", __name__)

from app.accountability import feed, following, responses  # noqa: E402,F401


@contextmanager
def _context(app: Flask) -> Iterator[None]:
    if has_app_context():
        yield
    else:
        with app.app_context():
            yield


def _react(app: Flask, what: str, work) -> None:
    """Run a reaction to a committed change; its failure is logged, never the sender's problem."""
    with _context(app):
        try:
            work()
        except Exception:
            db.session.rollback()
            current_app.logger.exception("Reacting to %s failed", what)


def on_stage_changed(sender: Flask, *, issue_id: int, stage: str, changed_at: datetime, **_: object) -> None:
    from app.services.accountability.following import notify_stage_changed
    from app.services.accountability.responses import open_for_stage

    # First open the response (so the followers' email can give its deadline), then notify.
    _react(
        sender,
        "a stage change",
        lambda: open_for_stage(issue_id, stage, changed_at),
    )
    _react(
        sender,
        "a stage change",
        lambda: notify_stage_changed(issue_id, stage, changed_at),
    )


def on_response_published(sender: Flask, *, issue_id: int, response_id: int, **_: object) -> None:
    from app.services.accountability.following import notify_response_published

    _react(
        sender,
        "a published response",
        lambda: notify_response_published(issue_id, response_id),
    )


def init_app(app: Flask) -> None:
    from app.services.accountability.mail_sender import OutboxSender
    from app.services.accountability.responses import responses_for_issue
    from app.services.permissions import can_publish_response

    app.register_blueprint(bp)
    # Module-level receivers: connecting again (another app in the same process) is a no-op.
    signals.stage_changed.connect(on_stage_changed)
    signals.response_published.connect(on_response_published)
    background.register(app, OutboxSender())
    app.add_template_global(responses_for_issue, "issue_ministry_responses")
    app.add_template_global(can_publish_response, "can_publish_response")
