"""The public report of an issue (live and frozen): every statement by opinion group, charts, CSV."""

from __future__ import annotations

from flask import Response, render_template
from flask_babel import gettext as _

from app.pages import bp
from app.services.issues import get_issue_by_slug
from app.services.labels import stage_label
from app.services.opendata.access import export_is_public, require_public_issue
from app.services.report.build import build_report, localized
from app.services.report.frozen import frozen_reports, get_frozen
from app.services.report.svg import map_chart, participation_chart
from app.services.report.table import statements_csv
from app.services.visibility import viewer_is_staff


def _render(issue, report: dict, frozen=None):
    labels = {group["id"]: group["label"] for group in report["groups"]}
    titles = {
        "chart": _("Participation over time"),
        "empty": _("No activity yet."),
        "votes": _("Votes per day"),
        "new_participants": _("New participants per day"),
        "statements": _("Statements per day"),
    }
    return render_template(
        "pages/report.html",
        issue=issue,
        report=report,
        frozen=frozen,
        group_index={group["id"]: i for i, group in enumerate(report["groups"])},
        participation_svg=participation_chart(report["participation"], titles),
        map_svg=map_chart(report["map"], labels, _("Opinion map")),
        frozen_list=frozen_reports(issue.id),
        export_public=export_is_public(issue) or viewer_is_staff(),
        stage_label=stage_label,
    )


@bp.get("/issues/<slug>/report")
def report(slug: str):
    issue = get_issue_by_slug(slug)
    require_public_issue(issue)
    return _render(issue, build_report(issue))


@bp.get("/issues/<slug>/report.csv")
def report_csv(slug: str):
    issue = get_issue_by_slug(slug)
    require_public_issue(issue)
    return _csv(statements_csv(build_report(issue)), f"{issue.slug}-report.csv")


@bp.get("/reports/<int:report_id>")
def frozen_report(report_id: int):
    found = get_frozen(report_id)
    require_public_issue(found.issue)
    return _render(found.issue, localized(found.data), frozen=found)


@bp.get("/reports/<int:report_id>.csv")
def frozen_report_csv(report_id: int):
    found = get_frozen(report_id)
    require_public_issue(found.issue)
    return _csv(statements_csv(found.data), f"{found.issue.slug}-report-{found.id}.csv")


def _csv(text: str, filename: str) -> Response:
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
