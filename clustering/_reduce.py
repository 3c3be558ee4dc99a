"""PCA of the mean-imputed vote matrix and the sparsity-aware projections.

Pol.is imputes each missing cell with its column mean, centres the columns and runs
power iteration for 2 components (polis math/src/polismath/math/pca.clj:38-125).  After
centring, an imputed cell is exactly 0, so the centred matrix ``S`` is *sparse*: it has a
non-zero only where a vote was cast (``vote - column mean``).  Its top right singular
vectors are what converged power iteration returns; scikit-learn computes them exactly
(:func:`clustering.decomposition.top_components`: ``PCA(svd_solver="covariance_eigh")``
up to 160 statements, ``TruncatedSVD(algorithm="arpack", tol=0)`` above), so the result
does not depend on a random start vector or an iteration count.  Excluded (moderated-out/meta)
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
import scipy.sparse as sp

from ._matrix import VoteMatrix, column_means
from ._types import Array1D, Array2D
from .decomposition import orient, top_components

N_COMPS = 2


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
    if not matrix.excluded.any():
        data = matrix.values.astype(np.float64) - center[matrix.cols]
        return sp.csr_matrix((data, matrix.cols, matrix.indptr), shape=(n, m))
    keep = ~matrix.excluded[matrix.cols]
    rows, cols = matrix.rows[keep], matrix.cols[keep]
    data = matrix.values[keep].astype(np.float64) - center[cols]
    # Triples are already sorted by (row, col) and unique: build CSR directly.
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return sp.csr_matrix((data, cols, indptr), shape=(n, m))


def fit_pca(
    matrix: VoteMatrix,
    previous_components: dict[int, tuple[float, float]] | None = None,
    random_state: int | None = None,
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
    center = column_means(matrix)
    s = centred_sparse(matrix, center)
    eigvals, comps = top_components(s, N_COMPS, random_state=random_state)
    return oriented(matrix, center, eigvals, comps, previous_components), s


def previous_matrix(matrix: VoteMatrix, previous_components: dict[int, tuple[float, float]] | None) -> Array2D | None:
    """The previous components on this matrix's columns, shape (m, 2) (0 for new statements)."""
    if not previous_components:
        return None
    m = matrix.shape[1]
    return np.array([previous_components.get(int(t), (0.0, 0.0)) for t in matrix.statement_ids]).reshape(m, N_COMPS)


def oriented(
    matrix: VoteMatrix,
    center: Array1D,
    eigvals: Array1D,
    comps: Array2D,
    previous_components: dict[int, tuple[float, float]] | None,
) -> PCAResult:
    """The components with excluded statements zeroed and the sign convention applied."""
    comps[:, matrix.excluded] = 0.0
    prev = previous_matrix(matrix, previous_components)
    for i in range(N_COMPS):
        comps[i] = orient(comps[i], None if prev is None else prev[:, i])
    comps[comps == 0.0] = 0.0  # no negative zeros in the state
    return PCAResult(center_=center, components_=comps, eigenvalues_=eigvals)


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
    return scale_projections(proj, matrix, np.diff(centred.indptr))


def scale_projections(proj: Array2D, matrix: VoteMatrix, kept_votes: np.ndarray) -> Array2D:
    """Pol.is's sparsity-aware scaling of the projections, in place: ``x sqrt(m / n_votes)``,
    ``n_votes`` = votes on kept statements + every excluded statement."""
    m = matrix.shape[1]
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
