"""The public opinion-map payload of one tick, built from a clustering result (no database here).

The payload is identical for every viewer and is stored as ``OpinionSnapshot.result``. The viewer
index (everyone's position and group) is stored beside it, not in it: the payload's points are
downsampled and anonymous, while the index answers "where am I" for one viewer. Per-viewer fields
(``you``) are added when a payload is sent to one viewer, never stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

import numpy as np
from scipy.spatial import ConvexHull, QhullError

from clustering import MIN_VOTES, OpinionMap

#: At most this many participant points travel in a payload; hulls and counts use everyone.
MAX_POINTS = 2000
#: Decimals kept of map coordinates: plenty for a drawing, and a third less to send each tick.
DECIMALS = 3
#: How many representative / consensus statements each list shows.
LIST_LENGTH = 5

# A multiplicative hash orders participants for downsampling, so the same people stay on the
# map from one tick to the next instead of the points flickering.
_HASH_MULTIPLIER = 2654435761


# --- the contract: what sockets/, api/, responses and orid read ---------------------------------

# ``pass`` is a keyword, hence the functional form of the TypedDicts that have it.
Shares = TypedDict("Shares", {"agree": float, "disagree": float, "pass": float, "n": int})
GroupShares = TypedDict("GroupShares", {"group_id": int, "agree": float, "disagree": float, "pass": float, "n": int})
MajorityItem = TypedDict(
    "MajorityItem",
    {"statement_id": int, "text": str, "agree": float, "disagree": float, "pass": float, "n": int},
)


class RepresentativeItem(TypedDict):
    statement_id: int
    text: str
    repful_for: str  # "agree" or "disagree": how the group stands out
    by_group: list[GroupShares]


class MapGroup(TypedDict):
    id: int  # stable across ticks; shown as a letter (app.services.labels.group_label)
    size: int
    center: list[float]
    hull: list[list[float]]
    representative: list[RepresentativeItem]


class Majority(TypedDict):
    agree: list[MajorityItem]
    disagree: list[MajorityItem]


class ConsensusItem(TypedDict):
    statement_id: int
    text: str
    probability: float
    by_group: list[GroupShares]


class Participants(TypedDict):
    voted: int
    on_map: int


class Positions(TypedDict):
    bounds: list[float] | None  # [min x, min y, max x, max y]
    total: int
    points: list[list[Any]]  # [x, y, group id or None], at most MAX_POINTS of them


class OpinionMapPayload(TypedDict):
    """The public ``opinion_map`` payload of one tick, the same for every viewer."""

    issue_id: int
    tick: int
    computed_at: str | None
    watermark: int  # the newest vote event the tick includes
    k: int
    participants: Participants
    groups: list[MapGroup]
    majority: Majority
    group_informed_consensus: list[ConsensusItem]
    positions: Positions


class You(TypedDict, total=False):
    """One viewer's place: on the map (position, group_id) or not yet (reason, needed)."""

    on_map: bool
    votes: int
    position: list[float]
    group_id: int | None
    reason: str  # "fewer_than_7_votes" or "not_yet_computed"
    needed: int


class ViewerPayload(OpinionMapPayload):
    """The payload as sent to one viewer."""

    you: You


