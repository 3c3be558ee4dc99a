"""Following an issue by email: sign up, confirm (double opt-in), unsubscribe (RFC 8058)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.accountability import bp
from app.exceptions import AgoraError
from app.extensions import csrf, db, limiter
from app.services.accountability import following
from app.services.issues import get_issue_by_slug

FOLLOW_LIMIT = "10 per hour"


@bp.route("/issues/<slug>/follow", methods=["GET", "POST"])
@limiter.limit(FOLLOW_LIMIT, methods=["POST"])
def follow(slug: str):
    """The sign-up form (also on the issue page); a POST sends the confirmation email."""
    issue = get_issue_by_slug(slug)
    if request.method == "GET":
        return render_template("accountability/follow.html", issue=issue)
    email = request.form.get("email", "")
    try:
        following.request_follow(issue, email, str(get_locale() or "zh_TW"))
    except AgoraError as error:
        return render_template(
            "accountability/follow.html", issue=issue, error=error.message, email=email
        ), error.status
    try:
        db.session.commit()
    except IntegrityError:  # the same address signed up in a parallel request: that one counts
        db.session.rollback()
    flash(
        _("Almost done: we sent you an email. Open the link in it to confirm that you follow this issue."),
        "success",
    )
    return redirect(url_for("pages.issue", slug=issue.slug) + "#follow")


@bp.route("/follow/confirm/<token>", methods=["GET", "POST"])
def confirm_follow(token: str):
    """GET shows a button and POST confirms, so a mail scanner opening links confirms nothing."""
    if request.method == "GET":
        follower = following.follower_to_confirm(token)
        return render_template("accountability/confirm.html", token=token, follower=follower)
    follower = following.confirm_follow(token)
    issue = follower.issue
    db.session.commit()
    flash(_("Thank you: you now follow this issue by email."), "success")
    return redirect(url_for("pages.issue", slug=issue.slug))


@bp.route("/follow/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token authorises it; RFC 8058 clients POST without our cookies
def unsubscribe(token: str):
    """One-click unsubscribe: a POST (the email's button or a mail client) unsubscribes."""
    if request.method == "GET":
        follower = following.follower_for_unsubscribe(token)
        return render_template("accountability/unsubscribe.html", token=token, follower=follower, done=False)
    issue = following.unsubscribe(token)
    db.session.commit()
    return render_template("accountability/unsubscribe.html", token=token, issue=issue, done=True)
