"""Public accountability: ministry responses across issues, following issues by email, feeds.

What must happen with a change happens in its transaction: a stage change opens the response it
makes due and queues the followers' emails (app/services/process/stages.py); publishing a response
queues theirs (app/ministry/views.py). The outbox sender runs as a background service.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from app import background

bp = Blueprint("accountability", __name__)

from app.accountability import feed, following, responses  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from app.services.accountability.mail_sender import OutboxSender
    from app.services.accountability.responses import responses_for_issue
    from app.services.permissions import can_publish_response

    app.register_blueprint(bp)
    background.register(app, OutboxSender())
    app.add_template_global(responses_for_issue, "issue_ministry_responses")
    app.add_template_global(can_publish_response, "can_publish_response")
