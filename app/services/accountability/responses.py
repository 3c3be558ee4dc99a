"""Ministry responses: opened by stage changes, answered point by point, extended in public."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update

from app.exceptions import AgoraError
from app.extensions import db
from app.models import (
    Issue,
    IssueStatus,
    MinistryResponse,
    ResponseExtension,
    ResponseKind,
    ResponsePoint,
    Role,
    Stage,
    Verdict,
    utcnow,
)
from app.models.deadlines import ResponseStatus, check_extension, due_date
from app.services.accountability.response_points import required_points
from app.services.permissions import can_publish_response

#: The stage whose opening makes each kind of response due.
KIND_FOR_STAGE = {Stage.INFORM: ResponseKind.INFORM, Stage.RESPONSE: ResponseKind.FINAL}

# --- opening -------------------------------------------------------------------------------


def open_response(issue: Issue, kind: ResponseKind, opened_at: datetime) -> MinistryResponse | None:
    """Add the response of ``kind`` due from ``opened_at``; None when the issue already has one.

    Reopening a stage therefore never resets a deadline or creates a second response.
    """
    existing = db.session.scalar(select(MinistryResponse).filter_by(issue_id=issue.id, kind=kind))
    if existing is not None:
        return None
    days = issue.inform_response_days if kind is ResponseKind.INFORM else issue.final_response_days
    due_at = due_date(opened_at, days)
    response = MinistryResponse(
        issue_id=issue.id,
        kind=kind,
        opened_at=opened_at,
        due_at=due_at,
        original_due_at=due_at,
        summary="",
    )
    db.session.add(response)
    return response


def open_for_stage(issue: Issue, stage: Stage | str, changed_at: datetime) -> MinistryResponse | None:
    """Open the response ``stage`` makes due, in the stage change's transaction (not committed)."""
    kind = KIND_FOR_STAGE.get(Stage(stage))
    if kind is None:
        return None
    return open_response(issue, kind, changed_at)


# --- publishing -----------------------------------------------------------------------------


def _require_publisher(user: object, issue: Issue) -> None:
    if not can_publish_response(user, issue):
        raise AgoraError(
            "forbidden",
            _("Only members of the steward agency can answer or extend this response."),
            403,
        )


def _require_unanswered(response: MinistryResponse) -> None:
    if response.answered_at is not None:
        raise _already_published()


def _already_published() -> AgoraError:
    return AgoraError("already_published", _("This response has already been published."), 409)


def publish_response(
    response: MinistryResponse,
    user: object,
    summary: str,
    answers: Mapping[str, tuple[str, str]],
    now: datetime | None = None,
) -> MinistryResponse:
    """Store the answers to every required point and mark the response answered (not committed).

    ``answers`` maps each point's key to (verdict, reasons). Nothing is written unless every
    point has a known verdict and non-empty reasons; the error lists the points still missing.
    """
    _require_publisher(user, response.issue)
    _require_unanswered(response)
    points = required_points(response)
    valid = {v.value for v in Verdict}
    missing = [
        p.subject
        for p in points
        if answers.get(p.key, ("", ""))[0] not in valid or not answers.get(p.key, ("", ""))[1].strip()
    ]
    if missing:
        listed = "; ".join(f"“{_shorten(subject)}”" for subject in missing)
        raise AgoraError(
            "points_missing",
            _(
                "Give a verdict and reasons for every point. Still missing: %(points)s",
                points=listed,
            ),
            400,
        )
    published_at = now or utcnow()
    # Claimed with a conditional UPDATE: of two concurrent publications (a double click), the
    # second finds the response answered and writes nothing (the unique position backs this up).
    claimed = db.session.execute(
        update(MinistryResponse)
        .where(MinistryResponse.id == response.id, MinistryResponse.answered_at.is_(None))
        .values(answered_at=published_at, published_by_id=getattr(user, "id", None), summary=summary.strip())
    )
    if claimed.rowcount != 1:
        raise _already_published()
    for position, point in enumerate(points):
        verdict, reasons = answers[point.key]
        response.points.append(
            ResponsePoint(
                position=position,
                source=point.source,
                statement_id=point.statement_id,
                decision_proposal_id=point.decision_proposal_id,
                group_ids=list(point.group_ids),
                subject=point.subject,
                verdict=Verdict(verdict),
                reasons=reasons.strip(),
            )
        )
    return response


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- extensions -----------------------------------------------------------------------------


