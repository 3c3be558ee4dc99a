"""One pol.is tick from the rating matrix and its PCA: in-conv, base clusters, groups,
repness, consensus, priorities and the state for the next tick.

Shared by :func:`clustering.compute_opinion_map` (matrix and PCA built from every vote)
and :class:`clustering.LiveOpinionMap` (matrix and PCA kept up to date between ticks).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any

import numpy as np
import sklearn

from ._cluster import (
    Clustering,
    clean_start,
    distinct_count,
    init_clusters,
    match_group_ids,
    max_k_for,
    pairwise_distances,
    smooth_k,
)
from ._matrix import VoteMatrix, in_conversation
from ._reduce import PCAResult, project_statements
from ._stats import (
    consensus_statements,
    group_aware_consensus,
    group_counts,
    priorities,
    representative_statements,
)
from ._types import Array1D, Array2D, Consensus, Group, IntArray, OpinionMap, State
from .kmeans import LARGE_CELLS, lloyd, polis_silhouette, single_threaded

STATE_VERSION = 1
#: Small inputs run with single-threaded BLAS/OpenMP: waking the thread pools costs
#: more than the work (sklearn's KMeans on 138 points: 48 ms a call instead of ~1 ms on
#: the loaded 2-core test machine).  The group clusterings (k-means of ~100 base centres)
#: always do.
SINGLE_THREAD_MAX_VOTES = 1_000_000


@contextmanager
def computing(n_votes: int) -> Iterator[None]:
    """The context of one tick: scikit-learn's per-call validation off (inputs are
    validated once, here), single-threaded pools for up to ``SINGLE_THREAD_MAX_VOTES``."""
    with ExitStack() as stack:
        stack.enter_context(sklearn.config_context(assume_finite=True, skip_parameter_validation=True))
        if n_votes <= SINGLE_THREAD_MAX_VOTES:
            stack.enter_context(single_threaded())
        yield


def _ids(x: Iterable[int] | IntArray | None) -> IntArray:
    if x is None:
        return np.zeros(0, dtype=np.int64)
    a = np.asarray(list(x) if not isinstance(x, np.ndarray) else x, dtype=np.int64).reshape(-1)
    if (a[1:] > a[:-1]).all():  # already sorted and distinct (the state's id lists)
        return a.copy() if a is x else a
    return np.unique(a)


def _labels_from_members(point_ids: IntArray, members: list[list[int]], sorter: IntArray | None = None) -> IntArray:
    """Index of the cluster listing each point id in ``members`` (-1 if none); ``sorter``:
    ``argsort(point_ids)`` when the caller has it."""
    out = np.full(len(point_ids), -1, dtype=np.int64)
    sizes = [len(mm) for mm in members]
    total = sum(sizes)
    if len(point_ids) == 0 or total == 0:
        return out
    flat = np.fromiter(itertools.chain.from_iterable(members), dtype=np.int64, count=total)
    which = np.repeat(np.arange(len(members)), sizes)
    order = np.argsort(point_ids, kind="stable") if sorter is None else sorter
    pos = np.minimum(np.searchsorted(point_ids, flat, sorter=order), len(point_ids) - 1)
    hit = point_ids[order[pos]] == flat
    out[order[pos[hit]]] = which[hit]
    return out


def previous_components(prev: Mapping[str, Any]) -> dict[int, tuple[float, float]] | None:
    """Statement id -> (pc1, pc2) of the previous tick's state (None without one)."""
    comps = prev.get("components") or {}
    if not comps:
        return None
    return {
        int(t): (float(a), float(b)) for t, a, b in zip(comps["statement_ids"], comps["pc1"], comps["pc2"], strict=True)
    }


