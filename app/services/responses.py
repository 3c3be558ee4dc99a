"""Ministry responses: opened by stage changes, answered point by point, extended in public."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.errors import AgoraError
from app.extensions import db
from app.models import (
    DecisionProposal,
    Issue,
    MinistryResponse,
    ModerationStatus,
    OpinionSnapshot,
    PointSource,
    ResponseExtension,
    ResponseKind,
    ResponsePoint,
    Role,
    Stage,
    Statement,
    Verdict,
    Vote,
    VoteValue,
    utcnow,
)
from app.services.deadlines import ResponseStatus, check_extension, due_date
from app.services.permissions import can_publish_response

#: The stage whose opening makes each kind of response due.
KIND_FOR_STAGE = {Stage.INFORM: ResponseKind.INFORM, Stage.RESPONSE: ResponseKind.FINAL}

KIND_LABELS = {
    ResponseKind.INFORM: _l("Inform-stage response"),
    ResponseKind.FINAL: _l("Final response"),
}
VERDICT_LABELS = {
    Verdict.ACCEPTED: _l("Accepted"),
    Verdict.UNDER_STUDY: _l("Under study"),
    Verdict.NOT_ADOPTED: _l("Not adopted"),
}

#: Without an opinion map, this many of the most agreed-with statements are answered.
FALLBACK_POINTS = 10


@dataclass(frozen=True)
class GroupShare:
    """How one opinion group voted on a statement (shares of those who saw it)."""

    group_id: int
    agree: float
    disagree: float

    @property
    def label(self) -> str:
        return group_label(self.group_id)


def group_label(group_id: int) -> str:
    """Groups are lettered A, B, C ... as on the opinion map."""
    return chr(ord("A") + group_id) if 0 <= group_id < 26 else str(group_id)


@dataclass
class _Entry:
    statement_id: int
    source: PointSource
    group_ids: list[int]
    shares: tuple[GroupShare, ...] = ()


@dataclass(frozen=True)
class PointSpec:
    """A point the ministry must answer; ``key`` names its form fields."""

    key: str
    source: PointSource
    subject: str
    statement_id: int | None = None
    decision_proposal_id: int | None = None
    group_ids: tuple[int, ...] = field(default=())
    shares: tuple[GroupShare, ...] = field(default=())  # for the form only; not stored


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


# --- what must be answered ------------------------------------------------------------------


def _items(items: object) -> list[tuple[int, list]]:
    """(statement id, per-group shares) from a snapshot list of ints or of statement objects."""
    found: list[tuple[int, list]] = []
    for item in items if isinstance(items, list) else []:
        value = item.get("statement_id") if isinstance(item, dict) else item
        shares = item.get("by_group") if isinstance(item, dict) else None
        if isinstance(value, int):
            found.append((value, shares if isinstance(shares, list) else []))
    return found


def _snapshot_statements(issue: Issue) -> list[_Entry] | None:
    """The consensus and representative statements of the latest opinion map; None without one.

    Reads the stored payload of app.services.opinion_map (``majority`` agree/disagree lists,
    ``group_informed_consensus``, and each group's ``representative`` statements).
    """
    snapshot = db.session.scalar(
        select(OpinionSnapshot).filter_by(issue_id=issue.id).order_by(OpinionSnapshot.tick.desc()).limit(1)
    )
    if snapshot is None or not isinstance(snapshot.result, dict):
        return None
    result = snapshot.result
    found: dict[int, _Entry] = {}
    consensus: list[tuple[int, list]] = []
    for key in ("majority", "consensus"):
        lists = result.get(key)
        if isinstance(lists, dict):
            consensus += _items(lists.get("agree")) + _items(lists.get("disagree"))
        else:
            consensus += _items(lists)
    consensus += _items(result.get("group_informed_consensus"))
    for statement_id, shares in consensus:
        found.setdefault(statement_id, _Entry(statement_id, PointSource.CONSENSUS, [], _shares(shares)))
    for group in result.get("groups") or []:
        if not isinstance(group, dict) or not isinstance(group.get("id"), int):
            continue
        for statement_id, shares in _items(group.get("representative")):
            entry = found.setdefault(statement_id, _Entry(statement_id, PointSource.GROUP, [], _shares(shares)))
            if group["id"] not in entry.group_ids:
                entry.group_ids.append(group["id"])
    return list(found.values()) or None


def _shares(by_group: list) -> tuple[GroupShare, ...]:
    return tuple(
        GroupShare(int(g["group_id"]), float(g.get("agree", 0)), float(g.get("disagree", 0)))
        for g in by_group
        if isinstance(g, dict) and isinstance(g.get("group_id"), int)
    )


def _most_agreed(issue: Issue) -> list[_Entry]:
    """The accepted statements with the most agree votes: the fallback before any opinion map."""
    agrees = func.count(Vote.id).filter(Vote.value == int(VoteValue.AGREE))
    rows = db.session.execute(
        select(Statement.id)
        .outerjoin(Vote, Vote.statement_id == Statement.id)
        .where(
            Statement.issue_id == issue.id,
            Statement.moderation_status == ModerationStatus.ACCEPTED,
            Statement.is_meta.is_(False),
        )
        .group_by(Statement.id)
        .order_by(agrees.desc(), Statement.id)
        .limit(FALLBACK_POINTS)
    ).scalars()
    return [_Entry(sid, PointSource.TOP, []) for sid in rows]


def _statement_points(issue: Issue, entries: list[_Entry]) -> list[PointSpec]:
    """Point specs for statements still in the opinion math (rejected and meta ones left it)."""
    statements = {
        s.id: s
        for s in db.session.scalars(select(Statement).where(Statement.id.in_([e.statement_id for e in entries])))
        if s.issue_id == issue.id and s.moderation_status != ModerationStatus.REJECTED and not s.is_meta
    }
    return [
        PointSpec(
            f"statement-{e.statement_id}",
            e.source,
            statements[e.statement_id].text,
            statement_id=e.statement_id,
            group_ids=tuple(e.group_ids),
            shares=e.shares,
        )
        for e in entries
        if e.statement_id in statements
    ]


def required_points(response: MinistryResponse) -> list[PointSpec]:
    """Everything this response must answer, in the order the form shows it.

    The inform response answers the consensus and each group's representative statements of
    the latest opinion map (or, before there is one, the most agreed-with statements). The
    final response answers every decision proposal and again every point of the inform response.
    """
    issue = response.issue
    inform = (
        db.session.scalar(select(MinistryResponse).filter_by(issue_id=issue.id, kind=ResponseKind.INFORM))
        if response.kind is ResponseKind.FINAL
        else None
    )
    if inform is not None and inform.answered_at is not None:
        entries = [
            _Entry(p.statement_id, p.source, list(p.group_ids or ()))
            for p in inform.points
            if p.statement_id is not None
        ]
    else:
        entries = _snapshot_statements(issue) or _most_agreed(issue)
    points = _statement_points(issue, entries)
    if response.kind is ResponseKind.FINAL:
        proposals = db.session.scalars(
            select(DecisionProposal).filter_by(issue_id=issue.id).order_by(DecisionProposal.id)
        )
        points = [
            PointSpec(f"proposal-{p.id}", PointSource.PROPOSAL, p.title, decision_proposal_id=p.id) for p in proposals
        ] + points
    return points


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


def parse_local_datetime(value: str) -> datetime:
    """A ``datetime-local`` form value, read in the display time zone, as aware UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise AgoraError(
            "bad_date", _("Give the new deadline as a date and time, e.g. 2026-12-31 17:00."), 400
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(current_app.config["DISPLAY_TIMEZONE"]))
    return parsed.astimezone(UTC)


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
    query = select(MinistryResponse).join(Issue)
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


def as_json(response: MinistryResponse, now: datetime | None = None) -> dict[str, object]:
    """The public API shape of a response."""

    def iso(value: datetime | None) -> str | None:
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None

    return {
        "id": response.id,
        "issue_id": response.issue_id,
        "issue_slug": response.issue.slug,
        "kind": response.kind.value,
        "due_at": iso(response.due_at),
        "original_due_at": iso(response.original_due_at),
        "answered_at": iso(response.answered_at),
        "status": response.status(now).value,
    }
