"""The live opinion map: votes in, clustering, one persisted snapshot (tick) out.

This is the only module of the app that imports ``clustering``. A recompute reads an issue's
current votes and statements (one query each, straight into numpy arrays), warm-starts the
clustering from the latest snapshot's state, and stores the result as the next tick.

What is stored per tick:

* ``OpinionSnapshot.result``: the public ``opinion_map`` payload, identical for every viewer;
* ``OpinionSnapshot.state``: ``{"clustering": <warm-start state>, "viewers": <position and group
  of every participant on the map>, "priorities": <routing weight per statement>}``. The viewer
  index is kept out of the payload because the payload's points are downsampled and anonymous;
  it is what answers "where am I" for one viewer.

Per-viewer fields (``you``) are added when a payload is sent to one viewer, never stored.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from scipy.spatial import ConvexHull, QhullError
from sqlalchemy import Select, delete, func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    Issue,
    ModerationMode,
    ModerationStatus,
    OpinionSnapshot,
    Statement,
    Vote,
    VoteEvent,
    utcnow,
)
from app.services.report.state import frozen_snapshot_ids, report_state
from clustering import OpinionMap, VoteTable, compute_opinion_map

#: pol.is puts a participant on the map after this many votes (fewer if there are fewer statements).
VOTES_NEEDED = 7
#: At most this many participant points travel in a payload; hulls and counts use everyone.
MAX_POINTS = 2000
#: Decimals kept of map coordinates: plenty for a drawing, and a third less to send each tick.
DECIMALS = 3
#: Opinion groups at most (pol.is max-k).
MAX_GROUPS = 5
#: How many representative / consensus statements each list shows.
LIST_LENGTH = 5
#: Older snapshots than the latest few are deleted when a new one is stored (not those a frozen
#: report was built from).
SNAPSHOTS_KEPT = 5
#: Priority of a statement the latest snapshot has not seen yet: pol.is's value for a statement
#: with no votes and no extremity, ``((1 - 1/2) * 1 * 1/2 * (1 + 8))**2``, the full "new" boost.
NEW_STATEMENT_PRIORITY = (0.25 * 9.0) ** 2

# A multiplicative hash orders participants for downsampling, so the same people stay on the
# map from one tick to the next instead of the points flickering.
_HASH_MULTIPLIER = 2654435761


@dataclass(frozen=True)
class MapView:
    """The latest opinion map of an issue, as held in memory for answering viewers."""

    issue_id: int
    tick: int
    payload: dict[str, Any]
    positions: dict[int, tuple[float, float, int | None]] = field(default_factory=dict)
    priorities: dict[int, float] = field(default_factory=dict)

    def you(self, participant_id: int | None, votes: int) -> dict[str, Any]:
        """This viewer's place on the map, or why they are not on it yet."""
        placed = self.positions.get(participant_id) if participant_id is not None else None
        if placed is not None:
            x, y, group_id = placed
            return {"on_map": True, "position": [x, y], "group_id": group_id, "votes": votes}
        reason = "fewer_than_7_votes" if votes < VOTES_NEEDED else "not_yet_computed"
        return {"on_map": False, "reason": reason, "votes": votes, "needed": VOTES_NEEDED}

    def for_viewer(self, participant_id: int | None, votes: int) -> dict[str, Any]:
        """The payload with this viewer's ``you`` added."""
        return {**self.payload, "you": self.you(participant_id, votes)}


@dataclass(frozen=True)
class Recomputed:
    """A freshly stored tick, with what the broadcaster needs to tell each viewer their place."""

    view: MapView
    votes_by_participant: dict[int, int]


# --- reading ----------------------------------------------------------------------------------

_cache: dict[int, MapView] = {}
_cache_lock = threading.Lock()


def latest_map(issue_id: int) -> MapView:
    """The latest stored map of an issue (an empty tick-0 map before the first recompute).

    One small query finds the latest tick; the stored JSON is loaded only when this process has
    not seen that tick yet.
    """
    row = db.session.execute(
        select(OpinionSnapshot.id, OpinionSnapshot.tick, OpinionSnapshot.computed_at)
        .where(OpinionSnapshot.issue_id == issue_id)
        .order_by(OpinionSnapshot.tick.desc())
        .limit(1)
    ).first()
    if row is None:
        return MapView(issue_id=issue_id, tick=0, payload=empty_payload(issue_id))
    with _cache_lock:
        cached = _cache.get(issue_id)
    # computed_at too, not just the tick: a database that was emptied and refilled (tests, a
    # restore) reuses issue ids and ticks.
    if cached is not None and cached.tick == row.tick and cached.payload["computed_at"] == _iso(row.computed_at):
        return cached
    snapshot = db.session.get(OpinionSnapshot, row.id)
    view = _view_from_snapshot(snapshot)
    remember(view)
    return view


