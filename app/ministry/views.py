"""The ministry's dashboard, the point-by-point response form and the extension form.

Every view checks on the server that the user belongs to the issue's steward agency (or is an
admin); a refused or invalid form stores nothing and is shown again with what was typed.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import signals
from app.auth.decorators import require_role
from app.exceptions import AgoraError
from app.extensions import db
from app.i18n import parse_local_datetime
from app.ministry import bp
from app.models import MinistryResponse, Role, Verdict
from app.services.accountability import following
from app.services.accountability.response_points import required_points
from app.services.accountability.responses import (
    extend_response,
    get_response,
    publish_response,
    responses_for_agency,
)
from app.services.permissions import can_publish_response


def _answerable(response_id: int) -> MinistryResponse:
    """The response, if the current user may answer it (403 otherwise)."""
    response = get_response(response_id)
    if not can_publish_response(current_user, response.issue):
        abort(403)
    return response


def _form_answers() -> dict[str, tuple[str, str]]:
    """{point key: (verdict, reasons)} from the ``verdict-<key>`` and ``reasons-<key>`` fields."""
    keys = {name.split("-", 1)[1] for name in request.form if name.startswith(("verdict-", "reasons-"))}
    return {key: (request.form.get(f"verdict-{key}", ""), request.form.get(f"reasons-{key}", "")) for key in keys}


@bp.get("/")
@require_role(Role.MINISTRY)
def dashboard():
    """The responses the user's agency owes and has given, the most urgent first."""
    return render_template("ministry/dashboard.html", responses=responses_for_agency(current_user))


@bp.route("/responses/<int:response_id>", methods=["GET", "POST"])
@require_role(Role.MINISTRY)
def answer(response_id: int):
    """The point-by-point form; publishing is one transaction, then followers are told."""
    response = _answerable(response_id)
    if response.answered_at is not None:
        return redirect(url_for("pages.issue", slug=response.issue.slug) + f"#response-{response.id}")
    error, answers, summary = None, {}, ""
    if request.method == "POST":
        answers, summary = _form_answers(), request.form.get("summary", "")
        try:
            publish_response(response, current_user, summary, answers)
            following.queue_response_published(response)  # in the same transaction
        except AgoraError as failure:
            if failure.code == "already_published":  # a double click: the first one published it
                db.session.rollback()
                return redirect(url_for("pages.issue", slug=response.issue.slug) + f"#response-{response.id}")
            error = _refused(failure)
        else:
            db.session.commit()
            signals.response_published.send(
                current_app._get_current_object(),
                issue_id=response.issue_id,
                response_id=response.id,
                kind=response.kind.value,
            )
            flash(_("Your response is published."), "success")
            return redirect(url_for("pages.issue", slug=response.issue.slug) + f"#response-{response.id}")
    response = get_response(response_id)  # fresh after a rollback
    return render_template(
        "ministry/answer.html",
        response=response,
        points=required_points(response),
        verdicts=list(Verdict),
        answers=answers,
        summary=summary,
        error=error,
    ), (400 if error else 200)


@bp.route("/responses/<int:response_id>/extend", methods=["GET", "POST"])
@require_role(Role.MINISTRY)
def extend(response_id: int):
    """Postpone the deadline, with a public reason."""
    response = _answerable(response_id)
    error = None
    if request.method == "POST":
        try:
            new_due_at = parse_local_datetime(request.form.get("new_due_at", ""))
            extend_response(response, current_user, request.form.get("reason", ""), new_due_at)
        except AgoraError as failure:
            error = _refused(failure)
        else:
            db.session.commit()
            flash(_("The new deadline is published, with your reason."), "success")
            return redirect(url_for("pages.issue", slug=response.issue.slug) + f"#response-{response.id}")
        response = get_response(response_id)
    return render_template(
        "ministry/extend.html",
        response=response,
        error=error,
        reason=request.form.get("reason", ""),
        new_due_at=request.form.get("new_due_at", ""),
    ), (400 if error else 200)


def _refused(failure: AgoraError) -> str:
    """Undo a refused form's writes and return its message for the page; anything but a 400 (a
    missing or foreign response, a closed deadline) goes on to the error handlers."""
    db.session.rollback()
    if failure.status != 400:
        raise failure
    return failure.message
