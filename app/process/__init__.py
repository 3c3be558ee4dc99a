"""Public pages of the vTaiwan process under an issue: activity log, research, discussion, meetings, decisions."""

from __future__ import annotations

from flask import Blueprint

from app.services.labels import stage_label

bp = Blueprint("process", __name__)


@bp.context_processor
def process_helpers() -> dict[str, object]:
    return {"stage_label": stage_label}


from app.process import views  # noqa: E402,F401