def finish_tick(
    matrix: VoteMatrix,
    pca: PCAResult,
    proj: Array2D,
    all_statements: IntArray,
    meta: IntArray,
    prev: Mapping[str, Any],
    max_groups: int,
    random_state: int | None,
    base_k: int,
    base_iters: int,
    group_iters: int,
) -> OpinionMap:
    """Everything after the PCA (see :func:`clustering.compute_opinion_map`).

    Parameters
    ----------
    matrix : VoteMatrix
    pca : PCAResult
    proj : ndarray, shape (n, 2)
        Participant projections (every row of ``matrix``).
    all_statements : ndarray of int64
        Every statement (sorted, including the matrix columns).
    meta : ndarray of int64
    prev : dict
        The previous state (empty on a cold start).
    """
    n, m = matrix.shape
    sids = matrix.statement_ids
    in_mask = in_conversation(matrix, _ids(prev.get("in_conv")))
    cmt_proj, extremity = project_statements(matrix, pca)

    # --- base clusters on in-conv participants, in pol.is matrix order --------------
    order = matrix.matrix_order() if n else np.zeros(0, np.int64)
    in_rows = order[in_mask[order]]
    in_pids = matrix.participant_ids[in_rows]
    pos_order = np.argsort(in_pids, kind="stable")  # in-conv points by participant id
    points = proj[in_rows]
    base: Clustering | None = None
    if len(in_rows):
        pb = prev.get("base_clusters") or {}
        last = None
        if pb.get("id"):
            last = (np.asarray(pb["id"], np.int64), _labels_from_members(in_pids, pb["members"], pos_order))
        base = _kmeans(points, base_k, None, last, base_iters, random_state)

    # --- group clusterings for k = 2..max-k, silhouette, smoother -------------------
    clusterings: dict[int, Clustering] = {}
    smoother = prev.get("k_smoother")
    chosen: Clustering | None = None
    if base is not None and max_groups >= 2 and distinct_count(base.centers) >= 2:
        weights = base.counts().astype(np.float64)
        prev_gc = prev.get("group_clusterings") or {}
        sils: dict[int, float] = {}
        dists = pairwise_distances(base.centers)
        with single_threaded():
            for k in range(2, max_k_for(len(base.ids), max_groups) + 1):
                pk = prev_gc.get(str(k))
                last = None
                if pk and pk.get("id"):
                    last = (np.asarray(pk["id"], np.int64), _labels_from_members(base.ids, pk["members"]))
                cl = _kmeans(base.centers, k, weights, last, group_iters, random_state)
                clusterings[k] = cl
                sils[k] = polis_silhouette(dists, cl.labels)
        valid = {k: s for k, s in sils.items() if len(clusterings[k].ids) >= 2}
        if valid:
            best = max(valid.values())
            this_k = max(k for k, s in valid.items() if s == best)  # max-key: last on ties
            smoother = smooth_k(this_k, smoother, set(valid))
            chosen = clusterings[smoother["smoothed_k"]]

    # --- groups with stable ids -----------------------------------------------------
    row_group = np.full(n, -1, dtype=np.int64)
    group_ids = np.zeros(0, dtype=np.int64)
    if chosen is not None and base is not None:
        part_group = chosen.labels[base.labels]  # group index per in-conv point
        pg = prev.get("groups") or {}
        prev_ids = np.asarray(pg.get("id", []), np.int64)
        prev_labels = _labels_from_members(in_pids, pg.get("members", []), pos_order) if len(prev_ids) else None
        stable = match_group_ids(part_group, chosen.ids, prev_labels, prev_ids if len(prev_ids) else None)
        rank = np.argsort(stable, kind="stable")
        remap = np.empty_like(rank)
        remap[rank] = np.arange(len(rank))
        group_ids = stable[rank]
        row_group[in_rows] = remap[part_group]
    k = len(group_ids)

    # --- tallies, repness, consensus, GAC, priorities -------------------------------
    agree, disagree, seen, (ta, td, ts) = group_counts(matrix.indptr, matrix.cols, matrix.values, row_group, k, m)
    reps = representative_statements(agree, disagree, seen, sids, matrix.excluded) if k else []
    cons_agree, cons_disagree = consensus_statements(ta, td, ts, sids, matrix.excluded)
    gac = group_aware_consensus(agree, seen) if k else np.zeros(0)

    # Priorities over every statement; unvoted ones have no tallies and no extremity.
    col_of = np.searchsorted(sids, all_statements)
    voted = (
        (col_of < m) & (sids[np.minimum(col_of, max(m - 1, 0))] == all_statements)
        if m
        else np.zeros(len(all_statements), bool)
    )

    def _spread(x: np.ndarray) -> np.ndarray:
        out = np.zeros(len(all_statements))
        out[voted] = x[col_of[voted]]
        return out

    prio = priorities(
        _spread(agree.sum(0).astype(np.float64)),
        _spread(disagree.sum(0).astype(np.float64)),
        _spread(seen.sum(0).astype(np.float64)),
        _spread(extremity),
        np.isin(all_statements, meta),
    )

    # --- assemble ---------------------------------------------------------------------
    in_conv_ids = in_pids[pos_order]
    positions = points[pos_order] if len(in_rows) else np.zeros((0, 2))
    groups: list[Group] = []
    group_of: dict[int, int] = {}
    for gi, gid in enumerate(group_ids):
        rows_g = np.flatnonzero(row_group == gi)
        members = matrix.participant_ids[rows_g]
        center = proj[rows_g].mean(axis=0)
        groups.append(Group(int(gid), members, (float(center[0]), float(center[1])), reps[gi]))
        group_of.update(dict.fromkeys(members.tolist(), int(gid)))
    group_votes = {
        int(gid): {
            int(t): (int(a), int(d), int(s - a - d))
            for t, a, d, s in zip(
                sids.tolist(), agree[gi].tolist(), disagree[gi].tolist(), seen[gi].tolist(), strict=True
            )
        }
        for gi, gid in enumerate(group_ids)
    }
    state: State = {
        "version": STATE_VERSION,
        "in_conv": in_conv_ids.tolist(),
        "components": {
            "statement_ids": sids.tolist(),
            "pc1": pca.components_[0].tolist(),
            "pc2": pca.components_[1].tolist(),
        },
        "base_clusters": _clustering_state(base, in_pids) if base is not None else {},
        "group_clusterings": {str(kk): _clustering_state(cl, base.ids) for kk, cl in clusterings.items()}
        if base is not None
        else {},
        "k_smoother": smoother if chosen is not None else prev.get("k_smoother"),
        "groups": {
            "id": [int(g.id) for g in groups],
            "members": [g.members.tolist() for g in groups],
        },
    }
    return OpinionMap(
        k=k,
        participant_ids=matrix.participant_ids,
        in_conv_ids=in_conv_ids,
        positions=positions,
        group_of=group_of,
        groups=groups,
        group_votes=group_votes,
        consensus=Consensus(
            agree=[c.statement_id for c in cons_agree],
            disagree=[c.statement_id for c in cons_disagree],
            agree_stats=cons_agree,
            disagree_stats=cons_disagree,
        ),
        group_aware_consensus={int(t): float(v) for t, v in zip(sids.tolist(), gac.tolist(), strict=True)} if k else {},
        priorities={int(t): float(v) for t, v in zip(all_statements.tolist(), prio.tolist(), strict=True)},
        statement_ids=sids,
        statement_projections=cmt_proj,
        statement_extremity=extremity,
        center=pca.center_,
        components=pca.components_,
        state=state,
        user_vote_counts=matrix.user_vote_counts(),
        statement_votes=np.column_stack([ta, td, ts - ta - td]).astype(np.int64),
    )


