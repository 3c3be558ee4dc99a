"""PCA of the mean-imputed vote matrix and the sparsity-aware projections.

Pol.is imputes each missing cell with its column mean, centres the columns and runs
power iteration for 2 components (polis math/src/polismath/math/pca.clj:38-125).  After
centring, an imputed cell is exactly 0, so the centred matrix ``S`` is *sparse*: it has a
non-zero only where a vote was cast (``vote - column mean``).  Its top right singular
vectors are what converged power iteration returns; we compute them exactly as the top
eigenvectors of the ``m x m`` Gram matrix ``S^T S``: LAPACK ``eigh`` up to 160 statements,
Lanczos (ARPACK, ``tol=0``, fixed start) on sparse products above, so the result does not
depend on a random start vector or an iteration count.  Excluded (moderated-out/meta)
columns are all zero in pol.is's rating matrix, so they add nothing to ``S`` and get 0 in
every component.

Sign convention
---------------
Power iteration leaves the sign of each component arbitrary (pol.is: random start on a
cold start, then the previous components as start).  We fix it deterministically:

* with a previous state, each component is oriented to have a non-negative dot product
  with the previous run's component on the statements both runs share (so the map does
  not mirror between updates);
* otherwise (or when that dot product is ~0) the entries of the component sum to a
  positive number; if that sum is ~0, its largest-magnitude entry is positive.

Votes are encoded as in pol.is exports (agree = +1), so ``center`` is the negative of the
math blob's ``pca.center`` and every projection is mirrored relative to a pol.is run with
the same component signs -- i.e. identical up to the (arbitrary) sign.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

from ._matrix import VoteMatrix, column_means
from ._types import Array1D, Array2D

N_COMPS = 2
#: Above this many statements the Gram matrix is never formed (Lanczos only).
DENSE_GRAM_MAX_COLS = 2500
#: OpenBLAS runs a GEMM of m*n*k <= 65536 * 4 on one thread (interface/gemm.c).
SINGLE_THREAD_GEMM_FLOPS = 262_144
#: Up to this many statements: dense Gram matrix (summed from single-thread GEMMs) and
#: LAPACK ``eigh``.  Above: Lanczos on sparse products (faster from ~150 statements on,
#: e.g. 2M votes x 780 statements: 0.16 s instead of 2.7 s, eigenvectors equal to 1e-15),
#: falling back to the dense Gram matrix if ARPACK does not converge.
SMALL_GRAM_MAX_COLS = 160
#: Rows densified at a time while accumulating the Gram matrix (bounds memory).
CHUNK_ROWS = 4096


@dataclass(frozen=True)
class PCAResult:
    """Fitted PCA of the rating matrix.

    Attributes
    ----------
    center_ : ndarray, shape (m,)
        Column means (agree = +1); 0 for excluded columns.
    components_ : ndarray, shape (2, m)
        Unit principal axes (rows may be all-zero when the matrix has rank < 2).
    eigenvalues_ : ndarray, shape (2,)
        Squared singular values of the centred matrix.
    """

    center_: Array1D
    components_: Array2D
    eigenvalues_: Array1D


def centred_sparse(matrix: VoteMatrix, center: Array1D) -> sp.csr_matrix:
    """The centred, mean-imputed rating matrix, which is zero wherever no vote was cast."""
    n, m = matrix.shape
    keep = ~matrix.excluded[matrix.cols]
    rows, cols = matrix.rows[keep], matrix.cols[keep]
    data = matrix.values[keep].astype(np.float64) - center[cols]
    # Triples are already sorted by (row, col) and unique: build CSR directly.
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return sp.csr_matrix((data, cols, indptr), shape=(n, m))


def _gram(s: sp.csr_matrix) -> Array2D:
    """``S^T S`` accumulated over row chunks with BLAS ``syrk`` (upper triangle filled)."""
    n, m = s.shape
    if m <= SMALL_GRAM_MAX_COLS and n * m <= 250_000:
        # Products small enough for OpenBLAS to run them on one thread: waking its
        # thread pool costs milliseconds on a loaded machine, far more than the work.
        dense = s.toarray()
        step = max(1, SINGLE_THREAD_GEMM_FLOPS // (m * m))
        gram = np.zeros((m, m))
        for start in range(0, n, step):
            block = dense[start : start + step]
            gram += block.T @ block
        return gram
    if n * m <= 250_000:
        dense = s.toarray()
        return dense.T @ dense
    gram = np.zeros((m, m), order="F")
    for start in range(0, n, CHUNK_ROWS):
        dense = s[start : start + CHUNK_ROWS].toarray()
        # dense.T is Fortran-ordered: BLAS reads it without a copy.
        gram = sla.blas.dsyrk(1.0, dense.T, c=gram, trans=0, beta=1.0, overwrite_c=1)
    return gram


def _lanczos(s: sp.csr_matrix, n_comps: int) -> tuple[Array1D, Array2D]:
    """Top eigenpairs of ``S^T S`` by Lanczos (ARPACK) on sparse products, to machine
    precision (``tol=0``) from a fixed start vector, without forming the Gram matrix."""
    m = s.shape[1]
    st = s.T.tocsr()
    op = LinearOperator((m, m), matvec=lambda x: st @ (s @ x), dtype=np.float64)
    v0 = np.ones(m) / np.sqrt(m)
    w, v = eigsh(op, k=n_comps, v0=v0, tol=0.0, which="LA")
    order = np.argsort(-w)
    return w[order], v[:, order]


def _orient(comp: Array1D, previous: Array1D | None) -> Array1D:
    """Apply the documented sign convention to one component."""
    scale = float(np.abs(comp).sum())
    if scale == 0.0:
        return comp
    if previous is not None:
        dot = float(comp @ previous)
        if abs(dot) > 1e-9:
            return comp if dot > 0 else -comp
    total = float(comp.sum())
    if abs(total) > 1e-9 * scale:
        return comp if total > 0 else -comp
    return comp if comp[int(np.argmax(np.abs(comp)))] > 0 else -comp


def fit_pca(
    matrix: VoteMatrix,
    previous_components: dict[int, tuple[float, float]] | None = None,
) -> tuple[PCAResult, sp.csr_matrix]:
    """Exact 2-component PCA of pol.is's imputed rating matrix.

    Parameters
    ----------
    matrix : VoteMatrix
    previous_components : dict, optional
        Statement id -> (pc1, pc2) of the previous run, used only for orientation.

    Returns
    -------
    pca : PCAResult
    centred : scipy.sparse.csr_matrix, shape (n, m)
        The centred matrix, reused for the projections.
    """
    n, m = matrix.shape
    center = column_means(matrix)
    s = centred_sparse(matrix, center)
    comps = np.zeros((N_COMPS, m))
    eigvals = np.zeros(N_COMPS)
    n_comps = min(N_COMPS, n, m)
    if n_comps > 0 and s.nnz > 0:
        w = v = None
        if m > SMALL_GRAM_MAX_COLS:
            try:
                w, v = _lanczos(s, n_comps)
            except ArpackNoConvergence:
                if m > DENSE_GRAM_MAX_COLS:
                    raise
        if w is None or v is None:
            w, v = sla.eigh(_gram(s), lower=False, subset_by_index=[m - n_comps, m - 1])
            w, v = w[::-1], v[:, ::-1]
        scale = max(float(w[0]), 1.0)
        for i in range(n_comps):
            if w[i] > 1e-10 * scale:
                eigvals[i] = w[i]
                comps[i] = v[:, i]
        comps[:, matrix.excluded] = 0.0
    if previous_components:
        prev = np.array([previous_components.get(int(t), (0.0, 0.0)) for t in matrix.statement_ids]).reshape(m, N_COMPS)
    else:
        prev = None
    for i in range(N_COMPS):
        comps[i] = _orient(comps[i], None if prev is None else prev[:, i])
    comps[comps == 0.0] = 0.0  # no negative zeros in the state
    return PCAResult(center_=center, components_=comps, eigenvalues_=eigvals), s


def project_participants(matrix: VoteMatrix, pca: PCAResult, centred: sp.csr_matrix) -> Array2D:
    """Sparsity-aware participant projections.

    ``p_i = sum_j (x_ij - center_j) pc_j * sqrt(m / max(n_votes_i, 1))`` where ``n_votes_i``
    counts the participant's votes on kept statements plus every excluded column (pol.is
    zeroes those for everyone, and a zero counts as a vote).

    Ref: polis pca.clj:134-158 (sparsity-aware-project-ptpt).
    """
    n, m = matrix.shape
    if n == 0:
        return np.zeros((0, N_COMPS))
    proj = np.asarray(centred @ pca.components_.T)
    kept_votes = np.bincount(matrix.rows[~matrix.excluded[matrix.cols]], minlength=n)
    n_votes = kept_votes + int(matrix.excluded.sum())
    proj *= np.sqrt(m / np.maximum(n_votes, 1))[:, None]
    return proj


def project_statements(matrix: VoteMatrix, pca: PCAResult) -> tuple[Array2D, Array1D]:
    """Statement projections and extremity.

    Each statement is placed where a participant who agreed with it alone would be:
    ``(1 - center_j) * pc_j * sqrt(m)`` (pol.is uses agree = -1; same point up to sign).

    Ref: polis pca.clj:167-179 (pca-project-cmnts), conversation.clj:341-352.

    Returns
    -------
    projections : ndarray, shape (m, 2)
    extremity : ndarray, shape (m,)
    """
    m = matrix.shape[1]
    proj = ((1.0 - pca.center_)[:, None] * pca.components_.T) * np.sqrt(m)
    proj[matrix.excluded] = 0.0
    return proj, np.sqrt((proj**2).sum(axis=1))