def votes_of_participant(issue_id: int, participant_id: int | None) -> int:
    """How many statements of the issue this participant has voted on."""
    if participant_id is None:
        return 0
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Vote)
            .where(Vote.issue_id == issue_id, Vote.participant_id == participant_id)
        )
        or 0
    )


def map_for_viewer(issue_id: int, participant_id: int | None) -> dict[str, Any]:
    """The latest payload with the viewer's own ``you`` part."""
    view = latest_map(issue_id)
    return view.for_viewer(participant_id, votes_of_participant(issue_id, participant_id))


def empty_payload(issue_id: int) -> dict[str, Any]:
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


def _view_from_snapshot(snapshot: OpinionSnapshot) -> MapView:
    viewers = snapshot.state.get("viewers") or {}
    ids, xs, ys, groups = (viewers.get(key, []) for key in ("ids", "x", "y", "group"))
    positions = {int(p): (x, y, g) for p, x, y, g in zip(ids, xs, ys, groups, strict=True)}
    priorities = {int(sid): float(p) for sid, p in (snapshot.state.get("priorities") or {}).items()}
    return MapView(snapshot.issue_id, snapshot.tick, snapshot.result, positions, priorities)


def remember(view: MapView) -> None:
    """Keep a view as this process's latest of its issue (unless a newer one is kept)."""
    with _cache_lock:
        current = _cache.get(view.issue_id)
        if current is None or current.tick <= view.tick:
            _cache[view.issue_id] = view


# --- recomputing ------------------------------------------------------------------------------


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


