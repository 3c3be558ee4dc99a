"""Lloyd's k-means iteration for large 2-d point sets, with distance bounds.

Pol.is allows 101 Lloyd iterations of its 100 base clusters, and a live tick (the map
shifted a little, the clusters warm-started) typically uses 30 to 100 of them on 33,000
participants.  Plain Lloyd costs O(points x centres) per iteration; here each point keeps
Hamerly's two bounds -- an upper bound ``u`` on the distance to its centre and a lower
bound ``l`` on the distance to any other -- in a lazy form, so that an iteration costs
O(points) of cheap comparisons plus work on the few points that may change:

* ``D[c]``, the distance centre ``c`` moved in total so far, and ``M``, the sum over
  iterations of the largest move of any centre;
* per point, ``key = l - u + D[label] + M`` taken when its bounds were last exact.  Its
  current upper bound is at most ``u + (D[label] now - then)`` and its lower bound at
  least ``l - (M now - then)``, so it keeps its centre while ``D[label] + M < key``.

A point that may change gets its exact distance ``u`` to its centre and the half distance
from that centre to the nearest other (if below, no other centre is closer: ``l = 2 s - u``);
if still in doubt, its two nearest centres are searched among its centre's 16 nearest
neighbours (a centre ``c`` farther out is at least ``d(own, c) - u`` away), or, when that
cannot settle it, looked up in a KD-tree.  The centres' sums are
updated from the points that moved only.  The assignments are plain Lloyd's (up to exact
distance ties; tests: ``tests/clustering/test_clustering_live.py``).
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from ._types import Array1D, Array2D, IntArray


def _query2(points: Array2D, centers: Array2D) -> tuple[IntArray, Array1D, Array1D]:
    """Nearest centre, its distance and the distance to the second nearest."""
    if len(centers) < 2:
        d = np.sqrt(((points - centers[0]) ** 2).sum(axis=1))
        return np.zeros(len(points), np.int64), d, np.full(len(points), np.inf)
    d, idx = cKDTree(centers).query(points, k=2)
    return idx[:, 0].astype(np.int64), d[:, 0], d[:, 1]


def _dist(points: Array2D, centers: Array2D) -> Array1D:
    dx, dy = points[:, 0] - centers[:, 0], points[:, 1] - centers[:, 1]
    return np.sqrt(dx * dx + dy * dy)


#: Neighbouring centres searched around a point's own centre before a KD-tree lookup.
NEIGHBOURS = 8


class _Centres:
    """The centres of one iteration, with their distances to one another."""

    def __init__(self, centers: Array2D) -> None:
        self.centers = centers
        c = len(centers)
        dx = centers[:, None, 0] - centers[None, :, 0]
        dy = centers[:, None, 1] - centers[None, :, 1]
        cc = np.sqrt(dx * dx + dy * dy)
        np.fill_diagonal(cc, np.inf)
        self.cc = cc
        #: half the distance from each centre to the nearest other (inf when alone)
        self.half = 0.5 * cc.min(axis=1) if c > 1 else np.full(c, np.inf)
        self._near: tuple[IntArray, Array1D] | None = None

    def nearest2(self, points: Array2D, own: IntArray, u: Array1D) -> tuple[IntArray, Array1D, Array1D]:
        """Nearest centre, its distance and a lower bound on the distance to any other, for
        points at distance ``u`` from centre ``own``: only centres near ``own`` can be nearer
        (``d(x, c) >= d(own, c) - u``); a point that may be nearer to a farther one is looked
        up in a KD-tree."""
        c = len(self.centers)
        k = min(NEIGHBOURS, c - 1)
        if k < 2 or len(points) == 0:
            return _query2(points, self.centers)
        if self._near is None:
            order = np.argsort(self.cc, axis=1)
            self._near = (order[:, :k], np.take_along_axis(self.cc, order[:, k : k + 1], axis=1)[:, 0])
        near, beyond = self._near
        cand = np.concatenate([own[:, None], near[own]], axis=1)  # own centre, then its neighbours
        dx = points[:, None, 0] - self.centers[cand, 0]
        dy = points[:, None, 1] - self.centers[cand, 1]
        d = np.sqrt(dx * dx + dy * dy)
        rest = beyond[own] - u if k < c - 1 else np.full(len(points), np.inf)  # the others are >= this
        rows = np.arange(len(points))
        first = d.argmin(axis=1)
        d1 = d[rows, first]
        d[rows, first] = np.inf
        labels, lower = cand[rows, first], np.minimum(d.min(axis=1), rest)
        far = np.flatnonzero(d1 > rest)
        if len(far):
            labels[far], d1[far], lower[far] = _query2(points[far], self.centers)
        return labels, d1, lower


def _assign(points: Array2D, centers: Array2D, labels: IntArray) -> tuple[IntArray, Array1D, Array1D]:
    """Nearest centre of each point, given a guess: a guess whose distance is below half
    the distance from its centre to the nearest other is right (lower bound ``2 s - u``);
    the other points are searched around it, or looked up."""
    out = np.empty(len(points), np.int64)
    upper, lower = np.empty(len(points)), np.empty(len(points))
    cs = _Centres(centers)
    g = np.flatnonzero(labels >= 0)
    u = _dist(points[g], centers[labels[g]])
    s = cs.half[labels[g]]
    sure = u < s
    ok = g[sure]
    out[ok], upper[ok], lower[ok] = labels[ok], u[sure], 2.0 * s[sure] - u[sure]
    near = g[~sure]
    if len(near):
        out[near], upper[near], lower[near] = cs.nearest2(points[near], labels[near], u[~sure])
    new = np.flatnonzero(labels < 0)
    if len(new):
        out[new], upper[new], lower[new] = _query2(points[new], centers)
    return out, upper, lower


def lloyd_bounded(points: Array2D, w: Array1D, cl: object, max_iters: int) -> tuple[IntArray, Array2D, IntArray, int]:
    """Lloyd's iteration from ``cl`` (a :class:`~clustering._cluster.Clustering`), at
    most ``max_iters + 1`` steps; clusters that empty are dropped.

    Returns
    -------
    ids, centers, labels, n_iter
    """
    ids, centers = cl.ids, cl.centers  # type: ignore[attr-defined]
    prev_ids = ids
    labels, upper, lower = _assign(points, centers, cl.labels)  # type: ignore[attr-defined]
    c = len(ids)
    drift = np.zeros(c)  # D: how far each centre moved so far
    total_max = 0.0  # M
    # Bounds in moving units: upper now <= ud + D[label], lower now >= lm - M.
    ud, lm = upper, lower
    wx = np.column_stack([w * points[:, 0], w * points[:, 1]])
    tot = np.bincount(labels, weights=w, minlength=c)
    sums = np.column_stack([np.bincount(labels, weights=wx[:, j], minlength=c) for j in range(2)])
    counts = np.bincount(labels, minlength=c)
    changed = not np.array_equal(labels, cl.labels)  # type: ignore[attr-defined]
    it = 0
    new_centers = centers
    for it in range(max_iters + 1):
        with np.errstate(invalid="ignore", divide="ignore"):
            new_centers = sums / tot[:, None]
        keep = counts > 0
        if not keep.all():  # dropping clusters only raises the distance to the others
            remap = np.cumsum(keep) - 1
            labels = remap[labels]
            ids, centers, new_centers = ids[keep], centers[keep], new_centers[keep]
            tot, sums, counts, drift = tot[keep], sums[keep], counts[keep], drift[keep]
            changed = True
        if (not changed and len(ids) == len(prev_ids)) or it == max_iters:
            break
        prev_ids = ids
        delta = _dist(new_centers, centers)
        centers = new_centers
        drift = drift + delta
        total_max += float(delta.max())
        # Upper bound above lower bound: ud + D[label] > lm - M.
        cand = np.flatnonzero(ud + (drift + total_max)[labels] > lm)
        changed = False
        if not len(cand):
            continue
        # Tighten: the exact distance to the own centre, and the half-gap bound.
        lab = labels[cand]
        u = _dist(points[cand], centers[lab])
        cs = _Centres(centers)
        lo = np.maximum(lm[cand] - total_max, 2.0 * cs.half[lab] - u)
        ud[cand], lm[cand] = u - drift[lab], lo + total_max
        in_doubt = u > lo
        doubt = cand[in_doubt]
        if not len(doubt):
            continue
        new, up, low = cs.nearest2(points[doubt], lab[in_doubt], u[in_doubt])
        old = labels[doubt]
        ud[doubt], lm[doubt] = up - drift[new], low + total_max
        moved = new != old
        if moved.any():
            changed = True
            mv, src, dst = doubt[moved], old[moved], new[moved]
            labels[mv] = dst
            c = len(ids)
            tot += np.bincount(dst, weights=w[mv], minlength=c) - np.bincount(src, weights=w[mv], minlength=c)
            counts += np.bincount(dst, minlength=c) - np.bincount(src, minlength=c)
            for j in range(2):
                sums[:, j] += np.bincount(dst, weights=wx[mv, j], minlength=c) - np.bincount(
                    src, weights=wx[mv, j], minlength=c
                )
    return ids, new_centers, labels, it + 1
