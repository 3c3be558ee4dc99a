"""Console: the issue list, creating and editing issues with their stage plan, opening stages, the live map."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.console import bp
from app.console.forms import IssueForm
from app.exceptions import AgoraError
from app.extensions import db
from app.i18n import to_local, to_utc
from app.models import IssueStatus, ModerationMode, Stage
from app.services import issue_admin, statistics
from app.services.issues import get_issue_by_slug, issue_counts, list_issues
from app.services.permissions import current_user_id
from app.services.process import stages


@bp.get("/")
def index():
    issues = list_issues()
    return render_template("console/index.html", issues=issues, counts=issue_counts(i.id for i in issues))


@bp.route("/issues/new", methods=["GET", "POST"])
def new_issue():
    form = IssueForm()
    if form.validate_on_submit():
        try:
            issue = issue_admin.create_issue(
                title=form.title.data.strip(),
                slug=form.slug.data,
                description=form.description.data or "",
                steward_agency=(form.steward_agency.data or "").strip(),
                statement_max_length=form.statement_max_length.data,
                inform_response_days=form.inform_response_days.data,
                final_response_days=form.final_response_days.data,
                moderation_mode=ModerationMode(form.moderation_mode.data),
                actor_id=current_user_id(),
                status=IssueStatus.DRAFT,  # public once a facilitator publishes it
            )
            db.session.commit()
        except AgoraError as error:
            db.session.rollback()
            form.slug.errors.append(error.message)
        else:
            flash(
                _("The issue was created as a draft: only facilitators see it until you publish it (Participation)."),
                "success",
            )
            return redirect(url_for("console.edit_issue", slug=issue.slug))
    return render_template("console/issue_form.html", form=form, issue=None), 400 if form.errors else 200


@bp.route("/issues/<slug>", methods=["GET", "POST"])
def edit_issue(slug: str):
    issue = get_issue_by_slug(slug)
    if request.method == "GET":
        form = IssueForm(
            data={
                "title": issue.title,
                "slug": issue.slug,
                "description": issue.description,
                "steward_agency": issue.steward_agency,
                "statement_max_length": issue.statement_max_length,
                "inform_response_days": issue.inform_response_days,
                "final_response_days": issue.final_response_days,
                "moderation_mode": issue.moderation_mode.value,
            }
        )
        for stage in stages.stages_of(issue):
            form.stages.append_entry(
                {
                    "key": stage.key.value,
                    "starts_at": to_local(stage.starts_at),
                    "ends_at": to_local(stage.ends_at),
                    "description": stage.description,
                    "voting_open": stage.voting_open,
                }
            )
    else:
        form = IssueForm()
    if form.validate_on_submit():
        try:
            _save_issue(issue, form)
            db.session.commit()
        except AgoraError as error:
            db.session.rollback()
            flash(error.message, "error")
            return _render_edit(issue, form), error.status
        flash(_("The issue was saved."), "success")
        return redirect(url_for("console.edit_issue", slug=issue.slug))
    return _render_edit(issue, form), 400 if form.errors else 200


def _save_issue(issue, form: IssueForm) -> None:
    actor = current_user_id()
    issue_admin.update_issue(
        issue,
        actor_id=actor,
        title=form.title.data.strip(),
        slug=form.slug.data,
        description=form.description.data or "",
        steward_agency=(form.steward_agency.data or "").strip(),
        statement_max_length=form.statement_max_length.data,
        moderation_mode=ModerationMode(form.moderation_mode.data),
        inform_response_days=form.inform_response_days.data,
        final_response_days=form.final_response_days.data,
    )
    for entry in form.stages:
        try:
            key = Stage(entry.form.key.data)
        except ValueError:
            raise AgoraError("stage_unknown", _("There is no such stage."), 400) from None
        stages.update_stage(
            issue,
            key,
            starts_at=to_utc(entry.form.starts_at.data),
            ends_at=to_utc(entry.form.ends_at.data),
            description=entry.form.description.data or "",
            voting_open=entry.form.voting_open.data,
            actor_id=actor,
        )


def _render_edit(issue, form):
    # Posted stage keys are shown only when they name a stage (a forged form may send anything).
    return render_template(
        "console/issue_form.html", form=form, issue=issue, stage_keys={stage.value for stage in Stage}
    )


@bp.post("/issues/<slug>/stages/advance")
def advance_stage(slug: str):
    issue = get_issue_by_slug(slug)
    return _change_stage(issue, lambda expected: stages.advance(issue, current_user_id(), expected=expected))


@bp.post("/issues/<slug>/stages/open")
def open_stage(slug: str):
    issue = get_issue_by_slug(slug)
    key = request.form.get("stage", "")
    return _change_stage(issue, lambda expected: stages.open_stage(issue, key, current_user_id(), expected=expected))


def _change_stage(issue, change):
    """Change the stage once, whatever the number of clicks: the form names the stage it was shown
    as current, and a request whose change already happened (or was overtaken) changes nothing."""
    target = url_for("console.edit_issue", slug=issue.slug) + "#stages"
    try:
        done = change(request.form.get("from_stage") or None)
    except AgoraError as error:
        db.session.rollback()
        if error.code != "stage_changed":
            raise
        flash(_("The stage had already changed; nothing else was done."), "info")
        return redirect(target)
    db.session.commit()
    stages.announce(done)
    flash(_("Stage “%(stage)s” is open.", stage=stages.stage_label(done.stage)), "success")
    return redirect(target)


@bp.get("/issues/<slug>/map")
def opinion_map(slug: str):
    """The live opinion map with participation statistics."""
    issue = get_issue_by_slug(slug)
    return render_template("console/map.html", issue=issue, stats=statistics.stats(issue))