@dataclass(frozen=True)
class MapView:
    """The latest opinion map of an issue, as held in memory for answering viewers."""

    issue_id: int
    tick: int
    payload: OpinionMapPayload
    positions: dict[int, tuple[float, float, int | None]] = field(default_factory=dict)
    priorities: dict[int, float] = field(default_factory=dict)
    votes_needed: int = MIN_VOTES

    @classmethod
    def from_state(cls, issue_id: int, tick: int, payload: OpinionMapPayload, state: Mapping[str, Any]) -> MapView:
        """The view of a stored tick: its payload plus the viewer index and routing weights."""
        viewers = state.get("viewers") or {}
        ids, xs, ys, groups = (viewers.get(key, []) for key in ("ids", "x", "y", "group"))
        positions = {int(p): (x, y, g) for p, x, y, g in zip(ids, xs, ys, groups, strict=True)}
        priorities = {int(sid): float(p) for sid, p in (state.get("priorities") or {}).items()}
        return cls(issue_id, tick, payload, positions, priorities, int(state.get("votes_needed", MIN_VOTES)))

    def you(self, participant_id: int | None, votes: int) -> You:
        """This viewer's place on the map, or why they are not on it yet."""
        placed = self.positions.get(participant_id) if participant_id is not None else None
        if placed is not None:
            x, y, group_id = placed
            return {"on_map": True, "position": [x, y], "group_id": group_id, "votes": votes}
        reason = "fewer_than_7_votes" if votes < self.votes_needed else "not_yet_computed"
        return {"on_map": False, "reason": reason, "votes": votes, "needed": self.votes_needed}

    def for_viewer(self, participant_id: int | None, votes: int) -> ViewerPayload:
        """The payload with this viewer's ``you`` added."""
        return {**self.payload, "you": self.you(participant_id, votes)}


@dataclass(frozen=True)
class Statements:
    """An issue's statements as the clustering and the payload need them."""

    ids: np.ndarray
    rejected: np.ndarray
    meta: np.ndarray
    texts: dict[int, str]  # only those citizens may see


def empty_payload(issue_id: int) -> OpinionMapPayload:
    """The map before anything was computed: no groups, no points."""
    return {
        "issue_id": issue_id,
        "tick": 0,
        "computed_at": None,
        "watermark": 0,
        "k": 0,
        "participants": {"voted": 0, "on_map": 0},
        "groups": [],
        "majority": {"agree": [], "disagree": []},
        "group_informed_consensus": [],
        "positions": {"bounds": None, "total": 0, "points": []},
    }


def build_payload(
    issue_id: int,
    tick: int,
    computed_at: datetime,
    watermark: int,
    result: OpinionMap,
    statements: Statements,
    totals: Mapping[int, tuple[int, int, int]],
) -> OpinionMapPayload:
    """The public ``opinion_map`` payload of one tick (JSON-ready; no per-viewer fields)."""
    index = {int(p): i for i, p in enumerate(result.in_conv_ids.tolist())}
    positions = np.round(np.asarray(result.positions, dtype=np.float64).reshape(-1, 2), DECIMALS)
    group_ids = [g.id for g in result.groups]

    def shares(statement_id: int) -> list[GroupShares]:
        out = []
        for gid in group_ids:
            agree, disagree, passed = result.group_votes.get(gid, {}).get(statement_id, (0, 0, 0))
            out.append({"group_id": gid, **_shares(agree, disagree, passed)})
        return out

    groups: list[MapGroup] = []
    for group in result.groups:
        rows = [index[p] for p in group.members.tolist() if p in index]
        points = positions[rows] if rows else np.zeros((0, 2))
        representative = [
            {
                "statement_id": rep.statement_id,
                "text": statements.texts[rep.statement_id],
                "repful_for": rep.repful_for,
                "by_group": shares(rep.statement_id),
            }
            for rep in group.representative
            if rep.statement_id in statements.texts
        ][:LIST_LENGTH]
        groups.append(
            {
                "id": group.id,
                "size": len(group.members),
                "center": [round(group.center[0], DECIMALS), round(group.center[1], DECIMALS)],
                "hull": convex_hull(points),
                "representative": representative,
            }
        )

    def majority_side(ids: list[int]) -> list[MajorityItem]:
        return [
            {"statement_id": sid, "text": statements.texts[sid], **_shares(*totals.get(sid, (0, 0, 0)))}
            for sid in ids
            if sid in statements.texts
        ][:LIST_LENGTH]

    majority: Majority = {
        "agree": majority_side(result.consensus.agree),
        "disagree": majority_side(result.consensus.disagree),
    }
    excluded = set(statements.rejected.tolist()) | set(statements.meta.tolist())
    ranked = sorted(
        (
            (p, sid)
            for sid, p in result.group_aware_consensus.items()
            if sid in statements.texts and sid not in excluded
        ),
        key=lambda item: (-item[0], item[1]),
    )
    consensus = [
        {
            "statement_id": sid,
            "text": statements.texts[sid],
            "probability": round(p, 4),
            "by_group": shares(sid),
        }
        for p, sid in ranked[:LIST_LENGTH]
    ]

    return {
        "issue_id": issue_id,
        "tick": tick,
        "computed_at": iso(computed_at),
        "watermark": watermark,
        "k": int(result.k),
        "participants": {
            "voted": int(len(result.participant_ids)),
            "on_map": int(len(result.in_conv_ids)),
        },
        "groups": groups,
        "majority": majority,
        "group_informed_consensus": consensus,
        "positions": _points(result, positions),
    }


