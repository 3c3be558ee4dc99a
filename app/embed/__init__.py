"""Blueprint "embed" (/embed/<slug>): the minimal voting view other sites put in an iframe.

Only the origins listed in the issue's embed settings may frame it (CSP ``frame-ancestors``
through ``g.csp_frame_ancestors``, the contract of app/security's headers); every other page of
Agora stays unframeable. ``?xid=`` names the agency's own user id: it becomes that person's one
participant on this issue.
"""

from __future__ import annotations

from flask import Blueprint, g, render_template, request, session
from flask_babel import gettext as _

from app.exceptions import AgoraError
from app.services.integrations import xids
from app.services.integrations.embeds import small_map
from app.services.issues import get_issue_by_slug, issue_not_found
from app.services.opinion.routing import choose_next_statement
from app.services.participants import SESSION_KEY, get_or_create_participant
from app.services.process.stages import voting_open

bp = Blueprint("embed", __name__)


@bp.after_request
def frame_ancestors(response):
    """Until the app-wide security headers set the whole policy, say at least who may frame this."""
    origins = g.get("csp_frame_ancestors") or []
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors " + (" ".join(origins) or "'none'"))
    return response


@bp.get("/<slug>")
def issue(slug: str):
    found = get_issue_by_slug(slug)
    if getattr(found, "status", None) == "draft":  # drafts are private (issue 11)
        raise issue_not_found()
    settings = xids.settings_of(found.id)
    g.csp_frame_ancestors = list(settings.frame_origins or [])
    session["embed"] = True  # this browser's session cookie then goes cross-site (SameSite=None)
    g.embed_cookie = True
    xid_error = None
    xid = request.args.get("xid")
    participant_id = None
    if xid:
        try:
            participant_id = xids.participant_for_xid(found, xid).id
            session[SESSION_KEY] = participant_id
            session.permanent = True
        except AgoraError as error:
            xid_error = error.message
    elif not xids.policy_is_xid(found.id):
        participant_id = get_or_create_participant().id
    if xid_error is None and participant_id is None:
        xid_error = _("This issue is open only to the participants its agency lists, through its site.")
    statement = choose_next_statement(found, participant_id) if participant_id is not None else None
    return render_template(
        "embed/issue.html",
        issue=found,
        statement=statement,
        voting_open=voting_open(found),
        can_take_part=xid_error is None,
        xid_error=xid_error,
        map=small_map(found.id) if request.args.get("map") == "1" else None,
    )
