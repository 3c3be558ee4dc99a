"""The public list of ministry responses across issues: open, overdue and answered."""

from __future__ import annotations

from flask import render_template, request

from app.accountability import bp
from app.models.deadlines import ResponseStatus
from app.services.accountability.responses import list_responses, parse_status


@bp.get("/responses")
def responses():
    """Every response, most urgent first; ``?status=open|overdue|answered`` filters."""
    status = parse_status(request.args.get("status"))
    return render_template(
        "accountability/responses.html",
        responses=list_responses(status),
        status=status,
        statuses=list(ResponseStatus),
    )