def recompute(issue_id: int) -> Recomputed | None:
    """Compute the next tick of an issue's map and store it in one transaction.

    Returns None when the issue is gone, or when another worker stored the same tick first.
    Never call this from a request or socket handler: it is the worker's job.
    """
    issue = db.session.get(Issue, issue_id)
    if issue is None:
        return None
    previous = db.session.scalar(
        select(OpinionSnapshot)
        .where(OpinionSnapshot.issue_id == issue_id)
        .order_by(OpinionSnapshot.tick.desc())
        .limit(1)
    )
    # The watermark is read before the votes: a vote committed in between is then included
    # without being claimed, never claimed without being included.
    watermark = db.session.scalar(select(func.max(VoteEvent.id)).where(VoteEvent.issue_id == issue_id)) or 0
    votes = _load_votes(issue_id, watermark)
    statements = _load_statements(issue)

    previous_state = (previous.state or {}).get("clustering") if previous is not None else None
    result = compute_opinion_map(
        votes,
        statements.ids,
        excluded_statement_ids=statements.rejected,
        meta_statement_ids=statements.meta,
        previous_state=previous_state,
        max_groups=MAX_GROUPS,
    )
    tick = (previous.tick if previous is not None else 0) + 1
    computed_at = utcnow()
    totals = overall_counts(votes)
    payload = build_payload(issue_id, tick, computed_at, watermark, result, statements, totals)
    viewers = _viewer_index(result)
    priorities = {str(sid): p for sid, p in result.priorities.items()}
    db.session.add(
        OpinionSnapshot(
            issue_id=issue_id,
            tick=tick,
            computed_at=computed_at,
            vote_event_watermark=watermark,
            result=payload,
            state={
                "clustering": result.state,
                "viewers": viewers,
                "priorities": priorities,
                "report": report_state(result, totals),
            },
        )
    )
    db.session.execute(
        delete(OpinionSnapshot).where(
            OpinionSnapshot.issue_id == issue_id,
            OpinionSnapshot.tick <= tick - SNAPSHOTS_KEPT,
            OpinionSnapshot.id.not_in(frozen_snapshot_ids()),
        )
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    view = MapView(
        issue_id,
        tick,
        payload,
        {
            int(p): (x, y, g)
            for p, x, y, g in zip(viewers["ids"], viewers["x"], viewers["y"], viewers["group"], strict=True)
        },
        {int(sid): p for sid, p in result.priorities.items()},
    )
    remember(view)
    pids, counts = np.unique(votes.participant_ids, return_counts=True)
    return Recomputed(view, dict(zip(pids.tolist(), counts.tolist(), strict=True)))


class _IssueVotes:
    """An issue's current votes, kept between ticks and brought up to date from the vote events.

    Reading 50,000 votes every second costs more than the clustering itself; the events since
    the last tick are a few hundred rows. Applying events in id order is "the latest vote wins",
    the same rule as the vote table. A window of recent events is re-read each time, because on
    PostgreSQL a vote can commit after a vote with a higher id; a full reload every
    ``FULL_RELOAD_SECONDS`` repairs anything else (e.g. rows deleted with their statement).
    """

    REREAD_EVENTS = 1000
    FULL_RELOAD_SECONDS = 30.0

    def __init__(self, issue_id: int, watermark: int) -> None:
        self.issue_id = issue_id
        self.loaded_at = time.monotonic()
        self.watermark = watermark
        self.watermark_stamp = _event_stamp(watermark)
        table = _int_rows(select(Vote.participant_id, Vote.statement_id, Vote.value).where(Vote.issue_id == issue_id))
        self.pids, self.sids, self.values = (
            table[:, 0].copy(),
            table[:, 1].copy(),
            table[:, 2].astype(np.int8),
        )
        self.row_of = {key: i for i, key in enumerate(zip(self.pids.tolist(), self.sids.tolist(), strict=True))}

    def still_valid(self, watermark: int) -> bool:
        """False when too old, or when the database is no longer the one it was read from."""
        return (
            time.monotonic() - self.loaded_at < self.FULL_RELOAD_SECONDS
            and watermark >= self.watermark
            and _event_stamp(self.watermark) == self.watermark_stamp
        )

    def catch_up(self, watermark: int) -> None:
        """Apply the events up to ``watermark`` (and re-apply a window before the last one)."""
        # SQLite has one writer at a time: its events become visible in id order, so nothing
        # needs re-reading there.
        reread = 0 if _is_sqlite() else self.REREAD_EVENTS
        events = _int_rows(
            select(VoteEvent.id, VoteEvent.participant_id, VoteEvent.statement_id, VoteEvent.value)
            .where(
                VoteEvent.issue_id == self.issue_id,
                VoteEvent.id > self.watermark - reread,
                VoteEvent.id <= watermark,
            )
            .order_by(VoteEvent.id)
        )
        events = events[np.argsort(events[:, 0], kind="stable")]  # in id order, whatever the read
        new_keys: list[tuple[int, int]] = []
        new_values: list[int] = []
        for _, pid, sid, value in events.tolist():
            row = self.row_of.get((pid, sid))
            if row is None:
                self.row_of[(pid, sid)] = len(self.pids) + len(new_keys)
                new_keys.append((pid, sid))
                new_values.append(value)
            elif row < len(self.pids):
                self.values[row] = value
            else:
                new_values[row - len(self.pids)] = value
        if new_keys:
            keys = np.array(new_keys, dtype=np.int64).reshape(-1, 2)
            self.pids = np.concatenate([self.pids, keys[:, 0]])
            self.sids = np.concatenate([self.sids, keys[:, 1]])
            self.values = np.concatenate([self.values, np.array(new_values, dtype=np.int8)])
        self.watermark = watermark
        self.watermark_stamp = _event_stamp(watermark)

    def table(self) -> VoteTable:
        # Copies: the next catch_up changes these arrays in place.
        return VoteTable(self.pids.copy(), self.sids.copy(), self.values.copy())


_votes: dict[int, _IssueVotes] = {}
_votes_lock = threading.Lock()


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _int_rows(query: Select) -> np.ndarray:
    """The rows of a query of integer columns, as an int64 array of shape (rows, columns).

    The recompute runs in the web process (embedded default), beside the request threads. The
    SQLite driver releases and retakes the GIL for every row it steps through, and in a busy
    process each retake waits for a request thread to let go (up to the 5 ms switch interval):
    reading 1,000 rows that way took longer than the clustering itself. On SQLite the rows are
    therefore read as ONE string (``group_concat``, a single step) and parsed by numpy; in no
    particular order. Elsewhere the rows are flattened straight into the array (numpy probing
    Row objects one by one is ~30x slower).
    """
    columns = len(query.selected_columns)
    if _is_sqlite():
        sub = query.subquery()
        joined = db.session.scalar(select(func.group_concat(func.printf(",".join(["%d"] * columns), *sub.c), ",")))
        if not joined:
            return np.zeros((0, columns), dtype=np.int64)
        return np.fromstring(joined, dtype=np.int64, sep=",").reshape(-1, columns)
    rows = db.session.execute(query)
    return np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64).reshape(-1, columns)


def _event_stamp(event_id: int) -> datetime | None:
    return db.session.scalar(select(VoteEvent.created_at).where(VoteEvent.id == event_id)) if event_id else None


def _load_votes(issue_id: int, watermark: int) -> VoteTable:
    """The issue's current votes, incrementally when this process read them recently."""
    with _votes_lock:
        cached = _votes.get(issue_id)
        if cached is not None and cached.still_valid(watermark):
            cached.catch_up(watermark)
        else:
            cached = _votes[issue_id] = _IssueVotes(issue_id, watermark)
        return cached.table()


@dataclass(frozen=True)
class _Statements:
    ids: np.ndarray
    rejected: np.ndarray
    meta: np.ndarray
    texts: dict[int, str]  # only those citizens may see


