"""Recomputing an issue's opinion map: votes in, clustering, one stored snapshot (tick) out.

This package is the only part of the app that imports ``clustering``. A recompute reads an
issue's current votes and statements, warm-starts the clustering from the latest snapshot (from
the map this process kept of it when it can, see live_maps.py), and stores the result as the
next tick. Never call it from a request or socket handler:
it is the recompute scheduler's job (scheduler.py), run where a runner says (runners.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Issue, VoteEvent, utcnow
from app.services.opinion import live_maps
from app.services.opinion.latest_map import map_cache
from app.services.opinion.payload import MapView, build_payload, overall_counts, viewer_index
from app.services.opinion.snapshots import add_snapshot, latest_snapshot
from app.services.opinion.votes import (
    excluded_ids,
    load_statements,
    load_vote_history,
    load_votes_and_changes,
    without_participants,
)
from app.services.report.state import report_state
from clustering import opinion_map_with_history, votes_needed

#: Opinion groups at most (pol.is max-k).
MAX_GROUPS = 5


@dataclass(frozen=True)
class Recomputed:
    """A freshly stored tick, with what the broadcaster needs to tell each viewer their place."""

    view: MapView
    votes_by_participant: dict[int, int]


def recompute(issue_id: int) -> Recomputed | None:
    """Compute the next tick of an issue's map and store it in one transaction.

    Returns None when the issue is gone, or when another worker stored the same tick first.
    """
    issue = db.session.get(Issue, issue_id)
    if issue is None:
        return None
    previous = latest_snapshot(issue_id)
    # The watermark is read before the votes: a vote committed in between is then included
    # without being claimed, never claimed without being included.
    watermark = db.session.scalar(select(func.max(VoteEvent.id)).where(VoteEvent.issue_id == issue_id)) or 0
    votes, changes = load_votes_and_changes(issue_id, watermark, issue.votes_revision)
    excluded = excluded_ids(issue_id)  # participants a facilitator set aside
    votes = without_participants(votes, excluded)
    statements = load_statements(issue)
    if previous is None:
        # The first map replays the votes' history, as pol.is's groups come from theirs: an
        # imported conversation opens with the groups pol.is showed, not a cold start's.
        history = without_participants(load_vote_history(issue_id, watermark), excluded)
        live_maps.forget(issue_id)  # nothing kept continues this map (the next tick builds one)
        result = opinion_map_with_history(
            history,
            statements.ids,
            excluded_statement_ids=statements.rejected,
            meta_statement_ids=statements.meta,
            max_groups=MAX_GROUPS,
        )
    else:
        # Warm-started from the previous tick: the map kept in this process when it continues
        # that tick (only the new votes are applied), else every vote and the stored state.
        result = live_maps.next_opinion_map(issue_id, previous, votes, changes, excluded, statements, MAX_GROUPS)
    tick = (previous.tick if previous is not None else 0) + 1
    computed_at = utcnow()
    totals = overall_counts(result)
    payload = build_payload(issue_id, tick, computed_at, watermark, result, statements, totals)
    state = {
        "clustering": result.state,
        "viewers": viewer_index(result),
        "priorities": {str(sid): p for sid, p in result.priorities.items()},
        "votes_needed": votes_needed(len(statements.ids)),
        "report": report_state(result, totals),
    }
    add_snapshot(issue_id, tick, computed_at, watermark, payload, state)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        live_maps.forget(issue_id)
        return None
    live_maps.stored(issue_id, tick, computed_at, result)
    view = MapView.from_state(issue_id, tick, payload, state)
    map_cache(current_app).remember(view)
    return Recomputed(view, dict(zip(result.participant_ids.tolist(), result.user_vote_counts.tolist(), strict=True)))
