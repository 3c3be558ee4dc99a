"""Vote events -> the pol.is rating matrix, kept sparse.

Pol.is stores a dense ``NamedMatrix`` of ``nil | -1 | 0 | 1``.  Everything the math needs
from it can be computed from the final votes alone (the cells that are not ``nil``), so
this module keeps them as CSR-ordered triples: memory and time grow with the number of
votes, not with participants x statements.

Ref: compdemocracy/polis math/src/polismath/math/named_matrix.clj (update-nmat,
zero-out-columns) and math/src/polismath/math/conversation.clj:164-269.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from ._types import Array1D, IntArray, VoteTable

#: pol.is ``in-conv``: a participant joins once they voted on min(7, n-cmts) statements.
MIN_VOTES = 7
#: pol.is ``greedy-n``: top up the in-conv set with the most active participants.
GREEDY_N = 15


@dataclass(frozen=True)
class VoteMatrix:
    """Final votes of a conversation as a sparse participant x statement matrix.

    Attributes
    ----------
    participant_ids : ndarray of int64, shape (n,)
        Row labels, sorted.
    statement_ids : ndarray of int64, shape (m,)
        Column labels (statements with at least one vote), sorted.
    indptr : ndarray of int, shape (n + 1,)
        CSR row pointers: row ``i``'s cells are ``indptr[i]:indptr[i + 1]``.
    cols : ndarray of int, shape (nnz,)
        Column of each cell; cells are sorted by (row, col).
    values : ndarray of int8, shape (nnz,)
        Final vote, +1 agree, -1 disagree, 0 pass (raw: excluded columns not zeroed).
    excluded : ndarray of bool, shape (m,)
        Moderated-out or meta columns (zeroed for every row in the rating matrix).
    """

    participant_ids: IntArray
    statement_ids: IntArray
    indptr: IntArray
    cols: IntArray
    values: NDArray[np.int8]
    excluded: NDArray[np.bool_]

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.participant_ids), len(self.statement_ids)

    @cached_property
    def rows(self) -> IntArray:
        """Row of each cell, shape (nnz,)."""
        return np.repeat(np.arange(self.shape[0], dtype=np.int64), np.diff(self.indptr))

    def user_vote_counts(self) -> IntArray:
        """Votes per participant in the *raw* matrix (passes and excluded included)."""
        return np.diff(self.indptr).astype(np.int64)

    def matrix_order(self) -> IntArray:
        """Row order of pol.is's matrix after a reload: by (lowest statement voted, id).

        Pol.is appends a row when it first sees a participant, and it reloads votes
        ordered by (tid, pid); the k-means cold start takes the first distinct rows in
        this order.
        """
        n = self.shape[0]
        first_col = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        voted = self.indptr[1:] > self.indptr[:-1]
        first_col[voted] = self.cols[self.indptr[:-1][voted]]  # cells are sorted by column
        return np.lexsort((np.arange(n), first_col)).astype(np.int64)


#: Up to this many participant x statement cells, each cell's last vote is found by
#: scattering event indices into a dense index (no sort; 2M votes x 25.7M cells: ~0.1 s
#: instead of ~0.35 s for the sort).  Above, the events are sorted.
DENSE_MAX_CELLS = 64_000_000


def _dense_ids(ids: IntArray) -> tuple[IntArray, IntArray]:
    """Sorted distinct ids and each entry's index among them (``np.unique`` with
    ``return_inverse``), by a presence table when the ids span a small range."""
    lo, hi = int(ids.min()), int(ids.max())
    span = hi - lo + 1
    if span > max(4 * len(ids), 1 << 20):
        uniq, inverse = np.unique(ids, return_inverse=True)
        return uniq.astype(np.int64), inverse.reshape(-1).astype(np.int64)
    present = np.zeros(span, dtype=bool)
    present[ids - lo] = True
    rank = np.cumsum(present, dtype=np.int64) - 1
    return np.flatnonzero(present).astype(np.int64) + lo, rank[ids - lo]


def _last_per_cell(key: IntArray, size: int) -> tuple[IntArray, IntArray]:
    """Index of the last event of each cell that has one, cells in ascending order."""
    idx = np.arange(len(key), dtype=np.int64)
    last = np.full(size, -1, dtype=np.int64 if len(key) >= 2**31 else np.int32)
    last[key] = idx
    # NumPy does not promise which of repeated indices an assignment keeps; verify
    # that every cell holds its latest event, else take the maximum explicitly.
    if not (last[key] >= idx).all():
        np.maximum.at(last, key, idx)
    cells = np.flatnonzero(last >= 0)
    return cells, last[cells].astype(np.int64)


def final_votes(votes: VoteTable) -> tuple[IntArray, IntArray, NDArray[np.int8]]:
    """Reduce vote events to the last vote per (participant, statement).

    Returns
    -------
    pids, sids, values : ndarrays of shape (n_final,)
        Sorted by (participant, statement).
    """
    m = build_vote_matrix(votes, np.zeros(0, dtype=np.int64))
    return m.participant_ids[m.rows], m.statement_ids[m.cols], m.values


def build_vote_matrix(votes: VoteTable, excluded_statement_ids: IntArray) -> VoteMatrix:
    """Build the sparse rating matrix: the latest vote per (participant, statement)
    wins; on equal or absent timestamps the later row.

    Parameters
    ----------
    votes : VoteTable
    excluded_statement_ids : ndarray of int64
        Moderated-out and meta statements.

    Returns
    -------
    VoteMatrix
    """
    if len(votes) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return VoteMatrix(empty, empty, np.zeros(1, np.int64), empty, np.zeros(0, np.int8), np.zeros(0, bool))
    pids, sids, vals, ts = votes.participant_ids, votes.statement_ids, votes.values, votes.timestamps
    if ts is not None:
        clock = np.where(np.isnan(ts), -np.inf, ts)
        if not (clock[1:] >= clock[:-1]).all():
            order = np.argsort(clock, kind="stable")  # ties keep row order: the later row wins
            pids, sids, vals = pids[order], sids[order], vals[order]
    participant_ids, rows = _dense_ids(pids)
    statement_ids, cols = _dense_ids(sids)
    n, m = len(participant_ids), len(statement_ids)
    if n * m <= DENSE_MAX_CELLS:
        cells, last = _last_per_cell(rows * m + cols, n * m)
        rows, cols = cells // m, cells % m
    else:
        order = np.lexsort((np.arange(len(rows)), cols, rows))
        r, c = rows[order], cols[order]
        end = np.ones(len(order), dtype=bool)
        end[:-1] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
        last = order[end]
        rows, cols = r[end], c[end]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return VoteMatrix(
        participant_ids=participant_ids,
        statement_ids=statement_ids,
        indptr=indptr,
        cols=cols.astype(np.int64),
        values=vals[last].astype(np.int8),
        excluded=np.isin(statement_ids, excluded_statement_ids),
    )


class PrefixMatrices:
    """The vote matrix of each prefix of a chronological vote table, without a sort per prefix.

    ``matrices.matrix(end)`` equals ``build_vote_matrix(VoteTable(pids[:end], sids[:end],
    vals[:end]), excluded)`` array for array.  The history replay builds hundreds of these
    prefixes; each ``build_vote_matrix`` indexes its cells through a dense participants x
    statements table, which on a million votes is most of a tick.  Here the events are sorted
    once by (participant, statement, time): an event is its cell's vote in a prefix when it is
    in the prefix and the cell's next event is not, so a prefix costs a few passes over the
    events, and its cells come out in the matrix's (row, column) order.

    Parameters
    ----------
    pids, sids, vals : ndarrays of shape (n_events,)
        Vote events in chronological order (the later row wins).
    excluded : ndarray of int64
        Moderated-out and meta statement ids.
    """

    #: Below this share of all events a prefix is built directly (cheaper than a full pass).
    DIRECT_SHARE = 0.125

    def __init__(self, pids: IntArray, sids: IntArray, vals: NDArray[np.int8], excluded: IntArray) -> None:
        self._pids, self._sids, self._vals = pids, sids, vals
        self._excluded_ids = excluded
        n_events = len(pids)
        if n_events == 0:
            return
        self.participant_ids, self._rows = _dense_ids(pids)
        self.statement_ids, self._cols = _dense_ids(sids)
        events = np.arange(n_events, dtype=np.int64)
        self._by_cell = np.lexsort((events, self._cols, self._rows))
        r, c = self._rows[self._by_cell], self._cols[self._by_cell]
        same_cell_next = np.zeros(n_events, dtype=bool)
        same_cell_next[:-1] = (r[1:] == r[:-1]) & (c[1:] == c[:-1])
        #: for each event in cell order, the cell's next event (n_events when none)
        self._next = np.full(n_events, n_events, dtype=np.int64)
        self._next[:-1][same_cell_next[:-1]] = self._by_cell[1:][same_cell_next[:-1]]
        self._first_row = np.full(len(self.participant_ids), n_events, dtype=np.int64)
        np.minimum.at(self._first_row, self._rows, events)
        self._first_col = np.full(len(self.statement_ids), n_events, dtype=np.int64)
        np.minimum.at(self._first_col, self._cols, events)
        self._excluded = np.isin(self.statement_ids, excluded)

    def matrix(self, end: int) -> VoteMatrix:
        """The vote matrix of the first ``end`` events."""
        n_events = len(self._pids)
        if end < self.DIRECT_SHARE * n_events or n_events == 0:
            prefix = VoteTable(self._pids[:end], self._sids[:end], self._vals[:end])
            return build_vote_matrix(prefix, self._excluded_ids)
        last = self._by_cell[(self._by_cell < end) & (self._next >= end)]
        seen_rows, seen_cols = self._first_row < end, self._first_col < end
        row_rank = np.cumsum(seen_rows, dtype=np.int64) - 1
        col_rank = np.cumsum(seen_cols, dtype=np.int64) - 1
        rows, cols = row_rank[self._rows[last]], col_rank[self._cols[last]]
        n = int(row_rank[-1]) + 1
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        return VoteMatrix(
            participant_ids=self.participant_ids[seen_rows],
            statement_ids=self.statement_ids[seen_cols],
            indptr=indptr,
            cols=cols,
            values=self._vals[last].astype(np.int8),
            excluded=self._excluded[seen_cols],
        )


def votes_needed(n_statements: int) -> int:
    """Votes that place a participant on the map: ``min(7, n_statements)`` (pol.is ``in-conv``)."""
    return min(MIN_VOTES, n_statements)


def in_conversation(matrix: VoteMatrix, previous_in_conv: IntArray | None = None) -> NDArray[np.bool_]:
    """Participants placed on the map (pol.is ``in-conv``), as a row mask.

    A participant is in once they voted on ``min(7, n_statements)`` statements (raw
    matrix, so passes and votes on excluded statements count); while fewer than 15 are
    in, the most active others are added (ties: lower id first).  The set never shrinks:
    everyone in ``previous_in_conv`` stays in.

    Ref: polis math/src/polismath/math/conversation.clj:240-269.
    """
    n, m = matrix.shape
    counts = matrix.user_vote_counts()
    mask = counts >= votes_needed(m)
    if previous_in_conv is not None and len(previous_in_conv):
        # both sorted: a binary search instead of np.isin's sort of both
        prev = np.unique(previous_in_conv) if (np.diff(previous_in_conv) <= 0).any() else previous_in_conv
        at = np.minimum(np.searchsorted(prev, matrix.participant_ids), len(prev) - 1)
        mask |= prev[at] == matrix.participant_ids
    missing = GREEDY_N - int(mask.sum())
    if missing > 0:
        rest = np.flatnonzero(~mask)
        # Pol.is sorts by count descending; its tie order is hash order, ours is id order.
        rest = rest[np.lexsort((rest, -counts[rest]))][:missing]
        mask[rest] = True
    return mask


def column_means(matrix: VoteMatrix) -> Array1D:
    """Mean of the non-missing cells per column of the rating matrix (excluded -> 0).

    Ref: polis conversation.clj:355-377 (mean imputation of ``mat``).
    """
    m = matrix.shape[1]
    sums = np.bincount(matrix.cols, weights=matrix.values.astype(np.float64), minlength=m)
    counts = np.bincount(matrix.cols, minlength=m)
    means = np.divide(sums, counts, out=np.zeros(m), where=counts > 0)
    means[matrix.excluded] = 0.0
    return means
