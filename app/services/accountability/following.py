"""Following an issue by email: double opt-in, one-click unsubscribe, and the notifications.

Links carry tokens signed with the app's secret (itsdangerous): the confirmation link expires
after a week, the unsubscribe link never does (RFC 8058 wants it to keep working). What they sign
is the follower's random ``token``, nothing else: a link shows neither the address nor the row,
and a well-signed link to a follower who has left is told apart from a forged one.
"""

from __future__ import annotations

from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app.exceptions import AgoraError
from app.extensions import db
from app.models import Issue, IssueFollower, MinistryResponse, Stage, new_follower_token, utcnow
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
    return _confirm_serializer().dumps(follower.token)


def unsubscribe_token(follower: IssueFollower) -> str:
    return _unsubscribe_serializer().dumps(follower.token)


def _follower_from(payload: object) -> IssueFollower | None:
    if not isinstance(payload, str) or not payload:
        return None
    return db.session.scalar(select(IssueFollower).filter_by(token=payload))


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
    follower = _add_follower(issue, address, locale)
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


def _add_follower(issue: Issue, address: str, locale: str) -> IssueFollower:
    """The address's follower row for the issue, inserted unless it exists.

    ``INSERT ... ON CONFLICT DO NOTHING``: two sign-ups of the same address at once (a double
    click) end with one row and no IntegrityError, on SQLite and PostgreSQL alike.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(IssueFollower)
        .values(issue_id=issue.id, email=address, locale=locale, token=new_follower_token(), created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["issue_id", "email"])
    )
    return db.session.scalar(select(IssueFollower).filter_by(issue_id=issue.id, email=address))


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


# --- notifications (queued in the transaction of the change they announce) -----------------


def _confirmed_followers(issue_id: int) -> list[IssueFollower]:
    return list(
        db.session.scalars(
            select(IssueFollower)
            .where(IssueFollower.issue_id == issue_id, IssueFollower.confirmed_at.is_not(None))
            .order_by(IssueFollower.id)
        )
    )


def queue_stage_changed(issue: Issue, stage: Stage | str, changed_at: datetime) -> int:
    """Queue an email per confirmed follower about a stage change, in the change's transaction
    (not committed); how many are new (the dedupe key makes a repeat a no-op)."""
    stage = Stage(stage)
    response = db.session.scalar(
        select(MinistryResponse).filter_by(issue_id=issue.id, answered_at=None).order_by(MinistryResponse.due_at)
    )
    added = 0
    for follower in _confirmed_followers(issue.id):
        with force_locale(follower.locale):
            added += _enqueue_to(
                follower,
                f"stage:{issue.id}:{stage.value}:{changed_at.isoformat()}:{follower.id}",
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
    return added


def queue_response_published(response: MinistryResponse) -> int:
    """Queue one email per confirmed follower about a published response, in the publication's
    transaction (not committed)."""
    added = 0
    for follower in _confirmed_followers(response.issue_id):
        with force_locale(follower.locale):
            added += _enqueue_to(
                follower,
                f"response:{response.id}:{follower.id}",
                _(
                    "%(agency)s answered on “%(title)s”",
                    agency=response.issue.steward_agency,
                    title=response.issue.title,
                ),
                "email/response_published.txt",
                issue=response.issue,
                response=response,
            )
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