def iso(moment: datetime) -> str:
    """A payload's timestamp: ISO 8601 in UTC with a ``Z``."""
    return moment.isoformat().replace("+00:00", "Z")


def _shares(agree: int, disagree: int, passed: int) -> Shares:
    seen = agree + disagree + passed
    if not seen:
        return {"agree": 0.0, "disagree": 0.0, "pass": 0.0, "n": 0}
    return {
        "agree": round(agree / seen, 3),
        "disagree": round(disagree / seen, 3),
        "pass": round(passed / seen, 3),
        "n": seen,
    }


def overall_counts(result: OpinionMap) -> dict[int, tuple[int, int, int]]:
    """(agree, disagree, pass) per statement over every participant, for the majority list
    (the clustering's own tallies: no second pass over millions of votes)."""
    return {
        sid: (agree, disagree, passed)
        for sid, (agree, disagree, passed) in zip(
            result.statement_ids.tolist(), result.statement_votes.tolist(), strict=True
        )
    }


def _points(result: OpinionMap, positions: np.ndarray) -> Positions:
    """Participant points, downsampled deterministically to at most MAX_POINTS."""
    ids = result.in_conv_ids.astype(np.int64)
    n = len(ids)
    if n == 0:
        return {"bounds": None, "total": 0, "points": []}
    keep = np.arange(n)
    if n > MAX_POINTS:
        order = np.argsort((ids * _HASH_MULTIPLIER) % (1 << 32), kind="stable")
        keep = np.sort(order[:MAX_POINTS])
    group_of = result.group_of
    points = [[float(positions[i, 0]), float(positions[i, 1]), group_of.get(int(ids[i]))] for i in keep.tolist()]
    lo = positions.min(axis=0)
    hi = positions.max(axis=0)
    return {
        "bounds": [float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])],
        "total": n,
        "points": points,
    }


def convex_hull(points: np.ndarray) -> list[list[float]]:
    """The convex hull of 2-D points, counter-clockwise (under 3 distinct points: as they are)."""
    unique = np.unique(np.asarray(points, dtype=np.float64).reshape(-1, 2), axis=0)
    if len(unique) < 3:
        return unique.tolist()
    try:
        hull = ConvexHull(unique)
    except QhullError:
        # All points on one line: the hull is the segment between its two ends.
        return [unique[0].tolist(), unique[-1].tolist()]
    return unique[hull.vertices].tolist()


def viewer_index(result: OpinionMap) -> dict[str, list]:
    """Columns of (participant id, x, y, group id) for everyone on the map."""
    ids = result.in_conv_ids.tolist()
    positions = np.round(np.asarray(result.positions, dtype=np.float64).reshape(-1, 2), DECIMALS)
    return {
        "ids": ids,
        "x": positions[:, 0].tolist(),
        "y": positions[:, 1].tolist(),
        "group": [result.group_of.get(p) for p in ids],
    }