def extend_response(
    response: MinistryResponse,
    user: object,
    reason: str,
    new_due_at: datetime,
    now: datetime | None = None,
) -> ResponseExtension:
    """Move the deadline later, with a public reason; the original deadline stays on record."""
    _require_publisher(user, response.issue)
    _require_unanswered(response)
    if not reason.strip():
        raise AgoraError("reason_required", _("An extension needs a public reason."), 400)
    problem = check_extension(response.due_at, new_due_at, now or utcnow())
    if problem == "not_later":
        raise AgoraError("not_later", _("The new deadline must be later than the current one."), 400)
    if problem == "in_past":
        raise AgoraError("in_past", _("The new deadline must be in the future."), 400)
    extension = ResponseExtension(
        reason=reason.strip(),
        previous_due_at=response.due_at,
        new_due_at=new_due_at,
        created_by_id=getattr(user, "id", None),
        created_at=now or utcnow(),
    )
    response.extensions.append(extension)
    response.due_at = new_due_at
    return extension


# --- reading --------------------------------------------------------------------------------


def parse_status(value: str | None) -> ResponseStatus | None:
    """The ``status`` filter of the list and the API: empty for all, else open/overdue/answered."""
    if not value:
        return None
    try:
        return ResponseStatus(value)
    except ValueError:
        raise AgoraError(
            "bad_status",
            _(
                "Unknown status “%(status)s”: use open, overdue or answered.",
                status=_shorten(value, 30),
            ),
            400,
        ) from None


def list_responses(status: ResponseStatus | None = None, now: datetime | None = None) -> list[MinistryResponse]:
    """Responses across issues: the most urgent unanswered first, then the latest answered."""
    now = now or utcnow()
    query = select(MinistryResponse).join(Issue).where(Issue.status == IssueStatus.PUBLISHED)
    if status is ResponseStatus.ANSWERED:
        query = query.where(MinistryResponse.answered_at.is_not(None))
    elif status is ResponseStatus.OPEN:
        query = query.where(MinistryResponse.answered_at.is_(None), MinistryResponse.due_at >= now)
    elif status is ResponseStatus.OVERDUE:
        query = query.where(MinistryResponse.answered_at.is_(None), MinistryResponse.due_at < now)
    query = query.order_by(
        MinistryResponse.answered_at.is_not(None),
        MinistryResponse.due_at,
        MinistryResponse.answered_at.desc(),
        MinistryResponse.id,
    )
    return list(db.session.scalars(query))


def responses_for_issue(issue_id: int) -> list[MinistryResponse]:
    """An issue's responses, inform first."""
    responses = db.session.scalars(select(MinistryResponse).filter_by(issue_id=issue_id))
    return sorted(responses, key=lambda r: list(ResponseKind).index(r.kind))


def responses_for_agency(user: object) -> list[MinistryResponse]:
    """The responses a ministry member answers (an admin: all), unanswered first."""
    query = select(MinistryResponse).join(Issue)
    if getattr(user, "role", None) is not Role.ADMIN:
        query = query.where(
            Issue.steward_agency == (getattr(user, "agency", None) or ""),
            Issue.steward_agency != "",
        )
    query = query.order_by(MinistryResponse.answered_at.is_not(None), MinistryResponse.due_at)
    return list(db.session.scalars(query))


def get_response(response_id: int) -> MinistryResponse:
    """The response with this id, or a 404."""
    response = db.session.get(MinistryResponse, response_id)
    if response is None:
        raise AgoraError("not_found", _("We could not find that response."), 404)
    return response
