"""Console: the moderation queue (statements and discussion replies) and seed statements."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.console import bp
from app.console.forms import SeedForm
from app.exceptions import AgoraError
from app.extensions import db
from app.services import moderation
from app.services.issues import get_issue_by_slug
from app.services.participants import get_or_create_participant
from app.services.permissions import current_user_id
from app.services.process import activity, discussion
from app.services.statements import announce_statement, post_statement


@bp.get("/issues/<slug>/moderation")
def moderation_queue(slug: str):
    issue = get_issue_by_slug(slug)
    return _render_queue(issue, SeedForm())


def _render_queue(issue, seed_form):
    return render_template(
        "console/moderation.html",
        issue=issue,
        queue=moderation.queue(issue),
        statements=moderation.all_statements(issue),
        posts=discussion.pending_posts(issue),
        seed_form=seed_form,
    )


@bp.post("/issues/<slug>/statements/<int:statement_id>/moderate")
def moderate_statement(slug: str, statement_id: int):
    issue = get_issue_by_slug(slug)
    statement = moderation.moderate(issue, statement_id, request.form.get("action", ""), current_user_id())
    db.session.commit()
    moderation.announce_moderation(issue, statement)
    flash(_("Statement #%(id)d was moderated.", id=statement_id), "success")
    return redirect(url_for("console.moderation_queue", slug=issue.slug))


@bp.post("/issues/<slug>/seeds")
def seed_statement(slug: str):
    """A facilitator's seed statement: accepted at once, logged in the same transaction."""
    issue = get_issue_by_slug(slug)
    form = SeedForm()
    if form.validate_on_submit():
        participant = get_or_create_participant()
        activity.record(issue, "statement_seeded", current_user_id(), text=form.text.data[:200])
        try:
            statement = post_statement(issue, participant.id, form.text.data, as_staff=True)
        except AgoraError as error:
            db.session.rollback()
            form.text.errors.append(error.message)
            return _render_queue(issue, form), error.status
        db.session.commit()  # the statement and its log entry together
        announce_statement(statement, issue)
        flash(_("The seed statement was added."), "success")
        return redirect(url_for("console.moderation_queue", slug=issue.slug))
    return _render_queue(issue, form), 400


@bp.post("/issues/<slug>/posts/<int:post_id>/moderate")
def moderate_post(slug: str, post_id: int):
    issue = get_issue_by_slug(slug)
    action = request.form.get("action", "")
    if action not in ("accept", "reject"):
        raise AgoraError("moderation_action", _("Choose accept or reject."), 400)
    discussion.moderate_post(issue, post_id, action == "accept", current_user_id())
    db.session.commit()
    flash(_("The reply was moderated."), "success")
    return redirect(url_for("console.moderation_queue", slug=issue.slug))
