"""Invite links of invite-only issues: open the link, accept, take part."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.extensions import db, limiter
from app.pages import bp
from app.services.issues import get_issue_by_slug
from app.services.participants import caller_participant_id
from app.services.participation import invites
from app.services.participation.policy import has_invite
from app.services.rate_limits import participant_key, vote_limit


@bp.get("/issues/<slug>/invite/<code>")
def invite(slug: str, code: str):
    """The invitation, with a button to accept it (reading it writes nothing)."""
    issue = get_issue_by_slug(slug)
    found = invites.find(issue, code)
    mine = found.participant_id is not None and found.participant_id == caller_participant_id()
    if mine or has_invite(issue.id, caller_participant_id()):
        return redirect(url_for("pages.issue", slug=issue.slug))
    return render_template("pages/invite.html", issue=issue, code=code, used=found.participant_id is not None)


@bp.post("/issues/<slug>/invite/<code>")
@limiter.limit(vote_limit, key_func=participant_key)
def accept_invite(slug: str, code: str):
    issue = get_issue_by_slug(slug)
    invites.redeem(issue, code)
    db.session.commit()
    flash(_("Welcome! You can now take part in this issue."), "success")
    return redirect(url_for("pages.issue", slug=issue.slug))
