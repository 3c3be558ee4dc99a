"""API v1: the public report of an issue, and frozen reports."""

from __future__ import annotations

from flask import jsonify

from app.api import bp, report_schemas
from app.api.spec import endpoint
from app.services.issues import get_issue
from app.services.opendata.access import require_public_issue
from app.services.report.build import build_report
from app.services.report.frozen import frozen_payload, frozen_reports, get_frozen


@bp.get("/issues/<int:issue_id>/report")
@endpoint("The public report", tag="report", responses={200: report_schemas.Report}, errors=(404,))
def issue_report(issue_id: int):
    """Every accepted statement with overall and per-group counts, groups, consensus, divisive..."""
    issue = get_issue(issue_id)
    require_public_issue(issue)
    return jsonify(build_report(issue))


@bp.get("/issues/<int:issue_id>/reports")
@endpoint(
    "The issue's frozen reports", tag="report", responses={200: report_schemas.FrozenInfo(many=True)}, errors=(404,)
)
def issue_frozen_reports(issue_id: int):
    """The issue's frozen reports, newest first (without their data)."""
    issue = get_issue(issue_id)
    require_public_issue(issue)
    return jsonify([frozen_payload(r)["frozen"] for r in frozen_reports(issue.id)])


@bp.get("/reports/<int:report_id>")
@endpoint("A frozen report", tag="report", responses={200: report_schemas.FrozenReport}, errors=(404,))
def frozen_report(report_id: int):
    """A frozen report: its data as stored when it was frozen, and when and why it was."""
    found = get_frozen(report_id)
    require_public_issue(found.issue)
    return jsonify(frozen_payload(found))
