"""Setting participants aside from an issue's results, reversibly and in public.

An excluded participant's votes stay stored (and their statements stay up), but the opinion map,
the issue's counts and the ministry's required points are computed without them. Every exclusion
and every undo carries a reason that the public activity log shows.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, union

from app import signals
from app.exceptions import AgoraError
from app.extensions import db
from app.models import Issue, ParticipantExclusion, Statement, Vote
from app.services.opinion.votes import excluded_ids
from app.services.process import activity

MAX_REASON = 500


@dataclass(frozen=True)
class Batch:
    batch: str
    count: int
    reason: str
    created_at: datetime


def parse_participant_ids(raw: list[object]) -> list[int]:
    ids = []
    for value in raw:
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if not isinstance(value, int) or isinstance(value, bool):
            raise AgoraError("participants_invalid", _("Participant ids are whole numbers."), 400)
        ids.append(value)
    if not ids:
        raise AgoraError("participants_missing", _("Choose the participants to exclude."), 400)
    return sorted(set(ids))


def _reason(raw: object) -> str:
    reason = raw.strip() if isinstance(raw, str) else ""
    if not reason:
        raise AgoraError("reason_required", _("Give a reason: it is shown in the public activity log."), 400)
    if len(reason) > MAX_REASON:
        raise AgoraError("reason_too_long", _("Keep the reason under %(max)d characters.", max=MAX_REASON), 400)
    return reason


def exclude(issue: Issue, participant_ids: list[int], reason: object, actor_id: int | None) -> int:
    """Exclude those of ``participant_ids`` not excluded yet; all must have taken part. The caller commits."""
    reason = _reason(reason)
    took_part = _participants_of(issue.id)
    strangers = [pid for pid in participant_ids if pid not in took_part]
    if strangers:
        raise AgoraError(
            "participants_invalid",
            _("Participant %(id)d has not taken part in this issue.", id=strangers[0]),
            400,
        )
    already = excluded_ids(issue.id)
    new = [pid for pid in participant_ids if pid not in already]
    if not new:
        raise AgoraError("participants_already_excluded", _("These participants are already excluded."), 409)
    batch = secrets.token_hex(8)
    db.session.add_all(
        ParticipantExclusion(issue_id=issue.id, participant_id=pid, batch=batch, reason=reason, actor_id=actor_id)
        for pid in new
    )
    issue.votes_revision += 1
    activity.record(issue, "participants_excluded", actor_id, count=len(new), reason=reason, batch=batch)
    return len(new)


def undo(issue: Issue, batch: str, reason: object, actor_id: int | None) -> int:
    """Count a batch of excluded participants again; the caller commits."""
    reason = _reason(reason)
    count = db.session.scalar(
        select(func.count()).where(ParticipantExclusion.issue_id == issue.id, ParticipantExclusion.batch == batch)
    )
    if not count:
        raise AgoraError("exclusion_not_found", _("We could not find that exclusion."), 404)
    db.session.execute(
        delete(ParticipantExclusion).where(
            ParticipantExclusion.issue_id == issue.id, ParticipantExclusion.batch == batch
        )
    )
    issue.votes_revision += 1
    activity.record(issue, "participants_included", actor_id, count=count, reason=reason, batch=batch)
    return count


def after_commit(issue_id: int) -> None:
    """Ask for a new map (and so new required points) without, or again with, them."""
    signals.votes_regrouped.send(current_app._get_current_object(), issue_id=issue_id)


def batches(issue: Issue) -> list[Batch]:
    rows = db.session.execute(
        select(
            ParticipantExclusion.batch,
            func.count(),
            func.min(ParticipantExclusion.reason),
            func.min(ParticipantExclusion.created_at),
        )
        .where(ParticipantExclusion.issue_id == issue.id)
        .group_by(ParticipantExclusion.batch)
        .order_by(func.min(ParticipantExclusion.id))
    )
    return [Batch(batch, count, reason, created) for batch, count, reason, created in rows]


def _participants_of(issue_id: int) -> set[int]:
    ids = union(
        select(Vote.participant_id).where(Vote.issue_id == issue_id),
        select(Statement.author_id).where(Statement.issue_id == issue_id, Statement.author_id.is_not(None)),
    )
    return set(db.session.scalars(ids))
