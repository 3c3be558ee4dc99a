"""ORID records of the voting-stage meeting, linked to the statements and opinion groups they discuss."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from app.exceptions import AgoraError
from app.extensions import db
from app.models import Issue, OridLink, OridPart, OridRecord, Statement
from app.services.opinion.latest_map import latest_map
from app.services.opinion.payload import MapGroup
from app.services.process import activity
from app.services.process.issue_rows import row_of, rows_of


def records(issue: Issue) -> list[OridRecord]:
    return rows_of(issue, OridRecord, order_by=OridRecord.held_at)


def get_record(issue: Issue, record_id: int) -> OridRecord:
    not_found = AgoraError("orid_not_found", _("We could not find that meeting record."), 404)
    return row_of(issue, OridRecord, record_id, not_found)


def latest_groups(issue: Issue) -> list[MapGroup]:
    """The opinion groups of the latest map (none before the first one)."""
    return list(latest_map(issue.id).payload.get("groups") or [])


def save(
    issue: Issue,
    record: OridRecord | None,
    *,
    title: str,
    held_at: datetime,
    texts: dict[OridPart, str],
    statement_ids: dict[OridPart, list[int]],
    group_ids: dict[OridPart, list[int]],
    actor_id: int | None,
) -> OridRecord:
    """Create or replace a meeting record and its links; unknown statements or groups are refused.
    The caller commits."""
    wanted_statements = {sid for ids in statement_ids.values() for sid in ids}
    if wanted_statements:
        found = set(
            db.session.scalars(
                db.select(Statement.id).where(Statement.issue_id == issue.id, Statement.id.in_(wanted_statements))
            )
        )
        if found != wanted_statements:
            raise AgoraError("statement_not_found", _("We could not find that statement in this issue."), 404)
    known_groups = {group["id"] for group in latest_groups(issue)}
    if any(gid not in known_groups for ids in group_ids.values() for gid in ids):
        raise AgoraError("group_not_found", _("There is no such opinion group in the latest opinion map."), 400)

    created = record is None
    if record is None:
        record = OridRecord(issue_id=issue.id)
        db.session.add(record)
    record.title, record.held_at = title, held_at
    for part in OridPart:
        setattr(record, part.value, texts.get(part, ""))
    record.links = [
        OridLink(part=part, statement_id=sid) for part in OridPart for sid in statement_ids.get(part, [])
    ] + [OridLink(part=part, group_id=gid) for part in OridPart for gid in group_ids.get(part, [])]
    activity.record(issue, "orid_recorded" if created else "orid_updated", actor_id, title=title)
    return record
