"""``LiveOpinionMap``: an opinion map kept in memory between live ticks.

:func:`clustering.compute_opinion_map` rebuilds everything from every vote; that is what
a stored ``state`` allows, and it stays the reference.  A process that recomputes the same
conversation tick after tick can keep a :class:`LiveOpinionMap` instead and feed it only
the votes cast since the last tick::

    live = LiveOpinionMap(votes, statement_ids, excluded_statement_ids=rejected)
    result = live.update(new_votes)  # == compute_opinion_map(votes + new_votes, ...,
                                     #        previous_state=live.state before the call)

It keeps the rating matrix, each statement's vote sums and counts and, on conversations
where the reference runs a Lanczos iteration, the m x m co-occurrence blocks of the votes
(:mod:`clustering._live_matrix`), all updated from the changed cells only.  The PCA is
then the top two eigenvectors of the m x m Gram matrix ``SᵀS`` formed from those blocks
(a Lanczos iteration of m x m products, started from the previous components and run to
machine precision, so the result does not depend on the start) and the projections one
sparse product (each cell adds ``(vote - centre) x component``); the rest of the tick (in-conv,
warm-started k-means, repness, ...) is the reference's own code.  The result equals the
reference's up to floating-point rounding: on the benchmark's 2M votes the components agree to
3e-16 and the positions to 4e-14, the groups exactly (tests:
``tests/clustering/test_clustering_live.py``).  The ``state`` is the reference's; the
object itself is an optimisation a caller may drop at any time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import scipy.linalg
from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, eigsh

from ._cluster import BASE_ITERS, BASE_K, GROUP_ITERS
from ._live_matrix import GRAM_MAX_COLS, LiveVoteMatrix
from ._matrix import VoteMatrix, build_vote_matrix
from ._reduce import N_COMPS, PCAResult, fit_pca, oriented, previous_matrix, project_participants, scale_projections
from ._tick import STATE_VERSION, _ids, computing, finish_tick, previous_components
from ._types import Array2D, IntArray, OpinionMap, State, VoteTable
from .decomposition import SMALL_MAX_CELLS, SMALL_MAX_COLS

#: Up to this many statements the Gram matrix's eigenvectors come from LAPACK directly.
EIGH_MAX_COLS = 200


def _final(votes: VoteTable) -> tuple[IntArray, IntArray, np.ndarray]:
    """The last vote per (participant, statement) of a batch (timestamps, then row order)."""
    pids, sids, vals = votes.participant_ids, votes.statement_ids, votes.values
    if votes.timestamps is not None:
        clock = np.where(np.isnan(votes.timestamps), -np.inf, votes.timestamps)
        order = np.argsort(clock, kind="stable")
        pids, sids, vals = pids[order], sids[order], vals[order]
    order = np.lexsort((np.arange(len(pids)), sids, pids))
    p, s = pids[order], sids[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = (p[1:] != p[:-1]) | (s[1:] != s[:-1])
    return p[last], s[last], vals[order][last]


def gram_pca(
    live: LiveVoteMatrix, matrix: VoteMatrix, previous_components: dict[int, tuple[float, float]] | None
) -> PCAResult:
    """Pol.is's PCA from the Gram matrix of the centred votes (see the module docstring)."""
    n, m = matrix.shape
    center = live.column_means(matrix.excluded)
    comps, eig = np.zeros((N_COMPS, m)), np.zeros(N_COMPS)
    g = live.gram(center, matrix.excluded)
    k = min(N_COMPS, n, m)
    if k and n >= 2 and g.any():
        vals, vecs = _top_eigenvectors(g, k, previous_matrix(matrix, previous_components))
        top = max(float(vals[0]), 1.0)
        for i in range(k):
            if vals[i] > 1e-10 * top:  # as top_components: rank-deficient components are 0
                comps[i], eig[i] = vecs[:, i], vals[i]
    return oriented(matrix, center, eig, comps, previous_components)


def _top_eigenvectors(g: Array2D, k: int, previous: Array2D | None) -> tuple[np.ndarray, Array2D]:
    """The ``k`` largest eigenvalues (descending) and eigenvectors of the PSD matrix ``g``."""
    m = len(g)
    if m > EIGH_MAX_COLS:
        # Lanczos from the previous components (plus a little of every direction, so
        # the start is never orthogonal to a top eigenvector), to machine precision.
        v0 = np.full(m, 1e-3 / np.sqrt(m))
        if previous is not None:
            v0 += previous[:, 0] + 0.5 * previous[:, 1]
        try:
            vals, vecs = eigsh(g, k=k, which="LA", v0=v0, tol=0.0)
            order = np.argsort(vals)[::-1]
            return vals[order], vecs[:, order]
        except (ArpackNoConvergence, ArpackError):
            pass
    vals, vecs = scipy.linalg.eigh(g, subset_by_index=[m - k, m - 1])
    return vals[::-1], vecs[:, ::-1]


