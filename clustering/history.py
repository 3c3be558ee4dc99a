"""Groups like pol.is's: replay the history that pol.is's groups come from.

Pol.is never clusters a conversation from scratch.  Its poller reads new votes every
second and runs one tick per batch, each warm-started from the last (polis-math.md §9):
the in-conv set only grows, and the 100 **base clusters** are carried tick after tick
(clean-start: old clusters re-centred on their members, new participants split off as
new clusters with id max id + 1).  What it does *not* carry for long are the group
clusterings and the k smoother: every restart of the math worker drops them (§9,
``load-or-init``), and the next tick cold-starts the group k-means on the base centres
in base-id order, with the k that wins the silhouette at that tick.  That is why a cold
group clustering on pol.is's own base clusters reproduces the groups of every math
fixture (§12), and why the base clusters, not the groups, are what the history decides.

:func:`opinion_map_with_history` therefore replays the base clusters chronologically and
computes the groups on the result, as the tick after a restart does:

* **cadence**: pol.is's one-second poller windows, merged while they add less than
  ``growth`` (2 %) to the votes so far.  Early on every window is its own tick, as in
  pol.is (that fixes the base-cluster ids, i.e. the order in which participants entered
  the map, which decides the cold group start); later a tick waits for 2 % more votes,
  so a conversation costs O(log(votes) / growth) ticks, not one per second of activity
  (vtaiwan: 42,466 windows, 389 ticks).  Measured on the three math fixtures: 1 % and 2 %
  reproduce pol.is's k and groups (ARI 1.0, 1.0, 0.90-1.0), 5 % and 10 % do not.
* **ticks**: only what the next tick needs (in-conv, PCA, projections, base k-means);
  the full opinion map (groups, repness, consensus, priorities) is computed once, on all
  votes, from that state.
* **cost**: a tick is ~100 small array operations on ~100-2,000 participants, so what
  scikit-learn adds per call (validation, dataframe probing, parameter checks) used to
  cost more than the arithmetic.  The replay validates once and calls scikit-learn's Lloyd
  kernel and ``PCA(svd_solver="covariance_eigh")``'s arithmetic as the estimators do
  (:func:`~clustering.kmeans.sklearn_lloyd`, :func:`~clustering.decomposition.pca_covariance_eigh`,
  both pinned bit for bit against the estimators); ``bench/history_check.py`` checks
  that the replayed base clusters are unchanged.

``cold=True`` in the CLI (``--cold``) skips the replay.  ``replay_conversation`` (module
:mod:`clustering.replay`) still replays full ticks, smoother and group warm starts
included, at any cadence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ._cluster import BASE_ITERS, BASE_K, Clustering, clean_start, init_clusters
from ._matrix import PrefixMatrices, VoteMatrix, in_conversation
from ._reduce import fit_pca, project_participants
from ._tick import STATE_VERSION, _clustering_state, _ids, computing
from ._types import IntArray, OpinionMap, VoteTable
from .kmeans import lloyd
from .pipeline import compute_opinion_map
from .replay import tick_boundaries

#: A tick waits until the votes grew by this fraction (finer: no change on the fixtures).
GROWTH = 0.02
#: pol.is's poller interval, seconds.
POLL_SECONDS = 1.0


def history_ticks(timestamps: np.ndarray, growth: float = GROWTH, time_unit: float = 1000.0) -> IntArray:
    """End index of each replayed tick in the time-sorted votes (see module docstring)."""
    windows = tick_boundaries(timestamps, tick_seconds=POLL_SECONDS, time_unit=time_unit)
    ends: list[int] = []
    last = 0
    for end in windows.tolist():
        if end >= last * (1.0 + growth) or end == len(timestamps):
            ends.append(end)
            last = end
    return np.asarray(ends, dtype=np.int64)


def base_history(
    votes: VoteTable,
    excluded_statement_ids: Iterable[int] | IntArray = (),
    *,
    growth: float = GROWTH,
    time_unit: float = 1000.0,
    base_k: int = BASE_K,
    base_iters: int = BASE_ITERS,
    random_state: int | None = 0,
) -> dict[str, Any]:
    """Replay in-conv and base clusters up to (not including) the last tick.

    ``random_state`` seeds the start vector of the Lanczos PCA of large ticks (as in
    :func:`~clustering.compute_opinion_map`): with None, two replays of the same votes can
    end with other base clusters (measured: 2 of the 19 real conversations).

    Returns
    -------
    dict
        A ``previous_state`` for :func:`~clustering.compute_opinion_map` holding the
        in-conv set and base clusters (no group clusterings, no k smoother).
    """
    n = len(votes)
    if n == 0:
        return {}
    ts = votes.timestamps
    clock = np.arange(n, dtype=np.float64) if ts is None else np.where(np.isnan(ts), -np.inf, ts)
    order = np.argsort(clock, kind="stable")
    clock = clock[order]
    if ts is None:
        ends = np.unique(np.ceil((1.0 + growth) ** np.arange(int(np.log(n) / np.log1p(growth)) + 2)))
        ends = np.minimum(ends, n).astype(np.int64)
    else:
        ends = history_ticks(clock, growth, time_unit)
    pids, sids, vals = votes.participant_ids[order], votes.statement_ids[order], votes.values[order]
    # Rows in the order pol.is first saw each participant (its live matrix order).
    uniq, first = np.unique(pids, return_index=True)
    seen_rank = np.empty(len(uniq), dtype=np.int64)
    seen_rank[np.argsort(first, kind="stable")] = np.arange(len(uniq))
    excluded = _ids(excluded_statement_ids)
    in_conv = np.zeros(0, dtype=np.int64)
    last: _Base | None = None

    def order_key(ids: IntArray) -> IntArray:
        return seen_rank[np.searchsorted(uniq, ids)]

    prefixes = PrefixMatrices(pids, sids, vals, excluded)
    # Validated once here: scikit-learn's per-call checks off, single-threaded pools.
    with computing(0):
        for end in ends[:-1].tolist():
            in_conv, last = _tick(prefixes.matrix(end), in_conv, last, order_key, base_k, base_iters, random_state)
    state: dict[str, Any] = {"version": STATE_VERSION, "in_conv": in_conv.tolist()}
    if last is not None:
        state["base_clusters"] = _clustering_state(last[1], last[0])
    return state


#: The base clusters between ticks: the in-conv participant ids (in row order) and
#: their clustering (labels index its ids).
_Base = tuple[IntArray, Clustering]


def _tick(
    matrix: VoteMatrix,
    in_conv: IntArray,
    last: _Base | None,
    order_key: Callable[[IntArray], IntArray],
    base_k: int,
    base_iters: int,
    random_state: int | None,
) -> tuple[IntArray, _Base | None]:
    """One pol.is tick, only as far as the next tick needs: in-conv and base clusters
    (:class:`~clustering.kmeans.PolisKMeans`'s start and Lloyd, called without the
    estimator's per-call validation: the points are ours)."""
    in_mask = in_conversation(matrix, in_conv)
    row_order = np.argsort(order_key(matrix.participant_ids), kind="stable")
    rows = row_order[in_mask[row_order]]
    if not len(rows):  # nobody on the map yet: the PCA would not be used
        return in_conv, last
    in_pids = matrix.participant_ids[rows]
    pca, s = fit_pca(matrix, None, random_state)
    points = project_participants(matrix, pca, s)[rows]
    w = np.ones(len(points))
    if last is not None and len(last[1].ids):
        start = clean_start(points, w, base_k, last[1].ids, _previous_labels(in_pids, *last))
    else:
        start = init_clusters(points, base_k)
    return np.sort(in_pids), (in_pids, lloyd(points, w, start, base_iters, 0))


def _previous_labels(in_pids: IntArray, last_pids: IntArray, last: Clustering) -> IntArray:
    """Index of each participant's previous base cluster, -1 for newcomers."""
    order = np.argsort(last_pids, kind="stable")
    at = np.minimum(np.searchsorted(last_pids, in_pids, sorter=order), len(last_pids) - 1)
    found = last_pids[order[at]] == in_pids
    return np.where(found, last.labels[order[at]], -1)


def opinion_map_with_history(
    votes: VoteTable,
    statement_ids: Iterable[int] | IntArray | None = None,
    excluded_statement_ids: Iterable[int] | IntArray = (),
    *,
    growth: float = GROWTH,
    time_unit: float = 1000.0,
    **kwargs: Any,
) -> OpinionMap:
    """The opinion map pol.is would show after this conversation's history.

    Parameters
    ----------
    votes : VoteTable
        Vote events; with timestamps (pol.is: milliseconds) the replay follows them,
        without, row order is the chronology.
    statement_ids, excluded_statement_ids
        As for :func:`~clustering.compute_opinion_map` (the final moderation applies at
        every tick).
    growth : float
        Cadence: a tick waits for this fraction of new votes (see module docstring).
    time_unit : float
        Timestamp units per second.
    **kwargs
        Passed to :func:`~clustering.compute_opinion_map` (``max_groups``,
        ``meta_statement_ids``, ``base_k``, ...); ``previous_state`` is not accepted.

    Returns
    -------
    OpinionMap
        Its ``state`` warm-starts live updates.
    """
    if "previous_state" in kwargs:
        raise TypeError("opinion_map_with_history builds its own previous_state")
    meta = _ids(kwargs.get("meta_statement_ids", ()))
    excluded = np.union1d(_ids(excluded_statement_ids), meta)
    base_kw = {k: kwargs[k] for k in ("base_k", "base_iters", "random_state") if k in kwargs}
    state = base_history(votes, excluded, growth=growth, time_unit=time_unit, **base_kw)
    return compute_opinion_map(votes, statement_ids, excluded_statement_ids, previous_state=state, **kwargs)
