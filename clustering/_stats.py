"""Vectorised pol.is statistics: repness, consensus, group-aware consensus, priorities.

Ref: compdemocracy/polis math/src/polismath/math/stats.clj, repness.clj and
conversation.clj:583-667.  Counts are taken from the raw matrix: pol.is's rating
matrix only differs on excluded (moderated-out/meta) statements, which repness and
consensus skip.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._types import Array1D, ConsensusStatement, IntArray, Repness

#: One-sided 90 % z threshold as written in pol.is (stats.clj z-sig-90?), not 1.28155.
Z_90 = 1.2816
#: pol.is meta-priority (squared in the priority metric).
META_PRIORITY = 7.0
#: Representative statements kept per group.
REP_LIMIT = 5
CONSENSUS_LIMIT = 5

FloatArray = NDArray[np.float64]


def prop_test(succ: FloatArray, n: FloatArray) -> FloatArray:
    """One-proportion z against 0.5 with pseudo-counts (stats.clj prop-test)."""
    succ, n = np.asarray(succ, dtype=np.float64) + 1.0, np.asarray(n, dtype=np.float64) + 1.0
    return 2.0 * np.sqrt(n) * (succ / n - 0.5)


def two_prop_test(succ_in: FloatArray, succ_out: FloatArray, pop_in: FloatArray, pop_out: FloatArray) -> FloatArray:
    """Two-proportion z with pseudo-counts; 0 when the pooled rate is 1 (stats.clj)."""
    s1 = np.asarray(succ_in, dtype=np.float64) + 1.0
    s2 = np.asarray(succ_out, dtype=np.float64) + 1.0
    n1 = np.asarray(pop_in, dtype=np.float64) + 1.0
    n2 = np.asarray(pop_out, dtype=np.float64) + 1.0
    p_hat = (s1 + s2) / (n1 + n2)
    var = p_hat * (1.0 - p_hat) * (1.0 / n1 + 1.0 / n2)
    z = np.divide(
        s1 / n1 - s2 / n2,
        np.sqrt(np.maximum(var, 0.0)),
        out=np.zeros(np.broadcast(s1, s2, n1, n2).shape),
        where=var > 0,
    )
    return np.where(p_hat == 1.0, 0.0, z)


def group_counts(
    indptr: IntArray, cols: IntArray, values: NDArray[np.int8], row_group: IntArray, k: int, m: int
) -> tuple[IntArray, IntArray, IntArray, tuple[IntArray, IntArray, IntArray]]:
    """Agree, disagree and seen counts per (group, statement), and over every row.

    Parameters
    ----------
    indptr : ndarray of int, shape (n + 1,)
        CSR row pointers of the final votes.
    cols, values : ndarrays, shape (nnz,)
        Final votes (column and value of each cell, in row order).
    row_group : ndarray of int64, shape (n,)
        Group index per row, -1 for rows in no group.

    Returns
    -------
    agree, disagree, seen : ndarrays of int64, shape (k, m)
    totals : (agree, disagree, seen), ndarrays of int64, shape (m,)
        Over all rows, grouped or not (pol.is consensus).
    """
    # One bincount over (group + 1, statement, vote + 1): bucket 0 holds the rows in no group.
    size = (k + 1) * m * 3
    dtype = np.int32 if size < 2**31 else np.int64
    code = np.repeat((row_group + 1).astype(dtype) * dtype(3 * m), np.diff(indptr))
    code += cols.astype(dtype, copy=False) * dtype(3)
    code += values
    code += dtype(1)
    tally = np.bincount(code, minlength=size).reshape(k + 1, m, 3).astype(np.int64)
    disagree, agree = tally[:, :, 0], tally[:, :, 2]
    seen = tally.sum(axis=2)
    totals = (agree.sum(axis=0), disagree.sum(axis=0), seen.sum(axis=0))
    return agree[1:], disagree[1:], seen[1:], totals


def _finalize(j: int, sid: int, st: dict[str, list[float]], best_agree: bool = False) -> Repness:
    na, nd, ns = int(st["na"][j]), int(st["nd"][j]), int(st["ns"][j])
    if st["rat"][j] > st["rdt"][j]:
        vals = (na, st["pa"][j], st["pat"][j], st["ra"][j], st["rat"][j], "agree")
    else:
        vals = (nd, st["pd"][j], st["pdt"][j], st["rd"][j], st["rdt"][j], "disagree")
    n_success, p_success, p_test, rep, rep_test, repful = vals
    return Repness(
        statement_id=sid,
        repful_for=repful,  # type: ignore[arg-type]
        p_success=float(p_success),
        p_test=float(p_test),
        repness=float(rep),
        # pol.is casts repness-test to a 32-bit float (repness.clj finalize-cmt-stats).
        repness_test=float(np.float32(rep_test)),
        n_agree=na,
        n_disagree=nd,
        n_seen=ns,
        n_success=int(n_success),
        best_agree=best_agree,
    )


def _metric(r: Repness) -> float:
    return r.repness * r.repness_test * r.p_success * r.p_test


def representative_statements(
    agree: IntArray,
    disagree: IntArray,
    seen: IntArray,
    statement_ids: IntArray,
    excluded: NDArray[np.bool_],
) -> list[list[Repness]]:
    """Select each group's representative statements (pol.is select-rep-comments).

    Parameters
    ----------
    agree, disagree, seen : ndarrays of int64, shape (k, m)
        Per-group counts among in-conv members.
    statement_ids : ndarray of int64, shape (m,)
        Column order = pol.is tid order (iteration order matters for ties).
    excluded : ndarray of bool, shape (m,)

    Returns
    -------
    list (one per group) of lists of Repness
    """
    k = agree.shape[0]
    keep = np.flatnonzero(~excluded)
    na, nd, ns = (x[:, keep].astype(np.float64) for x in (agree, disagree, seen))
    sids = statement_ids[keep]
    na_rest, nd_rest, ns_rest = na.sum(0) - na, nd.sum(0) - nd, ns.sum(0) - ns
    pa, pd = (na + 1) / (ns + 2), (nd + 1) / (ns + 2)
    pat, pdt = prop_test(na, ns), prop_test(nd, ns)
    ra = pa / ((1 + na_rest) / (2 + ns_rest))
    rd = pd / ((1 + nd_rest) / (2 + ns_rest))
    rat = two_prop_test(na, na_rest, ns, ns_rest)
    rdt = two_prop_test(nd, nd_rest, ns, ns_rest)
    sufficient = ((rat > Z_90) & (pat > Z_90)) | ((rdt > Z_90) & (pdt > Z_90))
    out: list[list[Repness]] = []
    for g in range(k):
        st = {
            "na": na[g].tolist(),
            "nd": nd[g].tolist(),
            "ns": ns[g].tolist(),
            "pa": pa[g].tolist(),
            "pd": pd[g].tolist(),
            "pat": pat[g].tolist(),
            "pdt": pdt[g].tolist(),
            "ra": ra[g].tolist(),
            "rd": rd[g].tolist(),
            "rat": rat[g].tolist(),
            "rdt": rdt[g].tolist(),
        }
        # best-agree (repness.clj beats-best-agr?), a sequential scan in tid order.
        ba: int | None = None
        for j in range(len(sids)):
            a, d = st["na"][j], st["nd"][j]
            if a == 0 and d == 0:
                continue
            if ba is not None and st["ra"][ba] > 1.0:
                better = (
                    st["ra"][j] * st["rat"][j] * st["pa"][j] * st["pat"][j]
                    > st["ra"][ba] * st["rat"][ba] * st["pa"][ba] * st["pat"][ba]
                )
            elif ba is not None:
                better = st["pa"][j] * st["pat"][j] > st["pa"][ba] * st["pat"][ba]
            else:
                better = st["pat"][j] > Z_90 or (st["ra"][j] > 1.0 and st["pa"][j] > 0.5)
            if better:
                ba = j
        best_agree = None
        if ba is not None:
            best_agree = _finalize(ba, int(sids[ba]), st, best_agree=True)
        suff = np.flatnonzero(sufficient[g])
        if len(suff) == 0:
            # best by test, tracked while nothing is sufficient; compared to the float32
            # repness-test of the current best, as pol.is does.
            best = None
            best_z: float | None = None
            for j in range(len(sids)):
                z = max(st["rat"][j], st["rdt"][j])
                if best_z is None or z > best_z:
                    best = j
                    best_z = float(np.float32(z))
            if best_agree is not None:
                out.append([best_agree])
            elif best is not None:
                out.append([_finalize(best, int(sids[best]), st)])
            else:
                out.append([])
            continue
        reps = [_finalize(int(j), int(sids[j]), st) for j in suff]
        if best_agree is not None:
            reps = [r for r in reps if r.statement_id != best_agree.statement_id]
        reps.sort(key=lambda r: -_metric(r))  # stable, like sort-by
        if best_agree is not None:
            reps.insert(0, best_agree)
        reps = reps[:REP_LIMIT]
        reps = [r for r in reps if r.repful_for == "agree"] + [r for r in reps if r.repful_for == "disagree"]
        out.append(reps)
    return out


def consensus_statements(
    agree: IntArray,
    disagree: IntArray,
    seen: IntArray,
    statement_ids: IntArray,
    excluded: NDArray[np.bool_],
) -> tuple[list[ConsensusStatement], list[ConsensusStatement]]:
    """pol.is ``consensus`` ("majority"): counts over all participants.

    Ref: polis repness.clj:281-320 (select-consensus-comments).
    """
    keep = np.flatnonzero(~excluded)
    na, nd, ns = (x[keep].astype(np.float64) for x in (agree, disagree, seen))
    sids = statement_ids[keep]
    result = []
    for succ in (na, nd):
        p = (succ + 1) / (ns + 2)
        z = prop_test(succ, ns)
        cand = np.flatnonzero((p > 0.5) & (z > Z_90))
        cand = cand[np.argsort(-(p[cand] * z[cand]), kind="stable")][:CONSENSUS_LIMIT]
        result.append(
            [ConsensusStatement(int(sids[j]), int(succ[j]), int(ns[j]), float(p[j]), float(z[j])) for j in cand]
        )
    return result[0], result[1]


def group_aware_consensus(agree: IntArray, seen: IntArray) -> Array1D:
    """Product over groups of ``(A + 1) / (S + 2)`` per statement (conversation.clj:615-636)."""
    return np.prod((agree + 1.0) / (seen + 2.0), axis=0)


def priorities(
    agree: Array1D, disagree: Array1D, seen: Array1D, extremity: Array1D, is_meta: NDArray[np.bool_]
) -> Array1D:
    """pol.is comment priority (conversation.clj:308-330, 638-667).

    ``importance = (1 - (P+1)/(S+2)) (E+1) (A+1)/(S+2)`` with ``P = S - A - D`` passes,
    ``priority = (importance * (1 + 8 * 2**(-S/5)))**2``; meta statements get ``7**2``.
    """
    passes = seen - (agree + disagree)
    importance = (1.0 - (passes + 1.0) / (seen + 2.0)) * (extremity + 1.0) * (agree + 1.0) / (seen + 2.0)
    prio = (importance * (1.0 + 8.0 * 2.0 ** (-seen / 5.0))) ** 2
    return np.where(is_meta, META_PRIORITY**2, prio)


#: The priority of a meta statement.
META_STATEMENT_PRIORITY = META_PRIORITY**2
#: The priority of a statement nobody has voted on yet: pol.is's full "new" boost, ``(1/4 * 9)**2``.
NEW_STATEMENT_PRIORITY = float(priorities(*np.zeros((4, 1)), np.zeros(1, dtype=bool))[0])
