"""Pol.is k-means, k selection and stable group ids.

Two levels, as in pol.is (polis math/src/polismath/math/clusters.clj and
conversation.clj:400-470):

* **base clusters**: k-means with k = 100 on the in-conv participants' positions;
* **group clusterings**: for k = 2..max-k, weighted k-means on the base-cluster centres
  (weights = base-cluster sizes); the k with the best silhouette over the base centres
  wins, smoothed so that a new k must win 4 runs in a row.

Both levels warm-start from the previous run's clusters (``clean_start``); the Lloyd
iterations are scikit-learn's (:class:`clustering.kmeans.PolisKMeans`), except for large
2-d inputs, where :func:`clustering._bounded.lloyd_bounded` runs the same iteration with
Hamerly's bounds.

Stable group ids
----------------
Pol.is's group ids are k-means cluster ids, so groups can swap ids (and colours) between
updates.  :func:`match_group_ids` instead matches the new groups to the previous run's
groups by member overlap (Hungarian assignment maximising the number of shared
participants).  A new group keeps the old id when at least half of its members that were
already grouped last run come from that old group; any other group takes the smallest id
not in use.  On a cold start the ids are pol.is's (the k-means cluster ids, 0..k-1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from ._types import Array1D, Array2D, IntArray

BASE_K = 100
BASE_ITERS = 100
#: pol.is passes ``:cluster-iters`` (ignored) for groups, so its default 20 applies.
GROUP_ITERS = 20
GROUP_K_BUFFER = 4


@dataclass
class Clustering:
    """A set of clusters over a point set.

    Attributes
    ----------
    ids : ndarray of int64, shape (c,)
        Cluster ids, ascending.
    centers : ndarray, shape (c, 2)
    labels : ndarray of int64, shape (n_points,)
        Index into ``ids`` per point (-1: not a member of any cluster).
    """

    ids: IntArray
    centers: Array2D
    labels: IntArray
    n_iter: int = 0

    def members(self, i: int) -> IntArray:
        return np.flatnonzero(self.labels == i)

    def counts(self) -> IntArray:
        return np.bincount(self.labels[self.labels >= 0], minlength=len(self.ids))


def _sq_dists(points: Array2D, centers: Array2D) -> Array2D:
    """Squared Euclidean distances, summed coordinate by coordinate (for 2-d points the
    same floats as a sum over axis 2, without the slow reduction over a length-2 axis)."""
    out = np.zeros((len(points), len(centers)))
    for j in range(points.shape[1]):
        d = points[:, j, None] - centers[None, :, j]
        d *= d
        out += d
    return out


def _weighted_centers(points: Array2D, weights: Array1D, labels: IntArray, c: int) -> tuple[Array2D, Array1D]:
    ok = labels >= 0
    lab, w = labels[ok], weights[ok]
    tot = np.bincount(lab, weights=w, minlength=c)
    sums = [np.bincount(lab, weights=w * points[ok, j], minlength=c) for j in range(points.shape[1])]
    with np.errstate(invalid="ignore", divide="ignore"):
        centers = np.column_stack([x / tot for x in sums]) if sums else np.zeros((c, 0))
    return centers, tot


def _first_distinct(points: Array2D) -> IntArray:
    """Indices of the first occurrence of each distinct row, in row order."""
    n = len(points)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    # Sort rows lexicographically (stable, so equal rows stay in row order) and keep
    # the first row of each run of equal rows: same as np.unique(axis=0), cheaper.
    order = np.lexsort(points.T[::-1])
    srt = points[order]
    new_run = np.ones(n, dtype=bool)
    new_run[1:] = (srt[1:] != srt[:-1]).any(axis=1)
    return np.sort(order[new_run]).astype(np.int64)


def init_clusters(points: Array2D, k: int) -> Clustering:
    """Cold start: the first ``k`` distinct points (in row order), ids 0..k-1."""
    first = _first_distinct(points)[:k]
    return Clustering(
        np.arange(len(first), dtype=np.int64),
        points[first].copy(),
        np.full(len(points), -1, dtype=np.int64),
    )


def clean_start(
    points: Array2D,
    weights: Array1D,
    k: int,
    last_ids: IntArray,
    last_labels: IntArray,
) -> Clustering:
    """Warm start from the previous clusters (pol.is clean-start-clusters).

    Re-centre each old cluster on its members still present (dropping those that lost
    all), merge clusters with identical centres, then split off the most distal point
    as a new cluster (id = max id + 1) until there are min(k, distinct points) clusters.

    Parameters
    ----------
    points : ndarray, shape (n, 2)
    weights : ndarray, shape (n,)
    k : int
    last_ids : ndarray of int64, shape (c,)
        Previous cluster ids.
    last_labels : ndarray of int64, shape (n,)
        Index into ``last_ids`` of each point's previous cluster, -1 if none.
    """
    c = len(last_ids)
    centers, tot = _weighted_centers(points, weights, last_labels, c)
    counts = np.bincount(last_labels[last_labels >= 0], minlength=c)
    keep = counts > 0
    if not keep.any():
        new_id = int(last_ids.max()) + 1 if c else 0
        centers, _ = _weighted_centers(points, weights, np.zeros(len(points), np.int64), 1)
        return Clustering(np.array([new_id], np.int64), centers, np.zeros(len(points), np.int64))
    remap = np.cumsum(keep) - 1
    labels = np.where(last_labels >= 0, remap[np.maximum(last_labels, 0)], -1)
    ids, centers, counts = last_ids[keep].copy(), centers[keep], counts[keep]
    # Merge clusters whose centres are exactly equal; the larger keeps its id
    # (pol.is max-key: the later one on equal sizes).
    # (np.unique(axis=0) compares bytes; it runs only when some centres are equal in value.)
    if len(_first_distinct(centers)) == len(ids):
        first = np.arange(len(ids))
    else:
        _, first, inverse = np.unique(centers, axis=0, return_index=True, return_inverse=True)
    if len(first) < len(ids):
        inverse = inverse.reshape(-1)
        order = np.argsort(first, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        group = rank[inverse]  # merged index per old cluster, in first-seen order
        new_ids = np.empty(len(first), dtype=np.int64)
        for g in range(len(first)):
            idx = np.flatnonzero(group == g)
            best = idx[0]
            for j in idx[1:]:
                if counts[j] >= counts[best]:
                    best = j
            new_ids[g] = ids[best]
        labels = np.where(labels >= 0, group[np.maximum(labels, 0)], -1)
        ids = new_ids
        centers, _ = _weighted_centers(points, weights, labels, len(ids))
    possible = min(k, len(_first_distinct(points))) if len(ids) < k else k
    while len(ids) < possible:
        d = _sq_dists(points, centers)
        nearest = d.min(axis=1)
        far = len(points) - 1 - int(np.argmax(nearest[::-1]))  # max-key: last on ties
        if nearest[far] <= 0:
            break
        labels[far] = len(ids)
        ids = np.append(ids, ids.max() + 1)
        counts_now = np.bincount(labels[labels >= 0], minlength=len(ids))
        if (counts_now == 0).any():  # the point was a singleton cluster's only member
            keep = counts_now > 0
            remap = np.cumsum(keep) - 1
            labels = np.where(labels >= 0, remap[np.maximum(labels, 0)], -1)
            ids = ids[keep]
        centers, _ = _weighted_centers(points, weights, labels, len(ids))
    order = np.argsort(ids, kind="stable")
    inv = np.empty_like(order)
    inv[order] = np.arange(len(order))
    labels = np.where(labels >= 0, inv[np.maximum(labels, 0)], -1)
    return Clustering(ids[order], centers[order], labels)


def pairwise_distances(points: Array2D) -> Array2D:
    """Euclidean distance matrix of 2-d points (pol.is ``bucket-dists``)."""
    return np.sqrt(_sq_dists(points, points))


def max_k_for(n_base: int, max_groups: int) -> int:
    """pol.is max-k-fn: ``min(max_groups, 2 + n_base // 12)``."""
    return min(max_groups, 2 + n_base // 12)


def smooth_k(this_k: int, previous: dict[str, int] | None, available: set[int]) -> dict[str, int]:
    """pol.is group-k-smoother: a new k must win ``GROUP_K_BUFFER`` runs in a row."""
    prev = previous or {}
    last_k = prev.get("last_k")
    count = int(prev.get("last_k_count", 0)) + 1 if last_k == this_k else 1
    smoothed = prev.get("smoothed_k")
    if count >= GROUP_K_BUFFER or smoothed is None or int(smoothed) not in available:
        smoothed = this_k
    return {"last_k": int(this_k), "last_k_count": int(count), "smoothed_k": int(smoothed)}


def match_group_ids(
    new_labels: IntArray,
    new_default_ids: IntArray,
    previous_labels: IntArray | None,
    previous_ids: IntArray | None,
) -> IntArray:
    """Stable ids for the new groups (see module docstring).

    Parameters
    ----------
    new_labels : ndarray of int64, shape (n,)
        Group index (0..g-1) per in-conv participant.
    new_default_ids : ndarray of int64, shape (g,)
        Ids used when there is no previous grouping (the k-means cluster ids).
    previous_labels : ndarray of int64, shape (n,), optional
        Index into ``previous_ids`` of each participant's previous group, -1 if none.
    previous_ids : ndarray of int64, optional

    Returns
    -------
    ndarray of int64, shape (g,)
    """
    g = len(new_default_ids)
    if previous_ids is None or previous_labels is None or len(previous_ids) == 0:
        return new_default_ids.astype(np.int64)
    p = len(previous_ids)
    seen = previous_labels >= 0
    overlap = np.zeros((g, p), dtype=np.int64)
    np.add.at(overlap, (new_labels[seen], previous_labels[seen]), 1)
    grouped_before = overlap.sum(axis=1)
    result = np.full(g, -1, dtype=np.int64)
    rows, cols = linear_sum_assignment(overlap, maximize=True)
    for r, c in zip(rows, cols, strict=True):
        if overlap[r, c] > 0 and 2 * overlap[r, c] >= grouped_before[r]:
            result[r] = previous_ids[c]
    used = set(int(x) for x in result if x >= 0)
    nxt = 0
    for r in range(g):
        if result[r] < 0:
            while nxt in used:
                nxt += 1
            result[r] = nxt
            used.add(nxt)
    return result


def distinct_count(points: Array2D) -> int:
    return len(_first_distinct(points))
