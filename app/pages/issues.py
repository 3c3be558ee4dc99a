"""Citizen pages: the issue list, an issue, my votes.

Every form works without JavaScript (POST, then redirect back); static/js/voting.js makes voting
smoother by calling the API instead.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.exceptions import AgoraError
from app.extensions import db, limiter
from app.models import Issue, VoteValue
from app.pages import bp
from app.security.redirects import safe_redirect_target
from app.services.issues import counts_for, get_issue_by_slug, issue_counts, list_issues
from app.services.labels import stage_label
from app.services.opinion.routing import choose_next_statement
from app.services.participants import current_participant_id, get_or_create_participant
from app.services.participation import policy
from app.services.participation.policy import check_can_write
from app.services.participation.visibility import (
    check_statements_open,
    map_visible_to_viewer,
    statements_open_to_viewer,
)
from app.services.process import stages
from app.services.rate_limits import participant_key, statement_limit, vote_limit
from app.services.statements import announce_statement, post_statement, validate_statement_text
from app.services.visibility import is_visible_to_citizens, viewer_is_staff
from app.services.voting import VoteOutcome, announce_vote, check_vote, record_vote, votes_of


@bp.get("/")
def home():
    """The list of issues, with their stage and counts."""
    issues = list_issues()
    return render_template(
        "pages/home.html",
        issues=issues,
        counts=issue_counts(issue.id for issue in issues),
        stage_label=stage_label,
    )


@bp.get("/issues/<slug>")
def issue(slug: str):
    """An issue: its description, one statement to vote on, and the form to add a statement."""
    found = get_issue_by_slug(slug)
    return _render_issue(found)


@bp.post("/issues/<slug>/votes")
@limiter.limit(vote_limit, key_func=participant_key)
def vote(slug: str):
    """The no-JavaScript vote: cast it, then go back to the page the form was on."""
    found = get_issue_by_slug(slug)
    ballot = check_vote(found.id, request.form.get("statement_id"), request.form.get("vote"))
    participant = get_or_create_participant()
    result = record_vote(ballot, participant.id)
    db.session.commit()
    announce_vote(ballot, participant.id, result)
    messages = {
        VoteOutcome.CREATED: _("Your vote was recorded."),
        VoteOutcome.CHANGED: _("Your vote was changed."),
        VoteOutcome.UNCHANGED: _("Your vote is unchanged."),
    }
    flash(messages[result.outcome], "success")
    return redirect(safe_redirect_target(request.form.get("next"), url_for("pages.issue", slug=found.slug)))


@bp.post("/issues/<slug>/statements")
@limiter.limit(statement_limit, key_func=participant_key)
def add_statement(slug: str):
    """Post a statement; on bad input show the page again with the message and the text kept."""
    found = get_issue_by_slug(slug)
    text = request.form.get("text", "")
    try:
        check_can_write(found)
        check_statements_open(found)
        validate_statement_text(found, text)
        participant = get_or_create_participant()
        statement = post_statement(found, participant.id, text, as_staff=viewer_is_staff())
    except AgoraError as error:
        db.session.rollback()
        return _render_issue(found, statement_error=error.message, draft=text), error.status
    db.session.commit()
    announce_statement(statement, found)
    if is_visible_to_citizens(statement, found):
        flash(_("Thank you! Your statement was posted."), "success")
    else:
        flash(_("Thank you! Your statement will appear once a moderator has accepted it."), "success")
    return redirect(url_for("pages.issue", slug=found.slug) + "#add-statement")


@bp.get("/issues/<slug>/my-votes")
def my_votes(slug: str):
    """Every statement this participant voted on, with the current vote, each changeable."""
    found = get_issue_by_slug(slug)
    return render_template(
        "pages/my_votes.html",
        issue=found,
        votes=votes_of(found, current_participant_id()),
        vote_values=list(VoteValue),
        stage_label=stage_label,
    )


def _render_issue(issue: Issue, statement_error: str | None = None, draft: str = ""):
    return render_template(
        "pages/issue.html",
        issue=issue,
        counts=counts_for(issue),
        statement=choose_next_statement(issue, current_participant_id()),
        refusal=policy.refusal(issue),
        map_visible=map_visible_to_viewer(issue),
        statements_open=statements_open_to_viewer(issue),
        voting_open=stages.voting_open(issue),
        vote_values=list(VoteValue),
        stage_label=stage_label,
        statement_error=statement_error,
        draft=draft,
    )
