"""``PolisKMeans``: pol.is's k-means as a scikit-learn clusterer, and pol.is's silhouette.

What pol.is adds to plain k-means (polis math/src/polismath/math/clusters.clj) is its
*start*: a cold start takes the first ``k`` distinct rows in row order; a warm start
(``clean-start-clusters``) re-centres the previous clusters on their members still
present, merges identical centres and splits off the most distal point until there are
``min(k, distinct rows)`` clusters, each new cluster taking id max id + 1.  Those rules
live here (:func:`clustering._cluster.init_clusters`, :func:`~clustering._cluster.clean_start`);
the Lloyd iterations that follow are scikit-learn's ``KMeans`` with that explicit
``init``, ``n_init=1`` and ``sample_weight``.

Where scikit-learn's Lloyd differs from pol.is's (README, "scikit-learn and pol.is"):

* pol.is stops once every centre moved less than 0.01; here ``tol=0`` runs to the fixed
  point (the assignment no longer changes), so re-running on unchanged input changes
  nothing;
* pol.is drops a cluster that empties during the iterations; scikit-learn moves its
  centre to a far point.  Clusters empty at the end are dropped here;
* an exact distance tie goes to the later centre in pol.is, to the earlier in sklearn.

For large 2-d inputs (``n_samples * k > LARGE_CELLS``: pol.is's 100 base clusters of
tens of thousands of participants) scikit-learn's Lloyd costs O(n k) per iteration and
pol.is allows 101 of them (2.5 s for 33,000 points, measured); the same iteration with
Hamerly's bounds (:func:`clustering._bounded.lloyd_bounded`, equal assignments up to
exact ties) then runs instead.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, _fit_context
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import pairwise_distances_argmin, silhouette_samples
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data
from threadpoolctl import ThreadpoolController

try:  # scikit-learn's Lloyd kernel, as KMeans.fit calls it (see sklearn_lloyd)
    from sklearn.cluster._kmeans import _kmeans_single_lloyd as _single_lloyd
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
except ImportError:  # pragma: no cover - another scikit-learn
    _single_lloyd = None

from ._bounded import lloyd_bounded
from ._cluster import Clustering, clean_start, init_clusters
from ._types import Array1D, Array2D, IntArray

#: Above this many point x centre pairs (2-d input), Lloyd with Hamerly's bounds.
LARGE_CELLS = 200_000
_THREADS = ThreadpoolController()
#: True inside :func:`single_threaded`: every pool is limited to one thread already.
_ONE_THREAD: ContextVar[bool] = ContextVar("clustering_one_thread", default=False)


@contextmanager
def single_threaded() -> Iterator[None]:
    """BLAS and OpenMP pools limited to one thread: small problems, where waking the pools
    costs more than the work (README, "Thread pools").  Inside it, scikit-learn's Lloyd kernel
    is called without its own per-call BLAS limit (the same limit, already in place)."""
    token = _ONE_THREAD.set(True)
    try:
        with _THREADS.limit(limits=1):
            yield
    finally:
        _ONE_THREAD.reset(token)


def polis_silhouette(distances: Array2D, labels: IntArray) -> float:
    """Pol.is's silhouette: the unweighted mean of scikit-learn's ``silhouette_samples``
    on a precomputed distance matrix (a member of a one-point cluster scores 0, as in
    pol.is; when every point is alone the mean is 0).  -inf for fewer than 2 clusters."""
    c = len(np.unique(labels))
    if c < 2:
        return float("-inf")
    if c >= len(labels):
        return 0.0
    return float(silhouette_of(distances, labels).mean())


def silhouette_of(distances: Array2D, labels: IntArray) -> Array1D:
    """``silhouette_samples(distances, labels, metric="precomputed")`` for a float64 square
    matrix, with the same bits and without its per-call validation, label encoding and
    chunking, which cost a tick of a small conversation more than the rest of its group
    clustering (four k tried per tick; README, "Performance").

    scikit-learn sums each point's distances to each cluster with ``np.bincount``, i.e. in
    ascending point order, one addition at a time; a ``cumsum`` over the cluster's columns
    (in ascending order) adds the same numbers in the same order.  The arithmetic after that
    is scikit-learn's.  Pinned against ``silhouette_samples`` by
    ``tests/clustering/test_clustering_estimators.py``; other dtypes go to ``silhouette_samples``.
    """
    if distances.dtype != np.float64:
        return silhouette_samples(distances, labels, metric="precomputed")
    _, encoded = np.unique(labels, return_inverse=True)  # as LabelEncoder encodes them
    encoded = encoded.reshape(-1)
    n = len(encoded)
    label_freqs = np.bincount(encoded)
    by_cluster = distances[:, np.argsort(encoded, kind="stable")]
    bounds = np.concatenate([[0], np.cumsum(label_freqs)])
    sums = np.empty((n, len(label_freqs)))
    for c in range(len(label_freqs)):
        sums[:, c] = by_cluster[:, bounds[c] : bounds[c + 1]].cumsum(axis=1)[:, -1]
    rows = np.arange(n)
    intra = sums[rows, encoded]
    sums[rows, encoded] = np.inf
    sums /= label_freqs
    inter = sums.min(axis=1)
    denom = (label_freqs - 1).take(encoded, mode="clip")
    with np.errstate(divide="ignore", invalid="ignore"):
        intra /= denom
    samples = inter - intra
    with np.errstate(divide="ignore", invalid="ignore"):
        samples /= np.maximum(intra, inter)
    return np.nan_to_num(samples)


def lloyd(points: Array2D, weights: Array1D, start: Clustering, max_iter: int, random_state=None) -> Clustering:
    """Lloyd iterations from ``start`` (``max_iter + 1`` steps at most, as pol.is allows):
    scikit-learn's ``KMeans`` with an explicit init, then clusters left empty dropped."""
    if points.shape[1] == 2 and len(points) * len(start.ids) > LARGE_CELLS:
        ids, centers, labels, n_iter = lloyd_bounded(points, weights, start, max_iter)
        return Clustering(ids, centers, labels, n_iter)
    labels, centers, n_iter = sklearn_lloyd(points, weights, start.centers, max_iter + 1, random_state)
    labels = labels.astype(np.int64)
    counts = np.bincount(labels, minlength=len(start.ids))
    keep = counts > 0
    ids = start.ids
    if not keep.all():
        labels = (np.cumsum(keep) - 1)[labels]
        ids, centers = ids[keep], centers[keep]
    return Clustering(ids.copy(), np.asarray(centers, dtype=np.float64), labels, n_iter)