def _kmeans(
    points: np.ndarray,
    k: int,
    weights: Array1D | None,
    last: tuple[IntArray, IntArray] | None,
    max_iter: int,
    random_state: int | None,
) -> Clustering:
    """:class:`~clustering.kmeans.PolisKMeans` without its input validation (the points
    are ours): pol.is's start, then scikit-learn's Lloyd."""
    w = np.ones(len(points)) if weights is None else weights
    if last is not None and len(last[0]):
        start = clean_start(points, w, k, last[0], last[1])
    else:
        start = init_clusters(points, k)
    cl = lloyd(points, w, start, max_iter, random_state)
    if cl.n_iter <= max_iter and len(points) * len(cl.ids) <= LARGE_CELLS:
        # A converged clustering must also be a fixed point of the next tick's warm start.
        # It can fail to be at an exact distance tie: the warm start recomputes the centres
        # (clean_start) with another rounding than scikit-learn's M-step (which centres the
        # data first), and a point at the tie may then switch.  Pol.is computes both with one
        # arithmetic, so its warm start on unchanged votes changes nothing; nor does ours
        # once the switch is taken here (README, "Exact ties").
        for _ in range(3):
            again = lloyd(points, w, clean_start(points, w, k, cl.ids, cl.labels), max_iter, random_state)
            if not np.array_equal(again.ids, cl.ids) or np.array_equal(again.labels, cl.labels):
                break
            cl = again
    return cl


def _clustering_state(cl: Clustering, point_ids: IntArray) -> dict[str, Any]:
    order = np.argsort(cl.labels, kind="stable")
    return {
        "id": cl.ids.tolist(),
        "members": [
            part.tolist()
            for part in np.split(point_ids[order], np.cumsum(np.bincount(cl.labels, minlength=len(cl.ids)))[:-1])
        ],
        "center": cl.centers.tolist(),
    }
