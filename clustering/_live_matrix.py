"""The rating matrix of a live conversation, kept between ticks and updated from new votes.

A live tick adds a few hundred votes to a conversation of up to millions.  Rebuilding
the matrix from every vote and running a cold Lanczos both cost O(votes) per tick.
:class:`LiveVoteMatrix` keeps instead:

* the final votes in CSR order (``indptr``, ``indices``, ``values``): a new vote
  overwrites its cell (last vote wins) or is inserted in its row;
* each statement's vote sum and count, so the column means (pol.is's centre) come
  from the changed cells only;
* the co-occurrence blocks ``A = XᵀX``, ``B = XᵀM`` and ``C = MᵀM`` of the raw votes
  ``X`` and their pattern ``M`` (m x m, exact integers in float64), updated from the
  changed cells: a row ``x`` that becomes ``x + d`` adds ``x dᵀ + d xᵀ + d dᵀ`` to
  ``A``, which costs the length of the row, not its square.

The centred matrix is ``S = X - M diag(c)`` on the kept columns (``c``: column means),
so ``SᵀS = A - B diag(c) - diag(c) Bᵀ + diag(c) C diag(c)`` with the excluded rows and
columns zeroed: pol.is's PCA is the top eigenvectors of this m x m matrix, formed in
O(m²) per tick (:func:`gram_pca`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from ._matrix import VoteMatrix
from ._types import Array1D, Array2D, IntArray

#: Above this many statements the m x m blocks are not kept (3 x 8 m² bytes).
GRAM_MAX_COLS = 2_000
#: Rows per dense block when the co-occurrence blocks are first built (float32 BLAS:
#: exact, every partial sum is an integer below 2**24).
_BLOCK_ROWS = 4096


def _index_dtype(*sizes: int) -> type[np.signedinteger]:
    """scipy's index type for these sizes (int32 when it fits: no conversion per product)."""
    return np.int32 if max(sizes, default=0) < 2**31 - 1 else np.int64


