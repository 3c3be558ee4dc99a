"""Following an issue by email: double opt-in, one-click unsubscribe, and the notifications.

Links carry tokens signed with the app's secret (itsdangerous): the confirmation link expires
after a week, the unsubscribe link never does (RFC 8058 wants it to keep working).
"""

from __future__ import annotations

from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import select

from app.exceptions import AgoraError
from app.extensions import db
from app.models import Issue, IssueFollower, MinistryResponse, Stage, utcnow
from app.services.accountability.outbox import enqueue
from app.services.accounts import normalize_email
from app.services.labels import stage_label
from app.services.urls import public_url

CONFIRM_MAX_AGE = 7 * 24 * 60 * 60  # seconds
_CONFIRM_SALT = "agora.follow.confirm"
_UNSUBSCRIBE_SALT = "agora.follow.unsubscribe"


def _confirm_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_CONFIRM_SALT)


def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_UNSUBSCRIBE_SALT)


def confirm_token(follower: IssueFollower) -> str:
    return _confirm_serializer().dumps({"f": follower.id, "e": follower.email})


def unsubscribe_token(follower: IssueFollower) -> str:
    return _unsubscribe_serializer().dumps({"f": follower.id, "e": follower.email})


def _follower_from(payload: object) -> IssueFollower | None:
    if not isinstance(payload, dict):
        return None
    follower = db.session.get(IssueFollower, payload.get("f"))
    return follower if follower is not None and follower.email == payload.get("e") else None


# --- signing up, confirming, leaving ---------------------------------------------------------


def request_follow(issue: Issue, email: str, locale: str) -> IssueFollower:
    """Record the address (unconfirmed) and queue the confirmation email (not committed).

    The answer is the same whether or not the address already follows, so the form does not
    reveal who follows what; at most one confirmation email a day goes to an address.
    """
    try:
        address = normalize_email(validate_email(email.strip(), check_deliverability=False).normalized)
    except EmailNotValidError:
        raise AgoraError("invalid_email", _("Enter a valid email address."), 400) from None
    follower = db.session.scalar(select(IssueFollower).filter_by(issue_id=issue.id, email=address))
    if follower is None:
        follower = IssueFollower(issue_id=issue.id, email=address, locale=locale)
        db.session.add(follower)
        db.session.flush()
    if follower.confirmed_at is not None:
        return follower
    follower.locale = locale
    with force_locale(follower.locale):
        _enqueue_to(
            follower,
            f"confirm:{follower.id}:{utcnow().date().isoformat()}",
            _("Confirm that you want to follow “%(title)s”", title=issue.title),
            "email/confirm_follow.txt",
            issue=issue,
            confirm_url=public_url("accountability.confirm_follow", token=confirm_token(follower)),
            unsubscribe=False,
        )
    return follower


def follower_to_confirm(token: str) -> IssueFollower:
    """The follower a confirmation link names; a 400 for a bad, expired or stale link."""
    try:
        payload = _confirm_serializer().loads(token, max_age=CONFIRM_MAX_AGE)
    except SignatureExpired:
        raise AgoraError(
            "link_expired",
            _("This confirmation link has expired. Please sign up to follow again."),
            400,
        ) from None
    except BadSignature:
        raise AgoraError("bad_link", _("This link is not valid."), 400) from None
    follower = _follower_from(payload)
    if follower is None:
        raise AgoraError("bad_link", _("This link is not valid any more. Please sign up to follow again."), 400)
    return follower


def confirm_follow(token: str) -> IssueFollower:
    """Confirm the address in a confirmation link (not committed); idempotent."""
    follower = follower_to_confirm(token)
    if follower.confirmed_at is None:
        follower.confirmed_at = utcnow()
    return follower


def follower_for_unsubscribe(token: str) -> IssueFollower | None:
    """The follower an unsubscribe link names; None when it already left. Bad links get a 400."""
    try:
        payload = _unsubscribe_serializer().loads(token)
    except BadSignature:
        raise AgoraError("bad_link", _("This link is not valid."), 400) from None
    return _follower_from(payload)


def unsubscribe(token: str) -> Issue | None:
    """Forget the follower of an unsubscribe link (not committed); their issue, or None."""
    follower = follower_for_unsubscribe(token)
    if follower is None:
        return None
    issue = follower.issue
    db.session.delete(follower)
    return issue


# --- notifications (signal receivers call these after the change is committed) --------------


def _confirmed_followers(issue_id: int) -> list[IssueFollower]:
    return list(
        db.session.scalars(
            select(IssueFollower)
            .where(IssueFollower.issue_id == issue_id, IssueFollower.confirmed_at.is_not(None))
            .order_by(IssueFollower.id)
        )
    )


def notify_stage_changed(issue_id: int, stage: Stage | str, changed_at: datetime) -> int:
    """Queue an email per confirmed follower about a stage change, commit; how many are new."""
    issue = db.session.get(Issue, issue_id)
    if issue is None:
        return 0
    stage = Stage(stage)
    response = db.session.scalar(
        select(MinistryResponse).filter_by(issue_id=issue_id, answered_at=None).order_by(MinistryResponse.due_at)
    )
    added = 0
    for follower in _confirmed_followers(issue_id):
        with force_locale(follower.locale):
            added += _enqueue_to(
                follower,
                f"stage:{issue_id}:{stage.value}:{changed_at.isoformat()}:{follower.id}",
                _(
                    "“%(title)s” is now in the %(stage)s stage",
                    title=issue.title,
                    stage=stage_label(stage),
                ),
                "email/stage_changed.txt",
                issue=issue,
                stage=stage_label(stage),
                response=response,
            )
    db.session.commit()
    return added


def notify_response_published(issue_id: int, response_id: int) -> int:
    """Queue one email per confirmed follower about a published response, and commit."""
    response = db.session.get(MinistryResponse, response_id)
    if response is None or response.issue_id != issue_id:
        return 0
    added = 0
    for follower in _confirmed_followers(issue_id):
        with force_locale(follower.locale):
            added += _enqueue_to(
                follower,
                f"response:{response_id}:{follower.id}",
                _(
                    "%(agency)s answered on “%(title)s”",
                    agency=response.issue.steward_agency,
                    title=response.issue.title,
                ),
                "email/response_published.txt",
                issue=response.issue,
                response=response,
            )
    db.session.commit()
    return added


def _enqueue_to(
    follower: IssueFollower,
    dedupe_key: str,
    subject: str,
    template: str,
    *,
    unsubscribe: bool = True,
    **context,
) -> bool:
    """Render a plain-text email in the current (forced) locale and queue it."""
    headers: dict[str, str] = {"Auto-Submitted": "auto-generated"}
    unsubscribe_url = public_url("accountability.unsubscribe", token=unsubscribe_token(follower))
    if unsubscribe:
        # RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click" to this URL.
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    body = current_app.jinja_env.get_template(template).render(
        issue_url=public_url("pages.issue", slug=follower.issue.slug),
        unsubscribe_url=unsubscribe_url if unsubscribe else None,
        **context,
    )
    return enqueue(dedupe_key=dedupe_key, to=follower.email, subject=subject, text_body=body, headers=headers)
