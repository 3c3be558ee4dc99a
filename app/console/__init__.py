"""The facilitator console (/console): issues, stages, moderation, research, discussion, ORID, decisions.

Every view here is for facilitators and admins only; the check runs before each request, so a
new view cannot forget it. Each action is one transaction and writes the public activity log.
"""

from __future__ import annotations

from flask import Blueprint

from app.auth.decorators import refuse_unless
from app.models import Role
from app.services.labels import stage_label

bp = Blueprint("console", __name__)


@bp.before_request
def facilitators_only():
    return refuse_unless(Role.FACILITATOR)


@bp.context_processor
def console_helpers() -> dict[str, object]:
    return {"stage_label": stage_label}


from app.console import content, issues, moderation, report  # noqa: E402,F401