def sklearn_lloyd(
    points: Array2D, weights: Array1D, init: Array2D, max_iter: int, random_state=None
) -> tuple[IntArray, Array2D, int]:
    """``KMeans(len(init), init=init, n_init=1, max_iter=max_iter, tol=0, algorithm="lloyd")
    .fit(points, sample_weight=weights)``: labels, centres, iterations.

    For float64 C-ordered points and weights (ours), the same steps as ``KMeans.fit`` --
    the data and the init centred on the data's mean, scikit-learn's Lloyd kernel
    (``_kmeans_single_lloyd``), the mean added back -- without the estimator's per-call
    validation, which costs several times the iterations on the history replay's ~100
    points (README, "Performance").  Same bits as ``KMeans`` (pinned by
    ``tests/clustering/test_clustering_estimators.py``); without that kernel (another
    scikit-learn), ``KMeans`` itself.
    """
    if _single_lloyd is None or points.dtype != np.float64 or weights.dtype != np.float64:
        km = KMeans(
            len(init), init=init, n_init=1, max_iter=max_iter, tol=0.0, algorithm="lloyd", random_state=random_state
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            km.fit(points, sample_weight=weights)
        return km.labels_, km.cluster_centers_, int(km.n_iter_)
    x = np.array(points, dtype=np.float64, order="C")  # KMeans: copy_x
    x_mean = x.mean(axis=0)
    x -= x_mean
    centers_init = np.array(init, dtype=np.float64, order="C")
    centers_init -= x_mean
    w = np.ascontiguousarray(weights)
    # The kernel's decorator limits BLAS to one thread for the call; single_threaded() has.
    kernel = getattr(_single_lloyd, "__wrapped__", _single_lloyd) if _ONE_THREAD.get() else _single_lloyd
    labels, _, centers, n_iter = kernel(
        x, w, centers_init, max_iter=max_iter, verbose=False, tol=0, n_threads=_openmp_effective_n_threads()
    )
    centers += x_mean
    return labels, centers, int(n_iter)


class PolisKMeans(ClusterMixin, BaseEstimator):
    """k-means with pol.is's deterministic cold start and its warm start (clean-start).

    Parameters
    ----------
    n_clusters : int, default=2
        Upper bound on the number of clusters (fewer when there are fewer distinct rows
        or clusters empty).
    max_iter : int, default=20
        pol.is's iteration cap (it allows ``max_iter + 1`` Lloyd steps): 20 for group
        clusterings, 100 for base clusters.
    random_state : int, RandomState instance or None, default=None
        Passed to scikit-learn's ``KMeans`` (the start itself is deterministic).

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters_, n_features)
    cluster_ids_ : ndarray of int64, shape (n_clusters_,)
        pol.is cluster ids, ascending (0..k-1 on a cold start).
    labels_ : ndarray of int64, shape (n_samples,)
        Index into ``cluster_centers_`` of each sample's cluster.
    n_iter_ : int
        Lloyd iterations run.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from clustering import PolisKMeans
    >>> X = np.array([[0.0, 0], [0, 1], [5, 5], [5, 6]])
    >>> PolisKMeans(2).fit(X).labels_.tolist()
    [0, 0, 1, 1]
    """

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, n_clusters=2, *, max_iter=20, random_state=None):
        self.n_clusters = n_clusters
        self.max_iter = max_iter
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None, *, previous_ids=None, previous_labels=None):
        """Cluster ``X``, cold (first distinct rows) or warm from a previous clustering.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows in pol.is's matrix order (the cold start takes the first distinct ones).
        y : Ignored
        sample_weight : array-like of shape (n_samples,), default=None
        previous_ids : array-like of int, default=None
            Ids of the previous clustering's clusters.
        previous_labels : array-like of int of shape (n_samples,), default=None
            Index into ``previous_ids`` of each sample's previous cluster, -1 for new
            samples.  With ``previous_ids``: pol.is's clean start.

        Returns
        -------
        self : PolisKMeans
        """
        X = validate_data(self, X, dtype=np.float64)
        w = _check_sample_weight(sample_weight, X, dtype=np.float64)
        if previous_ids is not None and previous_labels is not None and len(previous_ids):
            ids = np.asarray(previous_ids, dtype=np.int64)
            labels = np.asarray(previous_labels, dtype=np.int64)
            if labels.shape != (len(X),):
                raise ValueError("previous_labels must have one entry per sample")
            start = clean_start(X, w, self.n_clusters, ids, labels)
        else:
            start = init_clusters(X, self.n_clusters)
        cl = lloyd(X, w, start, self.max_iter, self.random_state)
        self.cluster_centers_ = cl.centers
        self.cluster_ids_ = cl.ids
        self.labels_ = cl.labels
        self.n_iter_ = cl.n_iter
        return self

    def predict(self, X):
        """Index of the nearest centre for each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of int64, shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return pairwise_distances_argmin(X, self.cluster_centers_).astype(np.int64)

    def as_clustering(self) -> Clustering:
        """The fitted clusters as the pipeline's :class:`~clustering._cluster.Clustering`."""
        check_is_fitted(self)
        return Clustering(self.cluster_ids_, self.cluster_centers_, self.labels_)
