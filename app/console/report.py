"""Console: the report's group names, the open data's license and hold-back, freezing the report."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.console import bp
from app.exceptions import AgoraError
from app.extensions import db
from app.models import STAGE_ORDER
from app.services.issues import get_issue_by_slug
from app.services.opendata.access import LICENSES, settings_for
from app.services.permissions import current_user_id
from app.services.process import activity
from app.services.report.build import default_group_label, group_labels
from app.services.report.frozen import ON_DEMAND, announce, freeze, frozen_reports
from app.services.report.settings import save_group_labels, save_open_data_settings
from app.services.report.state import latest_report_state


@bp.get("/issues/<slug>/report")
def report_settings(slug: str):
    issue = get_issue_by_slug(slug)
    state = latest_report_state(issue.id)
    labels = group_labels(issue.id)
    groups = [
        {
            "id": gid,
            "default": default_group_label(gid),
            "name": labels[gid].name if gid in labels else "",
            "description": labels[gid].description if gid in labels else "",
            "size": state.group_sizes.get(gid, 0) if state else 0,
        }
        for gid in sorted(set(state.group_votes if state else ()) | set(labels))
    ]
    return render_template(
        "console/report.html",
        issue=issue,
        groups=groups,
        settings=settings_for(issue),
        licenses=[(spdx, name) for spdx, (name, _url) in LICENSES.items()],
        stages=STAGE_ORDER,
        frozen_list=frozen_reports(issue.id),
    )


@bp.post("/issues/<slug>/report/groups")
def save_groups(slug: str):
    issue = get_issue_by_slug(slug)
    labels = {}
    for key in request.form:
        if key.startswith("name-") and key[5:].isdigit():
            gid = int(key[5:])
            labels[gid] = (request.form.get(key, ""), request.form.get(f"description-{gid}", ""))
    return _save(issue, lambda: save_group_labels(issue, labels, current_user_id()), _("The group names were saved."))


@bp.post("/issues/<slug>/report/open-data")
def save_open_data(slug: str):
    issue = get_issue_by_slug(slug)
    return _save(
        issue,
        lambda: save_open_data_settings(
            issue, request.form.get("license", ""), request.form.get("public_from_stage", ""), current_user_id()
        ),
        _("The open data settings were saved."),
    )


@bp.post("/issues/<slug>/report/freeze")
def freeze_report(slug: str):
    issue = get_issue_by_slug(slug)
    report = freeze(issue, ON_DEMAND, user_id=current_user_id())
    activity.record(issue, "report_frozen", current_user_id(), report_id=report.id)
    db.session.commit()
    announce(report)
    flash(_("The report was frozen."), "success")
    return redirect(url_for("pages.frozen_report", report_id=report.id))


def _save(issue, work, message: str):
    try:
        work()
        db.session.commit()
    except AgoraError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("console.report_settings", slug=issue.slug)), 303
    flash(message, "success")
    return redirect(url_for("console.report_settings", slug=issue.slug))
