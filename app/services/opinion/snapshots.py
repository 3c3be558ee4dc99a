"""Stored ticks of the opinion map: one ``OpinionSnapshot`` row per issue and tick.

What is stored per tick:

* ``OpinionSnapshot.result``: the public ``opinion_map`` payload (see payload.py);
* ``OpinionSnapshot.state``: ``{"clustering": <warm-start state>, "viewers": <position and group
  of every participant on the map>, "priorities": <routing weight per statement>, "votes_needed":
  <votes that place a participant>, "report": <the report's numbers, see app/services/report/state.py>}``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, select

from app.extensions import db
from app.models import OpinionSnapshot, VoteEvent
from app.services.report.state import frozen_snapshot_ids

#: Older snapshots than the latest few are deleted when a new one is stored (not those a frozen
#: report was built from).
SNAPSHOTS_KEPT = 5


def latest_snapshot(issue_id: int) -> OpinionSnapshot | None:
    """The issue's newest stored tick, loaded in full."""
    return db.session.scalar(
        select(OpinionSnapshot)
        .where(OpinionSnapshot.issue_id == issue_id)
        .order_by(OpinionSnapshot.tick.desc())
        .limit(1)
    )


def latest_stamp(issue_id: int) -> Row | None:
    """Id, tick and time of the issue's newest tick: a small query that loads no JSON."""
    return db.session.execute(
        select(OpinionSnapshot.id, OpinionSnapshot.tick, OpinionSnapshot.computed_at)
        .where(OpinionSnapshot.issue_id == issue_id)
        .order_by(OpinionSnapshot.tick.desc())
        .limit(1)
    ).first()


def add_snapshot(
    issue_id: int, tick: int, computed_at: datetime, watermark: int, payload: dict[str, Any], state: dict[str, Any]
) -> None:
    """Add a tick and drop those older than the latest ``SNAPSHOTS_KEPT`` (the caller commits)."""
    db.session.add(
        OpinionSnapshot(
            issue_id=issue_id,
            tick=tick,
            computed_at=computed_at,
            vote_event_watermark=watermark,
            result=payload,
            state=state,
        )
    )
    db.session.execute(
        delete(OpinionSnapshot).where(
            OpinionSnapshot.issue_id == issue_id,
            OpinionSnapshot.tick <= tick - SNAPSHOTS_KEPT,
            OpinionSnapshot.id.not_in(frozen_snapshot_ids()),
        )
    )


def issues_needing_recompute() -> list[int]:
    """Issues with votes newer than their latest snapshot (to resume after a restart)."""
    newest_vote = dict(
        db.session.execute(select(VoteEvent.issue_id, func.max(VoteEvent.id)).group_by(VoteEvent.issue_id))
        .tuples()
        .all()
    )
    mapped = dict(
        db.session.execute(
            select(OpinionSnapshot.issue_id, func.max(OpinionSnapshot.vote_event_watermark)).group_by(
                OpinionSnapshot.issue_id
            )
        )
        .tuples()
        .all()
    )
    return sorted(issue for issue, newest in newest_vote.items() if newest > (mapped.get(issue) or 0))
