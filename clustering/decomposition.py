"""``PolisPCA``: pol.is's PCA of a vote matrix as a scikit-learn transformer.

Pol.is imputes every missing vote with its column's mean, centres the columns and keeps
two components (polis math/src/polismath/math/pca.clj).  After centring, an imputed
cell is exactly 0, so the centred matrix ``S`` has a non-zero only where somebody voted
(``vote - column mean``) and its column sums are 0: scikit-learn's ``TruncatedSVD`` of
the sparse ``S`` *is* that PCA, with no dense matrix.  ``PCA`` on ``S`` would centre
again (a no-op, the columns already sum to 0); pol.is's centring over the votes only is
what scikit-learn cannot express, so it is done here before the call.

Solvers (``svd_solver="auto"``): a small ``S`` (at most 160 statements and 250,000
cells) goes through ``PCA(svd_solver="covariance_eigh")`` on the densified ``S``
(LAPACK on the m x m Gram matrix); above that, ``TruncatedSVD(algorithm="arpack",
tol=0)`` (Lanczos on sparse products, to machine precision).  Both equal converged
power iteration, the vectors pol.is returns (1e-15 on its fixtures).

Participants are projected "sparsity-aware" (pca.clj:134-158): the projection of their
votes, scaled by ``sqrt(n_statements / n_votes)``.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import ArpackNoConvergence
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.decomposition import TruncatedSVD
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import svd_flip
from sklearn.utils.validation import check_is_fitted, validate_data

from ._types import Array1D, Array2D

#: Up to this many statements (and ``SMALL_MAX_CELLS`` cells) LAPACK on the Gram matrix.
SMALL_MAX_COLS = 160
SMALL_MAX_CELLS = 250_000


def orient(comp: Array1D, previous: Array1D | None = None) -> Array1D:
    """Sign convention of a component (see clustering/README.md, "Sign convention")."""
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


def top_components(
    s: sp.csr_matrix, n_components: int, solver: str = "auto", random_state: int | None = None
) -> tuple[Array1D, Array2D]:
    """Top right singular vectors of the centred sparse matrix ``s`` (rows: components)
    and the squared singular values, by scikit-learn.  Rank-deficient components are 0."""
    n, m = s.shape
    k = min(n_components, n, m)
    comps = np.zeros((n_components, m))
    eig = np.zeros(n_components)
    if k == 0 or n < 2 or not np.any(s.data):
        return eig, comps
    small = m <= SMALL_MAX_COLS and n * m <= SMALL_MAX_CELLS
    use_arpack = solver == "arpack" or (solver == "auto" and not small)
    vecs = vals = None
    if use_arpack and k < min(n, m):
        try:
            svd = TruncatedSVD(k, algorithm="arpack", tol=0.0, random_state=random_state).fit(s)
            vecs, vals = svd.components_, svd.singular_values_**2
        except ArpackNoConvergence:
            vecs = None
    if vecs is None:
        # S's columns sum to 0, so PCA's own centring leaves it unchanged.
        vecs, variance = pca_covariance_eigh(s.toarray(), k)
        vals = variance * max(n - 1, 1)
    top = max(float(vals[0]), 1.0)
    for i in range(k):
        if vals[i] > 1e-10 * top:
            comps[i], eig[i] = vecs[i], vals[i]
    return eig, comps


def pca_covariance_eigh(x: Array2D, k: int) -> tuple[Array2D, Array1D]:
    """``PCA(k, svd_solver="covariance_eigh").fit(x)``'s ``components_`` and
    ``explained_variance_`` for a float64 array with at least 2 rows.

    The same arithmetic as scikit-learn's ``PCA._fit_full`` (mean, ``xᵀx`` minus the
    mean's outer product, ``/ (n - 1)``, ``numpy.linalg.eigh``, descending, negative
    eigenvalues clipped, ``svd_flip`` on the rows), without the estimator's per-call
    validation and namespace dispatch: on the history replay's small matrices (~100 x
    50) those cost twice the arithmetic (README, "Performance").  Same bits as ``PCA``
    (pinned by ``tests/clustering/test_clustering_estimators.py``).
    """
    n = x.shape[0]
    mean = np.mean(x, axis=0)
    c = x.T @ x
    c -= n * np.reshape(mean, (-1, 1)) * np.reshape(mean, (1, -1))
    c /= n - 1
    eigenvals, eigenvecs = np.linalg.eigh(c)
    eigenvals = np.flip(eigenvals, axis=0)
    eigenvecs = np.flip(eigenvecs, axis=1)
    eigenvals[eigenvals < 0.0] = 0.0
    _, vt = svd_flip(None, eigenvecs.T, u_based_decision=False)
    return np.array(vt[:k, :], copy=True), np.array(eigenvals[:k], copy=True)


def centred(x: sp.csr_matrix, center: Array1D) -> sp.csr_matrix:
    """Stored votes minus their column's mean; missing cells stay (implicit) zeros."""
    data = x.data - center[x.indices]
    return sp.csr_matrix((data, x.indices, x.indptr), shape=x.shape)


