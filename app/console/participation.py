"""Console: an issue's participation settings, invite codes, and coordinated-voting signals."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.console import bp
from app.extensions import db
from app.models import IssueStatus, ModerationMode, Participation
from app.services.issues import get_issue_by_slug
from app.services.participation import coordination, exclusion, invites
from app.services.participation.settings import apply_settings, parse_settings
from app.services.permissions import current_user_id


def _page(issue, status: int = 200):
    return render_template(
        "console/participation.html",
        issue=issue,
        participations=list(Participation),
        statuses=list(IssueStatus),
        moderation_modes=list(ModerationMode),
        invite_codes=invites.codes_of(issue),
        signals=coordination.signals(issue),
        batches=exclusion.batches(issue),
    ), status


@bp.get("/issues/<slug>/participation")
def participation(slug: str):
    return _page(get_issue_by_slug(slug))


@bp.post("/issues/<slug>/settings")
def save_settings(slug: str):
    issue = get_issue_by_slug(slug)
    form = request.form
    changes = parse_settings(
        {
            "participation": form.get("participation", ""),
            "status": form.get("status", ""),
            "moderation_mode": form.get("moderation_mode", ""),
            # Unticked checkboxes are not sent at all.
            "map_visible": form.get("map_visible") == "y",
            "statements_open": form.get("statements_open") == "y",
        }
    )
    apply_settings(issue, changes, current_user_id())
    db.session.commit()
    flash(_("The participation settings were saved."), "success")
    return redirect(url_for("console.participation", slug=issue.slug))


@bp.post("/issues/<slug>/invites")
def create_invites(slug: str):
    issue = get_issue_by_slug(slug)
    count = invites.parse_count(request.form.get("count", ""))
    invites.generate(issue, count, current_user_id())
    db.session.commit()
    flash(_("%(count)d invite codes were created. Download them as CSV.", count=count), "success")
    return redirect(url_for("console.participation", slug=issue.slug) + "#invites")


@bp.get("/issues/<slug>/invites.csv")
def export_invites(slug: str):
    issue = get_issue_by_slug(slug)
    return Response(
        invites.as_csv(issue),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{issue.slug}-invites.csv"'},
    )


@bp.post("/issues/<slug>/exclusions")
def exclude(slug: str):
    issue = get_issue_by_slug(slug)
    ids = exclusion.parse_participant_ids(request.form.getlist("participant_id"))
    count = exclusion.exclude(issue, ids, request.form.get("reason", ""), current_user_id())
    db.session.commit()
    exclusion.after_commit(issue.id)
    flash(_("%(count)d participants were excluded from the map and the counts.", count=count), "success")
    return redirect(url_for("console.participation", slug=issue.slug) + "#exclusions")


@bp.post("/issues/<slug>/exclusions/<batch>/undo")
def include_again(slug: str, batch: str):
    issue = get_issue_by_slug(slug)
    count = exclusion.undo(issue, batch, request.form.get("reason", ""), current_user_id())
    db.session.commit()
    exclusion.after_commit(issue.id)
    flash(_("%(count)d participants count again.", count=count), "success")
    return redirect(url_for("console.participation", slug=issue.slug) + "#exclusions")
