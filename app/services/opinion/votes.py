"""Loading an issue's votes and statements for a recompute, straight into numpy arrays."""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from flask import Flask, current_app
from sqlalchemy import BigInteger, Select, cast, func, select

from app.extensions import db
from app.models import Issue, ModerationMode, ModerationStatus, ParticipantExclusion, Statement, Vote, VoteEvent
from app.services.opinion.payload import Statements
from clustering import VoteTable

EXTENSION_KEY = "agora.opinion_votes"


class IssueVotes:
    """An issue's current votes, kept between ticks and brought up to date from the vote events.

    Reading 50,000 votes every second costs more than the clustering itself; the events since
    the last tick are a few hundred rows. Applying events in id order is "the latest vote wins",
    the same rule as the vote table. A window of recent events is re-read each time, because on
    PostgreSQL a vote can commit after a vote with a higher id; a full reload every
    ``FULL_RELOAD_SECONDS`` repairs anything else (e.g. rows deleted with their statement), and
    what it changed is found by comparing the two tables (:meth:`changes_since`), so a live map
    can continue across it.

    Cells are found through a sorted index of their keys (participant and statement id in one
    int64), not a dict: two million votes are an array sort, not two million Python tuples.
    """

    REREAD_EVENTS = 1000
    FULL_RELOAD_SECONDS = 30.0

    def __init__(self, issue_id: int, watermark: int, revision: int = 0) -> None:
        self.issue_id = issue_id
        self.revision = revision
        self.loaded_at = time.monotonic()
        self.watermark = watermark
        self.watermark_stamp = _event_stamp(watermark)
        table = _int_rows(select(Vote.participant_id, Vote.statement_id, Vote.value).where(Vote.issue_id == issue_id))
        self.pids, self.sids, self.values = (
            table[:, 0].copy(),
            table[:, 1].copy(),
            table[:, 2].astype(np.int8),
        )
        keys = _cell_keys(self.pids, self.sids)
        #: rows in cell-key order, and their keys: the index that finds a cell's row
        self.by_key = np.argsort(keys, kind="stable")
        self.sorted_keys = keys[self.by_key]
        self.changes: list[np.ndarray] = []  # events applied since take_changes(), rows (pid, sid, value)

    def still_valid(self, watermark: int, revision: int = 0) -> bool:
        """False when too old, or when :meth:`continues_into` is."""
        return time.monotonic() - self.loaded_at < self.FULL_RELOAD_SECONDS and self.continues_into(watermark, revision)

    def continues_into(self, watermark: int, revision: int = 0) -> bool:
        """False when votes were moved or set aside since (``Issue.votes_revision``: merge on
        login, exclusion), or when the database is no longer the one it was read from."""
        return (
            revision == self.revision
            and watermark >= self.watermark
            and _event_stamp(self.watermark) == self.watermark_stamp
        )

    def _rows_of(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For sorted ``keys``: whether each cell exists, and its row where it does."""
        at = np.searchsorted(self.sorted_keys, keys)
        found = at < len(self.sorted_keys)
        found[found] = self.sorted_keys[at[found]] == keys[found]
        return found, self.by_key[at[found]]

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
        self.changes.append(events[:, 1:])
        if len(events):
            # The last event of each cell is its vote: distinct keys of the reversed events.
            keys, last = np.unique(_cell_keys(events[::-1, 1], events[::-1, 2]), return_index=True)
            values = events[::-1, 3][last].astype(np.int8)
            found, rows = self._rows_of(keys)
            self.values[rows] = values[found]
            new = ~found
            if new.any():
                first_new = len(self.pids)
                self.pids = np.concatenate([self.pids, keys[new] >> 32])
                self.sids = np.concatenate([self.sids, keys[new] & 0xFFFFFFFF])
                self.values = np.concatenate([self.values, values[new]])
                at = np.searchsorted(self.sorted_keys, keys[new])
                self.sorted_keys = np.insert(self.sorted_keys, at, keys[new])
                self.by_key = np.insert(self.by_key, at, np.arange(first_new, len(self.pids)))
        self.watermark = watermark
        self.watermark_stamp = _event_stamp(watermark)

    def changes_since(self, older: IssueVotes) -> VoteTable | None:
        """The cells whose vote differs from ``older``'s table (changed or new), or None when a
        cell of ``older`` is gone (deleted with its statement): then only a rebuild is right."""
        found, rows = self._rows_of(older.sorted_keys)
        if not found.all():
            return None
        changed = rows[self.values[rows] != older.values[older.by_key]]
        new = np.ones(len(self.pids), dtype=bool)
        new[rows] = False
        rows = np.concatenate([changed, np.flatnonzero(new)])
        return VoteTable(self.pids[rows], self.sids[rows], self.values[rows])

    def take_changes(self) -> VoteTable:
        """The vote events applied since the last call, in the order applied (the last one of a
        cell is its current vote; re-read events come again, which changes nothing)."""
        events = np.concatenate(self.changes) if self.changes else np.zeros((0, 3), dtype=np.int64)
        self.changes = []
        return VoteTable(events[:, 0], events[:, 1], events[:, 2].astype(np.int8))

    def table(self) -> VoteTable:
        # Copies: the next catch_up changes these arrays in place.
        return VoteTable(self.pids.copy(), self.sids.copy(), self.values.copy())


def _cell_keys(participant_ids: np.ndarray, statement_ids: np.ndarray) -> np.ndarray:
    """One int64 per (participant, statement): database ids are below 2**31."""
    return (participant_ids.astype(np.int64) << 32) | statement_ids.astype(np.int64)


@dataclass
class _VotesCache:
    """The votes this app last read per issue (kept on ``app.extensions``)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    by_issue: dict[int, IssueVotes] = field(default_factory=dict)


def _cache_of(app: Flask) -> _VotesCache:
    return app.extensions.setdefault(EXTENSION_KEY, _VotesCache())


def load_votes(issue_id: int, watermark: int, revision: int = 0) -> VoteTable:
    """The issue's current votes, incrementally when this process read them recently."""
    return load_votes_and_changes(issue_id, watermark, revision)[0]


def load_votes_and_changes(issue_id: int, watermark: int, revision: int = 0) -> tuple[VoteTable, VoteTable | None]:
    """The issue's current votes, and the votes changed since the previous call: the vote
    events applied, or after a timed full reload the cells it found different; None when the
    votes were read afresh with nothing to compare (first read, votes moved or set aside, another
    database) or a vote disappeared: the caller cannot tell what changed."""
    cache = _cache_of(current_app)
    with cache.lock:
        cached = cache.by_issue.get(issue_id)
        changes: VoteTable | None = None
        if cached is not None and cached.still_valid(watermark, revision):
            cached.catch_up(watermark)
            changes = cached.take_changes()
        else:
            fresh = cache.by_issue[issue_id] = IssueVotes(issue_id, watermark, revision)
            if cached is not None and cached.continues_into(watermark, revision):
                changes = fresh.changes_since(cached)  # a timed reload: what it found changed
            cached = fresh
        return cached.table(), changes


def excluded_ids(issue_id: int) -> set[int]:
    """Participants a facilitator excluded from this issue's results (see services.participation.exclusion)."""
    return set(
        db.session.scalars(select(ParticipantExclusion.participant_id).where(ParticipantExclusion.issue_id == issue_id))
    )


def without_participants(votes: VoteTable, participant_ids: set[int]) -> VoteTable:
    """The votes minus those of ``participant_ids`` (participants a facilitator excluded)."""
    if not participant_ids:
        return votes
    keep = ~np.isin(votes.participant_ids, np.fromiter(participant_ids, dtype=np.int64))
    times = None if votes.timestamps is None else votes.timestamps[keep]
    return VoteTable(votes.participant_ids[keep], votes.statement_ids[keep], votes.values[keep], times)


def load_vote_history(issue_id: int, watermark: int) -> VoteTable:
    """Every vote event of the issue up to ``watermark``, in id order, with its time in epoch
    milliseconds: the history that an issue's first map replays (pol.is's groups come from it,
    see ``clustering.opinion_map_with_history``). Read once per issue, on its first tick."""
    if _is_sqlite():
        # Stored as UTC text; julianday's double keeps well under a millisecond at today's dates.
        millis = cast((func.julianday(VoteEvent.created_at) - 2440587.5) * 86_400_000.0, BigInteger)
    else:
        millis = cast(func.extract("epoch", VoteEvent.created_at) * 1000, BigInteger)
    events = _int_rows(
        select(VoteEvent.id, VoteEvent.participant_id, VoteEvent.statement_id, VoteEvent.value, millis).where(
            VoteEvent.issue_id == issue_id, VoteEvent.id <= watermark
        )
    )
    events = events[np.argsort(events[:, 0], kind="stable")]  # SQLite's packed read has no order
    return VoteTable(
        events[:, 1].copy(), events[:, 2].copy(), events[:, 3].astype(np.int8), events[:, 4].astype(np.float64)
    )


def load_statements(issue: Issue) -> Statements:
    """The issue's statements: all in the math but the rejected and meta ones; texts if visible."""
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
    return Statements(
        ids=np.array([r[0] for r in rows], dtype=np.int64),
        rejected=np.array([r[0] for r in rows if r[2] == ModerationStatus.REJECTED], dtype=np.int64),
        meta=np.array([r[0] for r in rows if r[3]], dtype=np.int64),
        texts={r[0]: r[1] for r in rows if r[2] in visible},
    )


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


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _int_rows(query: Select) -> np.ndarray:
    """The rows of a query of integer columns, as an int64 array of shape (rows, columns).

    In the embedded default the recompute may share an interpreter with request threads. The
    SQLite driver releases and retakes the GIL for every row it steps through, and in a busy
    process each retake waits for a request thread to let go (up to the 5 ms switch interval),
    which can make reading rows cost more than the clustering itself. On SQLite the rows are
    therefore read as ONE string (``group_concat``, a single step) and parsed by numpy; in no
    particular order. Elsewhere the rows are flattened straight into the array (numpy probing
    Row objects one by one is much slower).
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