class PolisPCA(TransformerMixin, BaseEstimator):
    """Pol.is PCA: column-mean imputation, exact components, sparsity-aware projection.

    Parameters
    ----------
    n_components : int, default=2
        Components kept (pol.is: 2).
    excluded_features : array-like of int, default=None
        Columns pol.is zeroes for every participant (moderated-out and meta
        statements): they get 0 in every component and count as a vote of every
        participant in the sparsity-aware scaling.
    svd_solver : {"auto", "arpack", "covariance_eigh"}, default="auto"
        See the module docstring.
    random_state : int, RandomState instance or None, default=None
        Start vector of the Lanczos iteration (the result does not depend on it beyond
        floating-point rounding: the iteration runs to machine precision).

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
        Mean of each column's votes (pol.is ``center``); 0 for columns without votes
        and for excluded columns.
    components_ : ndarray of shape (n_components, n_features)
        Unit principal axes, oriented as in :func:`orient`; all-zero rows when the
        matrix has a lower rank.
    explained_variance_ : ndarray of shape (n_components,)
        Squared singular values of the centred matrix divided by ``n_samples - 1``.
    n_features_in_ : int

    Notes
    -----
    Input: a dense array where NaN means "did not vote", or a sparse matrix whose
    *stored* entries are the votes (explicit zeros are passes).  With agree = +1 the
    centre is the negative of pol.is's (which encodes agree as -1).

    Examples
    --------
    >>> import numpy as np
    >>> from clustering import PolisPCA
    >>> X = np.array([[1, 1, np.nan], [-1, -1, 1], [1, np.nan, -1], [-1, 0, 1.0]])
    >>> PolisPCA().fit_transform(X).shape
    (4, 2)
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "excluded_features": ["array-like", None],
        "svd_solver": [StrOptions({"auto", "arpack", "covariance_eigh"})],
        "random_state": ["random_state"],
    }

    def __init__(self, n_components=2, *, excluded_features=None, svd_solver="auto", random_state=None):
        self.n_components = n_components
        self.excluded_features = excluded_features
        self.svd_solver = svd_solver
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = True
        return tags

    def _votes(self, X, reset: bool) -> sp.csr_matrix:
        X = validate_data(self, X, reset=reset, accept_sparse="csr", dtype=np.float64, ensure_all_finite="allow-nan")
        if sp.issparse(X):
            X = X.tocsr()
            if not np.isfinite(X.data).all():
                raise ValueError("sparse input must not store NaN or inf: leave missing votes unstored")
            return X
        mask = ~np.isnan(X)
        rows, cols = np.nonzero(mask)
        return sp.csr_matrix((X[rows, cols], (rows, cols)), shape=X.shape)

    def _excluded_mask(self, m: int) -> np.ndarray:
        mask = np.zeros(m, dtype=bool)
        if self.excluded_features is not None:
            mask[np.asarray(self.excluded_features, dtype=np.int64)] = True
        return mask

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the components.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Votes (agree = +1, disagree = -1, pass = 0), missing as NaN (dense) or
            unstored (sparse).
        y : Ignored

        Returns
        -------
        self : PolisPCA
        """
        self._fit(self._votes(X, reset=True))
        return self

    def _fit(self, votes: sp.csr_matrix, s: sp.csr_matrix | None = None) -> sp.csr_matrix:
        n, m = votes.shape
        excluded = self._excluded_mask(m)
        counts = np.bincount(votes.indices, minlength=m)
        sums = np.bincount(votes.indices, weights=votes.data, minlength=m)
        center = np.divide(sums, counts, out=np.zeros(m), where=counts > 0)
        center[excluded] = 0.0
        if s is None:
            keep = ~excluded[votes.indices]
            data = np.where(keep, votes.data - center[votes.indices], 0.0)
            s = sp.csr_matrix((data, votes.indices, votes.indptr), shape=(n, m))
        eig, comps = top_components(s, self.n_components, self.svd_solver, self.random_state)
        comps[:, excluded] = 0.0
        for i in range(self.n_components):
            comps[i] = orient(comps[i])
        comps[comps == 0.0] = 0.0
        self.mean_ = center
        self.components_ = comps
        self.explained_variance_ = eig / max(n - 1, 1)
        return s

    def transform(self, X):
        """Sparsity-aware projection: ``((x - mean) . component) * sqrt(m / n_votes)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_components)
        """
        check_is_fitted(self)
        return self._project(self._votes(X, reset=False))

    def _project(self, votes: sp.csr_matrix, s: sp.csr_matrix | None = None) -> Array2D:
        n, m = votes.shape
        excluded = self._excluded_mask(m)
        if s is None:
            s = centred(votes, self.mean_)
        proj = np.asarray(s @ self.components_.T)
        keep = ~excluded[votes.indices]
        rows = np.repeat(np.arange(n), np.diff(votes.indptr))
        kept = np.bincount(rows[keep], minlength=n)
        n_votes = kept + int(excluded.sum())
        proj *= np.sqrt(m / np.maximum(n_votes, 1))[:, None]
        return proj

    def fit_transform(self, X, y=None):
        """Fit and project the same votes (the centred matrix is built once).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : Ignored

        Returns
        -------
        ndarray of shape (n_samples, n_components)
        """
        self._validate_params()
        votes = self._votes(X, reset=True)
        s = self._fit(votes)
        return self._project(votes, s)