class LiveOpinionMap:
    """An opinion map kept in memory and brought up to date from new votes.

    Parameters
    ----------
    votes : VoteTable
        The votes so far.
    statement_ids, excluded_statement_ids, previous_state, max_groups, random_state,
    meta_statement_ids, base_k, base_iters, group_iters
        As :func:`clustering.compute_opinion_map`; the first :attr:`result` is that
        function's result on ``votes``.
    gram : bool, optional
        Keep the co-occurrence blocks and take the PCA from the Gram matrix.  Default:
        where the reference runs Lanczos (more than 160 statements or 250,000 cells) and
        there are at most 2,000 statements; elsewhere the reference's own PCA runs on the
        kept matrix.

    Attributes
    ----------
    result : OpinionMap
        The latest tick.

    Notes
    -----
    The votes given to :meth:`update` must be later than every vote already applied (as
    the votes since the last tick are): a cell takes the batch's last vote for it.  Votes
    never disappear; when they do (a participant set aside, a statement deleted), start a
    new object from all votes and the stored state.
    """

    def __init__(
        self,
        votes: VoteTable,
        statement_ids: Iterable[int] | IntArray | None = None,
        excluded_statement_ids: Iterable[int] | IntArray = (),
        previous_state: Mapping[str, Any] | None = None,
        max_groups: int = 5,
        random_state: int | None = 0,
        *,
        meta_statement_ids: Iterable[int] | IntArray = (),
        base_k: int = BASE_K,
        base_iters: int = BASE_ITERS,
        group_iters: int = GROUP_ITERS,
        gram: bool | None = None,
    ) -> None:
        self.max_groups, self.random_state = max_groups, random_state
        self.base_k, self.base_iters, self.group_iters = base_k, base_iters, group_iters
        self.gram = gram
        self._statements(statement_ids, excluded_statement_ids, meta_statement_ids)
        with computing(len(votes)):
            self._live = LiveVoteMatrix(build_vote_matrix(votes, self._excluded))
            prev = dict(previous_state) if previous_state and previous_state.get("version") == STATE_VERSION else {}
            self.result = self._tick(prev, first=True)

    @property
    def state(self) -> State:
        """The latest tick's ``state`` (what :func:`~clustering.compute_opinion_map` takes back)."""
        return self.result.state

    def update(
        self,
        new_votes: VoteTable,
        statement_ids: Iterable[int] | IntArray | None = None,
        excluded_statement_ids: Iterable[int] | IntArray | None = None,
        meta_statement_ids: Iterable[int] | IntArray | None = None,
    ) -> OpinionMap:
        """Apply the votes cast since the last tick and compute the next tick.

        Parameters
        ----------
        new_votes : VoteTable
            Vote events later than every vote applied so far (any number, repeats allowed).
        statement_ids, excluded_statement_ids, meta_statement_ids : array-like of int, optional
            The statements now (new ones, moderation); None keeps the previous ones.

        Returns
        -------
        OpinionMap
            Equal to ``compute_opinion_map(all votes so far, ..., previous_state=<the
            previous tick's state>)`` up to floating-point rounding.
        """
        self._statements(
            self._all if statement_ids is None else statement_ids,
            self._rejected if excluded_statement_ids is None else excluded_statement_ids,
            self._meta if meta_statement_ids is None else meta_statement_ids,
        )
        # Every step of an update is small (O(changed cells), m x m, k-means on warm
        # starts): thread pools would cost more than they save.
        with computing(0):
            if len(new_votes):
                self._live.update(*_final(new_votes))
            self.result = self._tick(self.result.state, first=False)
        return self.result

    def _statements(self, statement_ids: Any, excluded: Any, meta: Any) -> None:
        self._all, self._rejected, self._meta = _ids(statement_ids), _ids(excluded), _ids(meta)
        self._excluded = np.union1d(self._rejected, self._meta)

    def _uses_gram(self, matrix: VoteMatrix) -> bool:
        if self.gram is not None:
            return self.gram
        n, m = matrix.shape
        return m <= GRAM_MAX_COLS and (m > SMALL_MAX_COLS or n * m > SMALL_MAX_CELLS)

    def _tick(self, prev: Mapping[str, Any], first: bool) -> OpinionMap:
        matrix = self._live.vote_matrix(self._excluded)
        all_statements = np.union1d(self._all, matrix.statement_ids)
        prev_comps = previous_components(prev)
        if self._uses_gram(matrix) and not first:
            pca = gram_pca(self._live, matrix, prev_comps)
            proj = self._project(matrix, pca)
        else:
            # The reference's PCA (the first tick is exactly compute_opinion_map's).
            pca, centred = fit_pca(matrix, prev_comps, self.random_state)
            proj = project_participants(matrix, pca, centred)
            if self._uses_gram(matrix):
                self._live.gram_blocks()  # built now, kept up to date from here on
        return finish_tick(
            matrix,
            pca,
            proj,
            all_statements,
            self._meta,
            prev,
            self.max_groups,
            self.random_state,
            self.base_k,
            self.base_iters,
            self.group_iters,
        )

    def _project(self, matrix: VoteMatrix, pca: PCAResult) -> Array2D:
        """Sparsity-aware projections: each cell adds ``(vote - c_j) P_j``, one sparse product
        of the (statement, vote) indicator with that 3m x 2 table (no centred matrix built)."""
        m = matrix.shape[1]
        comps = pca.components_.T  # zero on excluded statements, as is the centre
        excluded = matrix.excluded.any()
        table = np.zeros((m, 3, N_COMPS + int(excluded)))
        for v in (-1, 0, 1):
            table[:, v + 1, :N_COMPS] = (v - pca.center_)[:, None] * comps
        if excluded:
            table[:, :, N_COMPS] = matrix.excluded[:, None]
        out = np.asarray(self._live.coded() @ table.reshape(3 * m, -1))
        kept = matrix.user_vote_counts()
        if excluded:
            kept = kept - np.rint(out[:, N_COMPS]).astype(np.int64)
        return scale_projections(np.ascontiguousarray(out[:, :N_COMPS]), matrix, kept)
