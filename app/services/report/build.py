"""The public report of an issue, as one JSON-ready dict (the API's answer and a frozen report's data).

Every number about votes comes from one opinion snapshot (``state["report"]``, written by the
recompute): overall and per-group counts of every accepted statement, the representative
statements with their repness figures, majority and group-informed consensus. Divisiveness and
"most passed" are derived from those counts here. Participation over time is read from the vote
events up to the snapshot's watermark, so every part of a report describes the same moment.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.models import GroupLabel, Issue, ModerationStatus, Statement, Vote
from app.services.report.participation import participation_by_day
from app.services.report.state import Counts, ReportState, latest_report_state

#: How many statements the divisive, most-passed and group-informed consensus lists show.
LIST_LENGTH = 10
#: A statement needs this many votes before it can be "most passed" (a single pass is not uncertainty).
MIN_VOTES_FOR_PASSES = 5


def default_group_label(group_id: int) -> str:
    """ "Group A", "Group B"... by group id, as pol.is letters its groups."""
    letter = chr(ord("A") + group_id) if 0 <= group_id < 26 else str(group_id)
    return _("Group %(letter)s", letter=letter)


def group_labels(issue_id: int) -> dict[int, GroupLabel]:
    rows = db.session.scalars(select(GroupLabel).where(GroupLabel.issue_id == issue_id))
    return {row.group_id: row for row in rows}


def shares(agree: int, disagree: int, passed: int) -> dict[str, Any]:
    """Counts and shares of one statement (overall or in one group)."""
    seen = agree + disagree + passed
    return {
        "agree": agree,
        "disagree": disagree,
        "pass": passed,
        "seen": seen,
        "agree_share": round(agree / seen, 4) if seen else 0.0,
        "disagree_share": round(disagree / seen, 4) if seen else 0.0,
        "pass_share": round(passed / seen, 4) if seen else 0.0,
    }


def divisiveness(per_group: list[Counts]) -> float:
    """How far apart the groups are: the spread of their agree rates, with pol.is's (A+1)/(S+2)
    pseudo-counts so that a group that barely saw a statement does not look extreme."""
    if len(per_group) < 2:
        return 0.0
    rates = [(a + 1) / (a + d + p + 2) for a, d, p in per_group]
    return round(max(rates) - min(rates), 4)


def build_report(issue: Issue, state: ReportState | None = None) -> dict[str, Any]:
    """The report of ``issue`` from its latest snapshot (or the given one)."""
    state = state if state is not None else latest_report_state(issue.id)
    statements = db.session.execute(
        select(Statement.id, Statement.text)
        .where(Statement.issue_id == issue.id, Statement.moderation_status == ModerationStatus.ACCEPTED)
        .order_by(Statement.id)
    ).all()
    labels = group_labels(issue.id)
    if state is None:
        return _empty(issue, statements)
    group_ids = sorted(state.group_votes)

    def per_group(sid: int) -> list[Counts]:
        return [state.group_votes[gid].get(sid, (0, 0, 0)) for gid in group_ids]

    rows = []
    for sid, text in statements:
        counts = per_group(sid)
        rows.append(
            {
                "id": sid,
                "text": text,
                **shares(*state.totals.get(sid, (0, 0, 0))),
                "groups": [{"id": gid, **shares(*c)} for gid, c in zip(group_ids, counts, strict=True)],
                "group_informed_consensus": round(state.group_aware_consensus[sid], 4)
                if sid in state.group_aware_consensus
                else None,
                "divisiveness": divisiveness(counts),
            }
        )
    by_id = {row["id"]: row for row in rows}

    def entry(sid: int, **extra: Any) -> dict[str, Any]:
        row = by_id[sid]
        return {"statement_id": sid, "text": row["text"], **extra}

    groups = []
    for gid in group_ids:
        label = labels.get(gid)
        groups.append(
            {
                "id": gid,
                "label": label.name if label and label.name else default_group_label(gid),
                "named": bool(label and label.name),
                "description": label.description if label else "",
                "size": state.group_sizes.get(gid, 0),
                "representative": [
                    entry(rep["statement_id"], **{k: v for k, v in rep.items() if k != "statement_id"})
                    for rep in state.repness.get(gid, [])
                    if rep["statement_id"] in by_id
                ],
            }
        )
    majority = {
        side: [
            entry(c["statement_id"], **{k: v for k, v in c.items() if k != "statement_id"})
            for c in state.consensus.get(side, [])
            if c["statement_id"] in by_id
        ]
        for side in ("agree", "disagree")
    }
    group_informed = sorted(
        (row for row in rows if row["group_informed_consensus"] is not None and row["seen"]),
        key=lambda row: (-row["group_informed_consensus"], row["id"]),
    )[:LIST_LENGTH]
    divisive = sorted(
        (row for row in rows if row["divisiveness"] > 0 and row["seen"]),
        key=lambda row: (-row["divisiveness"], row["id"]),
    )[:LIST_LENGTH]
    passed = sorted(
        (row for row in rows if row["pass"] and row["seen"] >= MIN_VOTES_FOR_PASSES),
        key=lambda row: (-row["pass_share"], -row["pass"], row["id"]),
    )[:LIST_LENGTH]
    payload = state.payload or {}
    return {
        "issue_id": issue.id,
        "issue_slug": issue.slug,
        "issue_title": issue.title,
        "computed_at": payload.get("computed_at"),
        "tick": state.tick,
        "watermark": state.watermark,
        "participants": payload.get("participants", {"voted": 0, "on_map": 0}),
        "groups": groups,
        "statements": rows,
        "consensus": {
            "majority": majority,
            "group_informed": [
                entry(row["id"], probability=row["group_informed_consensus"], groups=row["groups"])
                for row in group_informed
            ],
        },
        "divisive": [entry(row["id"], divisiveness=row["divisiveness"], groups=row["groups"]) for row in divisive],
        "most_passed": [entry(row["id"], **{k: row[k] for k in ("pass", "seen", "pass_share")}) for row in passed],
        "participation": participation_by_day(issue.id, state.watermark),
        "map": _map(payload),
    }


def localized(report: dict[str, Any]) -> dict[str, Any]:
    """A stored report with its default group labels ("Group A") in the viewer's language."""
    groups = [
        group if group.get("named", True) else {**group, "label": default_group_label(group["id"])}
        for group in report.get("groups", [])
    ]
    return {**report, "groups": groups}


