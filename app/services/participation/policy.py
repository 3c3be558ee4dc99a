"""The participation rule of an issue: who may vote, post statements and reply. Reading stays public."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import exists, select

from app.exceptions import AgoraError
from app.extensions import db
from app.models import InviteCode, Issue, Participation
from app.services.participants import caller_participant_id
from app.services.visibility import viewer_is_staff

CODE = "participation_required"


@dataclass(frozen=True)
class IssueRule:
    """The columns the rule needs, for callers that read them without loading the issue."""

    id: int
    slug: str
    participation: Participation


@dataclass(frozen=True)
class Refusal:
    """Why the current caller may not write here, and what to do about it."""

    message: str
    action_url: str | None = None
    action_label: str | None = None

    def error(self) -> AgoraError:
        return AgoraError(CODE, self.message, 403)


def refusal(issue: Issue | IssueRule) -> Refusal | None:
    """None when the caller may write in ``issue``; else what the page shows instead of the vote buttons."""
    rule = issue.participation
    # XID issues are checked by the embed's own rule (services.integrations.xids.check_participation).
    if rule in (Participation.OPEN, Participation.XID) or viewer_is_staff():
        return None
    next_url = url_for("pages.issue", slug=issue.slug)
    logged_in = current_user.is_authenticated
    if rule is Participation.REGISTERED:
        if logged_in:
            return None
        return Refusal(
            _("Only people with an account take part in this issue. Log in or register to vote and write."),
            url_for("auth.login", next=next_url),
            _("Log in"),
        )
    if rule is Participation.VERIFIED:
        if not logged_in:
            return Refusal(
                _(
                    "Only people with a verified email address take part in this issue. "
                    "Log in (or register), then verify your email address."
                ),
                url_for("auth.login", next=next_url),
                _("Log in"),
            )
        if current_user.email_verified_at is None:
            return Refusal(
                _(
                    "Only people with a verified email address take part in this issue. "
                    "Follow the link in the verification email we sent you, or ask for a new one."
                ),
                url_for("auth.verify_request"),
                _("Send the verification email again"),
            )
        return None
    if rule is Participation.INVITE:
        if has_invite(issue.id, caller_participant_id()):
            return None
        return Refusal(
            _(
                "This issue is open to invited people only. Open the invite link you were sent "
                "(on this device, or after logging in) to take part."
            )
        )
    return Refusal(_("You cannot take part in this issue."))


def check_can_write(issue: Issue | IssueRule) -> None:
    """Raise the 403 ``participation_required`` when the issue's rule refuses the caller."""
    found = refusal(issue)
    if found is not None:
        raise found.error()


def has_invite(issue_id: int, participant_id: int | None) -> bool:
    if participant_id is None:
        return False
    return bool(
        db.session.scalar(
            select(exists().where(InviteCode.issue_id == issue_id, InviteCode.participant_id == participant_id))
        )
    )
