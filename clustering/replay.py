"""Replay a conversation's votes chronologically, one pol.is tick per batch.

Pol.is never computes a conversation's map from scratch: its poller reads new votes about
once a second and runs one ``conv-update`` per batch, each warm-started from the previous
tick (in-conv set, components, base clusters, group clusterings, k smoother; see
``shared/docs/polis-math.md`` §9).  The groups pol.is exports are therefore the product of
that history, and a single cold-start call of :func:`~clustering.compute_opinion_map` on
the final votes is not the same computation.  :func:`replay_conversation` re-runs the
history: votes are ordered by timestamp and fed in growing prefixes, each tick passing the
previous tick's ``state``.

Batches are either ``ticks`` equal slices of the vote stream, or (``tick_seconds``) pol.is's
poller windows: a new tick starts with the first vote at least ``tick_seconds`` after the
start of the current batch.  Votes without timestamps keep their row order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from ._types import IntArray, OpinionMap, VoteTable
from .pipeline import compute_opinion_map


def tick_boundaries(
    timestamps: np.ndarray,
    *,
    ticks: int | None = None,
    tick_seconds: float | None = None,
    time_unit: float = 1000.0,
) -> IntArray:
    """End index (exclusive) of each batch in the time-ordered vote stream.

    Parameters
    ----------
    timestamps : ndarray, shape (n,)
        Sorted ascending.
    ticks : int, optional
        Split into this many batches of (nearly) equal vote counts.
    tick_seconds : float, optional
        Poller windows: a batch spans at most this many seconds from its first vote.
    time_unit : float
        Timestamp units per second (1000 for pol.is's millisecond timestamps).
    """
    n = len(timestamps)
    if (ticks is None) == (tick_seconds is None):
        raise ValueError("give exactly one of ticks and tick_seconds")
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if ticks is not None:
        if ticks < 1:
            raise ValueError("ticks must be >= 1")
        ends = np.linspace(0, n, min(ticks, n) + 1)[1:].round().astype(np.int64)
        return np.unique(ends)
    if tick_seconds is None or tick_seconds <= 0:
        raise ValueError("tick_seconds must be > 0")
    width = tick_seconds * time_unit
    # Where a window opened by each vote would end (one vectorised search), then the
    # greedy walk from window to window over plain ints.
    nxt = np.maximum(np.searchsorted(timestamps, timestamps + width, side="left"), np.arange(1, n + 1)).tolist()
    ends: list[int] = []
    start = 0
    while start < n:
        start = nxt[start]
        ends.append(start)
    return np.asarray(ends, dtype=np.int64)


def iter_replay(
    votes: VoteTable,
    statement_ids: Iterable[int] | IntArray | None = None,
    excluded_statement_ids: Iterable[int] | IntArray = (),
    *,
    ticks: int | None = None,
    tick_seconds: float | None = None,
    time_unit: float = 1000.0,
    **kwargs: Any,
) -> Iterator[OpinionMap]:
    """Yield the opinion map after every tick of a chronological replay.

    Takes the arguments of :func:`replay_conversation`.
    """
    n = len(votes)
    ts = votes.timestamps
    if ts is None:
        order = np.arange(n)
        clock = np.arange(n, dtype=np.float64)
    else:
        clock = np.where(np.isnan(ts), -np.inf, ts)
        order = np.argsort(clock, kind="stable")
        clock = clock[order]
    if tick_seconds is not None and ts is None:
        raise ValueError("tick_seconds needs timestamps")
    ends = tick_boundaries(clock, ticks=ticks, tick_seconds=tick_seconds, time_unit=time_unit)
    pids = votes.participant_ids[order]
    sids = votes.statement_ids[order]
    vals = votes.values[order]
    stamps = None if ts is None else ts[order]
    state = kwargs.pop("previous_state", None)
    for end in ends.tolist():
        ts_end = None if stamps is None else stamps[:end]
        prefix = VoteTable(pids[:end], sids[:end], vals[:end], ts_end)
        result = compute_opinion_map(prefix, statement_ids, excluded_statement_ids, previous_state=state, **kwargs)
        state = result.state
        yield result


def replay_conversation(
    votes: VoteTable,
    statement_ids: Iterable[int] | IntArray | None = None,
    excluded_statement_ids: Iterable[int] | IntArray = (),
    *,
    ticks: int | None = None,
    tick_seconds: float | None = None,
    time_unit: float = 1000.0,
    **kwargs: Any,
) -> OpinionMap:
    """The opinion map after replaying the votes chronologically with warm starts.

    Parameters
    ----------
    votes : VoteTable
        Vote events with timestamps (without, row order is the chronology).
    statement_ids, excluded_statement_ids
        As for :func:`~clustering.compute_opinion_map` (the final moderation is used at
        every tick; pol.is applied moderation as it happened).
    ticks : int, optional
        Number of equal-size batches (``ticks=1`` is a cold start on all votes).
    tick_seconds : float, optional
        Batch by pol.is poller windows of this many seconds instead.
    time_unit : float
        Timestamp units per second (pol.is exports: milliseconds, 1000).
    **kwargs
        Passed to :func:`~clustering.compute_opinion_map` (``max_groups``,
        ``meta_statement_ids``, ``previous_state`` for the first tick, ...).

    Returns
    -------
    OpinionMap
        The last tick's result; its ``state`` carries the whole history.
    """
    result = None
    for tick in iter_replay(
        votes,
        statement_ids,
        excluded_statement_ids,
        ticks=ticks,
        tick_seconds=tick_seconds,
        time_unit=time_unit,
        **kwargs,
    ):
        result = tick
    if result is None:  # no votes: one (empty) tick
        result = compute_opinion_map(votes, statement_ids, excluded_statement_ids, **kwargs)
    return result