def _load_statements(issue: Issue) -> _Statements:
    columns = (Statement.id, Statement.text, Statement.moderation_status, Statement.is_meta)
    if _is_sqlite():
        # As in _int_rows: one JSON array in one step instead of a GIL round trip per statement.
        packed = db.session.scalar(
            select(func.json_group_array(func.json_array(*columns))).where(Statement.issue_id == issue.id)
        )
        rows = [
            (sid, text, ModerationStatus(status), bool(meta)) for sid, text, status, meta in json.loads(packed or "[]")
        ]
    else:
        rows = db.session.execute(select(*columns).where(Statement.issue_id == issue.id)).tuples().all()
    visible = {ModerationStatus.ACCEPTED}
    if issue.moderation_mode == ModerationMode.LAZY:
        visible.add(ModerationStatus.UNMODERATED)
    # pol.is leaves unmoderated statements in the math even under strict moderation; only
    # rejected and meta statements are taken out. Their texts are shown only when visible.
    return _Statements(
        ids=np.array([r[0] for r in rows], dtype=np.int64),
        rejected=np.array([r[0] for r in rows if r[2] == ModerationStatus.REJECTED], dtype=np.int64),
        meta=np.array([r[0] for r in rows if r[3]], dtype=np.int64),
        texts={r[0]: r[1] for r in rows if r[2] in visible},
    )


# --- the payload ------------------------------------------------------------------------------


def build_payload(
    issue_id: int,
    tick: int,
    computed_at: datetime,
    watermark: int,
    result: OpinionMap,
    statements: _Statements,
    totals: Mapping[int, tuple[int, int, int]],
) -> dict[str, Any]:
    """The public ``opinion_map`` payload of one tick (JSON-ready; no per-viewer fields)."""
    index = {int(p): i for i, p in enumerate(result.in_conv_ids.tolist())}
    positions = np.round(np.asarray(result.positions, dtype=np.float64).reshape(-1, 2), DECIMALS)
    group_ids = [g.id for g in result.groups]

    def shares(statement_id: int) -> list[dict[str, Any]]:
        out = []
        for gid in group_ids:
            agree, disagree, passed = result.group_votes.get(gid, {}).get(statement_id, (0, 0, 0))
            out.append({"group_id": gid, **_shares(agree, disagree, passed)})
        return out

    groups = []
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

    majority = {
        side: [
            {
                "statement_id": sid,
                "text": statements.texts[sid],
                **_shares(*totals.get(sid, (0, 0, 0))),
            }
            for sid in ids
            if sid in statements.texts
        ][:LIST_LENGTH]
        for side, ids in (
            ("agree", result.consensus.agree),
            ("disagree", result.consensus.disagree),
        )
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
        "computed_at": _iso(computed_at),
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


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _shares(agree: int, disagree: int, passed: int) -> dict[str, Any]:
    seen = agree + disagree + passed
    if not seen:
        return {"agree": 0.0, "disagree": 0.0, "pass": 0.0, "n": 0}
    return {
        "agree": round(agree / seen, 3),
        "disagree": round(disagree / seen, 3),
        "pass": round(passed / seen, 3),
        "n": seen,
    }


def overall_counts(votes: VoteTable) -> dict[int, tuple[int, int, int]]:
    """(agree, disagree, pass) per statement over every participant, for the majority list."""
    if not len(votes):
        return {}
    sids, inverse = np.unique(votes.statement_ids, return_inverse=True)
    agree = np.bincount(inverse, weights=votes.values == 1, minlength=len(sids))
    disagree = np.bincount(inverse, weights=votes.values == -1, minlength=len(sids))
    seen = np.bincount(inverse, minlength=len(sids))
    return {
        int(s): (int(a), int(d), int(n - a - d))
        for s, a, d, n in zip(sids.tolist(), agree.tolist(), disagree.tolist(), seen.tolist(), strict=True)
    }


def _points(result: OpinionMap, positions: np.ndarray) -> dict[str, Any]:
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


def _viewer_index(result: OpinionMap) -> dict[str, list]:
    """Columns of (participant id, x, y, group id) for everyone on the map."""
    ids = result.in_conv_ids.tolist()
    positions = np.round(np.asarray(result.positions, dtype=np.float64).reshape(-1, 2), DECIMALS)
    return {
        "ids": ids,
        "x": positions[:, 0].tolist(),
        "y": positions[:, 1].tolist(),
        "group": [result.group_of.get(p) for p in ids],
    }


def routing_priorities(issue_id: int) -> Mapping[int, float]:
    """Routing weight per statement from the latest snapshot (empty before the first one)."""
    return latest_map(issue_id).priorities
