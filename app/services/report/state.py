"""What a recompute keeps for the report, beside the live map's payload.

The live payload carries the top five of each list; the report needs the clustering's numbers
for every statement. ``report_state`` turns one tick's clustering result into a JSON-ready dict
stored in ``OpinionSnapshot.state["report"]``; ``latest_report_state`` reads it back. So the
report shows exactly what the clustering computed at that tick, and a frozen report can point
at the snapshot it came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import FrozenReport, OpinionSnapshot

Counts = tuple[int, int, int]  # agree, disagree, pass


def report_state(result: Any, totals: Mapping[int, Counts]) -> dict[str, Any]:
    """The report's part of a tick: ``result`` is a ``clustering.OpinionMap``."""
    return {
        "group_votes": {
            str(gid): {str(sid): list(counts) for sid, counts in votes.items()}
            for gid, votes in result.group_votes.items()
        },
        "group_sizes": {str(group.id): len(group.members) for group in result.groups},
        "totals": {str(sid): list(counts) for sid, counts in totals.items()},
        "repness": {
            str(group.id): [
                {
                    "statement_id": rep.statement_id,
                    "repful_for": rep.repful_for,
                    "p_success": rep.p_success,
                    "p_test": rep.p_test,
                    "repness": rep.repness,
                    "repness_test": rep.repness_test,
                    "n_agree": rep.n_agree,
                    "n_disagree": rep.n_disagree,
                    "n_seen": rep.n_seen,
                }
                for rep in group.representative
            ]
            for group in result.groups
        },
        "consensus": {
            side: [
                {
                    "statement_id": c.statement_id,
                    "n_success": c.n_success,
                    "n_trials": c.n_trials,
                    "p_success": c.p_success,
                    "p_test": c.p_test,
                }
                for c in stats
            ]
            for side, stats in (("agree", result.consensus.agree_stats), ("disagree", result.consensus.disagree_stats))
        },
        "group_aware_consensus": {str(sid): p for sid, p in result.group_aware_consensus.items()},
    }


@dataclass(frozen=True)
class ReportState:
    """One snapshot's report numbers, with integer keys again."""

    snapshot_id: int
    tick: int
    computed_at: datetime
    watermark: int
    payload: dict[str, Any]
    group_votes: dict[int, dict[int, Counts]] = field(default_factory=dict)
    group_sizes: dict[int, int] = field(default_factory=dict)
    totals: dict[int, Counts] = field(default_factory=dict)
    repness: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    consensus: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    group_aware_consensus: dict[int, float] = field(default_factory=dict)

    @classmethod
    def from_snapshot(cls, snapshot: OpinionSnapshot) -> ReportState:
        data = (snapshot.state or {}).get("report") or {}
        return cls(
            snapshot_id=snapshot.id,
            tick=snapshot.tick,
            computed_at=snapshot.computed_at,
            watermark=snapshot.vote_event_watermark,
            payload=snapshot.result,
            group_votes={
                int(gid): {int(sid): tuple(c) for sid, c in votes.items()}
                for gid, votes in (data.get("group_votes") or {}).items()
            },
            group_sizes={int(gid): int(n) for gid, n in (data.get("group_sizes") or {}).items()},
            totals={int(sid): tuple(c) for sid, c in (data.get("totals") or {}).items()},
            repness={int(gid): list(reps) for gid, reps in (data.get("repness") or {}).items()},
            consensus={side: list(rows) for side, rows in (data.get("consensus") or {}).items()},
            group_aware_consensus={int(sid): float(p) for sid, p in (data.get("group_aware_consensus") or {}).items()},
        )


def latest_report_state(issue_id: int) -> ReportState | None:
    """The report numbers of the issue's latest snapshot (None before the first recompute)."""
    snapshot = db.session.scalar(
        select(OpinionSnapshot)
        .where(OpinionSnapshot.issue_id == issue_id)
        .order_by(OpinionSnapshot.tick.desc())
        .limit(1)
    )
    return ReportState.from_snapshot(snapshot) if snapshot is not None else None


def frozen_snapshot_ids():
    """SQL: the ids of snapshots frozen reports were built from (never deleted)."""
    return select(FrozenReport.snapshot_id).where(FrozenReport.snapshot_id.is_not(None))