def _map(payload: dict[str, Any]) -> dict[str, Any]:
    """What the static map needs: the (downsampled) points, each group's hull and centre."""
    positions = payload.get("positions") or {}
    return {
        "bounds": positions.get("bounds"),
        "total": positions.get("total", 0),
        "points": positions.get("points", []),
        "groups": [
            {"id": g["id"], "center": g.get("center"), "hull": g.get("hull", [])} for g in payload.get("groups", [])
        ],
    }


def _live_totals(issue_id: int) -> dict[int, Counts]:
    """(agree, disagree, pass) per statement from the current votes, for an issue without a map."""
    totals: dict[int, list[int]] = {}
    rows = db.session.execute(
        select(Vote.statement_id, Vote.value, func.count())
        .where(Vote.issue_id == issue_id)
        .group_by(Vote.statement_id, Vote.value)
    )
    for sid, value, n in rows:
        totals.setdefault(sid, [0, 0, 0])[{1: 0, -1: 1}.get(value, 2)] += n
    return {sid: tuple(c) for sid, c in totals.items()}


def _empty(issue: Issue, statements) -> dict[str, Any]:
    """The report before the first map: overall counts, no groups."""
    totals = _live_totals(issue.id)
    return {
        "issue_id": issue.id,
        "issue_slug": issue.slug,
        "issue_title": issue.title,
        "computed_at": None,
        "tick": 0,
        "watermark": 0,
        "participants": {"voted": 0, "on_map": 0},
        "groups": [],
        "statements": [
            {
                "id": sid,
                "text": text,
                **shares(*totals.get(sid, (0, 0, 0))),
                "groups": [],
                "group_informed_consensus": None,
                "divisiveness": 0.0,
            }
            for sid, text in statements
        ],
        "consensus": {"majority": {"agree": [], "disagree": []}, "group_informed": []},
        "divisive": [],
        "most_passed": [],
        "participation": participation_by_day(issue.id, None),
        "map": _map({}),
    }