class LiveVoteMatrix:
    """Final votes of a conversation, updated in place from new votes.

    Parameters
    ----------
    matrix : VoteMatrix
        The votes so far (``build_vote_matrix``).

    Attributes
    ----------
    participant_ids, statement_ids : ndarray of int64
        Row and column labels, sorted (they only grow).
    indptr, indices : ndarrays of int
        CSR structure of the final votes (columns sorted within each row).
    values : ndarray of int8
        Final vote per cell.
    col_sums, col_counts : ndarrays, shape (m,)
        Sum and number of the votes per statement.
    blocks : tuple of three ndarrays (m, m), or None
        ``XᵀX``, ``XᵀM``, ``MᵀM`` once :meth:`gram_blocks` built them.
    """

    def __init__(self, matrix: VoteMatrix) -> None:
        n, m = matrix.shape
        idx = _index_dtype(len(matrix.cols) + n, n, m)
        self.participant_ids = matrix.participant_ids.copy()
        self.statement_ids = matrix.statement_ids.copy()
        self.indptr = matrix.indptr.astype(idx)
        self.indices = matrix.cols.astype(idx)
        self.values = matrix.values.copy()
        # Each cell's (statement, vote) as one column of an n x 3m indicator matrix.
        self.codes = self.indices * idx(3) + self.values + idx(1)
        self.col_sums = np.bincount(matrix.cols, weights=matrix.values.astype(np.float64), minlength=m)
        self.col_counts = np.bincount(matrix.cols, minlength=m).astype(np.int64)
        self.blocks: tuple[Array2D, Array2D, Array2D] | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.participant_ids), len(self.statement_ids)

    def vote_matrix(self, excluded_statement_ids: IntArray) -> VoteMatrix:
        """The current votes as a :class:`VoteMatrix` (arrays shared, not copied)."""
        return VoteMatrix(
            participant_ids=self.participant_ids,
            statement_ids=self.statement_ids,
            indptr=self.indptr,
            cols=self.indices,
            values=self.values,
            excluded=np.isin(self.statement_ids, excluded_statement_ids),
        )

    def coded(self) -> sp.csr_matrix:
        """The n x 3m indicator of (statement, vote) per cell: column ``3 j + vote + 1``."""
        n, m = self.shape
        return sp.csr_matrix((np.ones(len(self.codes)), self.codes, self.indptr), shape=(n, 3 * m), copy=False)

    def column_means(self, excluded: NDArray[np.bool_]) -> Array1D:
        """Mean vote per statement (0 for excluded ones), as :func:`~clustering._matrix.column_means`."""
        m = self.shape[1]
        means = np.divide(self.col_sums, self.col_counts, out=np.zeros(m), where=self.col_counts > 0)
        means[excluded] = 0.0
        return means

    # --- the co-occurrence blocks ------------------------------------------------------

    def gram_blocks(self) -> tuple[Array2D, Array2D, Array2D]:
        """``XᵀX``, ``XᵀM``, ``MᵀM``, built on first use and kept up to date after that."""
        if self.blocks is None:
            n, m = self.shape
            a, b, c = np.zeros((m, m)), np.zeros((m, m)), np.zeros((m, m))
            for start in range(0, n, _BLOCK_ROWS):
                stop = min(n, start + _BLOCK_ROWS)
                lo, hi = int(self.indptr[start]), int(self.indptr[stop])
                r = np.repeat(np.arange(stop - start), np.diff(self.indptr[start : stop + 1]))
                x = np.zeros((stop - start, m), np.float32)
                mask = np.zeros((stop - start, m), np.float32)
                x[r, self.indices[lo:hi]] = self.values[lo:hi]
                mask[r, self.indices[lo:hi]] = 1.0
                a += x.T @ x
                b += x.T @ mask
                c += mask.T @ mask
            self.blocks = (a, b, c)
        return self.blocks

    def gram(self, center: Array1D, excluded: NDArray[np.bool_]) -> Array2D:
        """``SᵀS`` of the centred matrix (excluded rows and columns 0)."""
        a, b, c = self.gram_blocks()
        bc = b * center[None, :]
        g = a - bc
        g -= bc.T
        g += c * np.multiply.outer(center, center)
        g[excluded, :] = 0.0
        g[:, excluded] = 0.0
        return g

    # --- updates -----------------------------------------------------------------------

    def update(self, pids: IntArray, sids: IntArray, values: NDArray[np.int8]) -> None:
        """Apply final votes (one per cell, any order): overwrite or insert each cell."""
        if len(pids) == 0:
            return
        self._grow(_distinct(pids), _distinct(sids))
        n, m = self.shape
        rows = np.searchsorted(self.participant_ids, pids)
        cols = np.searchsorted(self.statement_ids, sids)
        order = np.lexsort((cols, rows))
        rows, cols, values = rows[order], cols[order], values[order].astype(np.int8)
        # The old cells of the rows touched, and where each new vote falls among them.
        first = np.ones(len(rows), dtype=bool)
        first[1:] = rows[1:] != rows[:-1]
        touched, local = rows[first], np.cumsum(first) - 1  # rows are sorted
        starts = self.indptr[touched].astype(np.int64)
        lens = self.indptr[touched + 1].astype(np.int64) - starts
        offs = np.zeros(len(touched) + 1, np.int64)
        np.cumsum(lens, out=offs[1:])
        seg = np.repeat(starts - offs[:-1], lens) + np.arange(offs[-1])
        seg_cols = self.indices[seg].astype(np.int64)
        seg_keys = np.repeat(np.arange(len(touched)), lens) * m + seg_cols
        keys = local * m + cols
        at = np.searchsorted(seg_keys, keys)
        hit = at < len(seg_keys)
        hit[hit] = seg_keys[at[hit]] == keys[hit]
        old = np.zeros(len(keys), np.int8)
        old[hit] = self.values[seg[at[hit]]]
        delta = values.astype(np.float64) - old
        if self.blocks is not None:
            self._update_blocks(touched, offs, seg, seg_cols, local, cols, delta, ~hit)
        self.col_sums += np.bincount(cols, weights=delta, minlength=m)
        self.col_counts += np.bincount(cols[~hit], minlength=m)
        self.values[seg[at[hit]]] = values[hit]
        self.codes[seg[at[hit]]] = (cols[hit] * 3 + values[hit] + 1).astype(self.codes.dtype)
        new = ~hit
        if new.any():
            where = starts[local[new]] + at[new] - offs[local[new]]
            self.indices = np.insert(self.indices, where, cols[new].astype(self.indices.dtype))
            self.values = np.insert(self.values, where, values[new])
            self.codes = np.insert(self.codes, where, (cols[new] * 3 + values[new] + 1).astype(self.codes.dtype))
            added = np.bincount(rows[new], minlength=n)
            self.indptr[1:] += np.cumsum(added).astype(self.indptr.dtype)

    def _update_blocks(
        self,
        touched: IntArray,
        offs: IntArray,
        seg: IntArray,
        seg_cols: IntArray,
        local: IntArray,
        cols: IntArray,
        delta: Array1D,
        new: NDArray[np.bool_],
    ) -> None:
        a, b, c = self.blocks  # type: ignore[misc]
        shape = (len(touched), self.shape[1])
        x_old = sp.csr_matrix((self.values[seg].astype(np.float64), seg_cols, offs), shape=shape)
        m_old = sp.csr_matrix((np.ones(len(seg)), seg_cols, offs), shape=shape)
        changed = delta != 0
        d = sp.csr_matrix((delta[changed], (local[changed], cols[changed])), shape=shape)
        e = sp.csr_matrix((np.ones(int(new.sum())), (local[new], cols[new])), shape=shape)
        dt, et = d.T.tocsr(), e.T.tocsr()
        # A += Xᵀd + dᵀX + dᵀd;  B += Xᵀe + dᵀM + dᵀe;  C += Mᵀe + eᵀM + eᵀe
        dx, em = dt @ x_old, et @ m_old
        _add(a, dx, both=True)
        _add(a, dt @ d)
        _add(b, et @ x_old, transpose=True)
        _add(b, dt @ m_old)
        _add(b, dt @ e)
        _add(c, em, both=True)
        _add(c, et @ e)

    def _grow(self, pids: IntArray, sids: IntArray) -> None:
        """Add rows and columns for participants and statements not seen yet."""
        new_p = pids[~_contains(self.participant_ids, pids)]
        if len(new_p):
            if not len(self.participant_ids) or new_p[0] > self.participant_ids[-1]:
                # Newcomers with larger ids (the usual case): empty rows at the end.
                ids = np.concatenate([self.participant_ids, new_p])
                tail = np.full(len(new_p), self.indptr[-1], self.indptr.dtype)
                indptr = np.concatenate([self.indptr, tail])
            else:
                ids = np.sort(np.concatenate([self.participant_ids, new_p]))  # disjoint, distinct
                counts = np.zeros(len(ids), np.int64)
                counts[np.searchsorted(ids, self.participant_ids)] = np.diff(self.indptr)
                indptr = np.zeros(len(ids) + 1, self.indptr.dtype)
                np.cumsum(counts, out=indptr[1:])
            self.participant_ids, self.indptr = ids, indptr
        new_s = sids[~_contains(self.statement_ids, sids)]
        if len(new_s):
            ids = np.sort(np.concatenate([self.statement_ids, new_s]))
            where = np.searchsorted(ids, self.statement_ids)
            if len(where) and where[-1] != len(where) - 1:  # not all appended: renumber
                self.indices = where.astype(self.indices.dtype)[self.indices]
                self.codes = self.indices * self.codes.dtype.type(3) + self.values + self.codes.dtype.type(1)
            sums, counts = np.zeros(len(ids)), np.zeros(len(ids), np.int64)
            sums[where], counts[where] = self.col_sums, self.col_counts
            self.statement_ids, self.col_sums, self.col_counts = ids, sums, counts
            if self.blocks is not None:
                grown = []
                for block in self.blocks:
                    g = np.zeros((len(ids), len(ids)))
                    g[np.ix_(where, where)] = block
                    grown.append(g)
                self.blocks = (grown[0], grown[1], grown[2])


def _contains(sorted_ids: IntArray, ids: IntArray) -> NDArray[np.bool_]:
    at = np.searchsorted(sorted_ids, ids)
    found = at < len(sorted_ids)
    found[found] = sorted_ids[at[found]] == ids[found]
    return found


def _distinct(ids: IntArray) -> IntArray:
    """Sorted distinct ids (``np.unique`` of a few thousand, by a sort)."""
    srt = np.sort(ids)
    keep = np.ones(len(srt), dtype=bool)
    keep[1:] = srt[1:] != srt[:-1]
    return srt[keep]


def _add(target: Array2D, product: sp.spmatrix, transpose: bool = False, both: bool = False) -> None:
    """``target += product`` (or its transpose, or both) for the result of a sparse product
    (which holds each entry once, so fancy-index addition is exact)."""
    coo = product.tocoo()
    if not transpose or both:
        target[coo.row, coo.col] += coo.data
    if transpose or both:
        target[coo.col, coo.row] += coo.data
