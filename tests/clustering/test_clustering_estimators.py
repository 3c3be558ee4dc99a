"""scikit-learn conventions of the pol.is estimators (``check_estimator``), and what the
estimators add to scikit-learn's: pol.is's starts and its missing-vote handling."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.utils.estimator_checks import parametrize_with_checks

from clustering import PolisKMeans, PolisPCA

EXPECTED_FAILURES = {
    # pol.is's cold start takes the first distinct rows whatever their weight, so a row
    # of weight 0 can be a starting centre while the same row removed cannot.
    "check_sample_weight_equivalence_on_dense_data": "pol.is start ignores weights",
}


@parametrize_with_checks(
    [PolisPCA(), PolisKMeans()],
    expected_failed_checks=lambda est: EXPECTED_FAILURES if isinstance(est, PolisKMeans) else {},
)
def test_sklearn_conventions(estimator, check) -> None:  # type: ignore[no-untyped-def]
    check(estimator)


def test_kmeans_cold_start_is_first_distinct_rows() -> None:
    x = np.array([[0.0, 0], [0, 0], [4, 4], [0, 1], [4, 5]])
    km = PolisKMeans(2, max_iter=0).fit(x)
    # start: rows 0 and 2 (row 1 repeats row 0); one Lloyd step from there
    assert km.cluster_ids_.tolist() == [0, 1]
    assert km.labels_.tolist() == [0, 0, 1, 0, 1]
    np.testing.assert_allclose(km.cluster_centers_, [[0, 1 / 3], [4, 4.5]])


def test_kmeans_warm_start_splits_the_most_distal_point() -> None:
    x = np.array([[0.0, 0], [0, 1], [10, 10], [0, 0.5]])
    km = PolisKMeans(2).fit(x, previous_ids=[7], previous_labels=[0, 0, -1, 0])
    assert km.cluster_ids_.tolist() == [7, 8]  # the new cluster takes max id + 1
    assert km.labels_.tolist() == [0, 0, 1, 0]


def test_pca_dense_nan_equals_sparse_unstored() -> None:
    rng = np.random.default_rng(0)
    x = rng.choice([-1.0, 0.0, 1.0], size=(40, 12))
    x[rng.random(x.shape) < 0.4] = np.nan
    rows, cols = np.nonzero(~np.isnan(x))
    xs = sp.csr_matrix((x[rows, cols], (rows, cols)), shape=x.shape)
    a, b = PolisPCA().fit(x), PolisPCA().fit(xs)
    np.testing.assert_allclose(a.components_, b.components_, atol=1e-12)
    np.testing.assert_allclose(a.transform(x), b.transform(xs), atol=1e-12)
    # imputed cells add nothing: the mean of each column's votes is the centre
    np.testing.assert_allclose(a.mean_, np.nan_to_num(np.nanmean(x, axis=0)))


def test_sklearn_lloyd_is_kmeans_bit_for_bit() -> None:
    """The history replay calls scikit-learn's Lloyd kernel as ``KMeans.fit`` does."""
    import warnings

    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning

    from clustering.kmeans import sklearn_lloyd

    rng = np.random.default_rng(3)
    for n, k, iters in [(40, 10, 101), (300, 100, 101), (500, 7, 3), (12, 12, 5)]:
        x = np.round(rng.normal(size=(n, 2)), 1)  # repeated points too
        w = rng.integers(1, 4, size=n).astype(np.float64)
        init = x[rng.choice(n, k, replace=False)] + 0.05
        km = KMeans(k, init=init, n_init=1, max_iter=iters, tol=0.0, algorithm="lloyd", random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            km.fit(x, sample_weight=w)
        labels, centers, n_iter = sklearn_lloyd(x, w, init, iters, 0)
        assert np.array_equal(labels, km.labels_)
        assert np.array_equal(centers, km.cluster_centers_)
        assert n_iter == km.n_iter_


def test_silhouette_of_is_silhouette_samples_bit_for_bit() -> None:
    """Each tick scores its candidate k with scikit-learn's silhouette arithmetic, called directly."""
    from sklearn.metrics import pairwise_distances, silhouette_samples

    from clustering.kmeans import silhouette_of

    rng = np.random.default_rng(5)
    for n, k, decimals in [(3, 2, 1), (37, 3, 0), (100, 5, 1), (100, 2, 2), (400, 4, 1)] + [
        (int(n), int(min(k, n - 1)), int(d))
        for n, k, d in zip(rng.integers(3, 120, 60), rng.integers(2, 7, 60), rng.integers(0, 3, 60), strict=True)
    ]:
        x = np.round(rng.normal(size=(n, 2)), decimals)  # repeated points: zero distances, ties
        distances = pairwise_distances(x)
        labels = rng.integers(0, k, size=n) * 3 + 7  # any label values, as LabelEncoder takes them
        labels[:k] = np.arange(k) * 3 + 7  # every cluster used; singletons too
        expected = silhouette_samples(distances, labels, metric="precomputed")
        assert np.array_equal(silhouette_of(distances, labels), expected)


def test_pca_covariance_eigh_is_sklearn_pca_bit_for_bit() -> None:
    """``top_components``' small path replicates ``PCA(svd_solver="covariance_eigh")``."""
    from sklearn.decomposition import PCA

    from clustering.decomposition import pca_covariance_eigh

    rng = np.random.default_rng(4)
    for n, m in [(6, 9), (15, 40), (120, 60), (900, 160)]:
        votes = rng.choice(np.array([-1.0, 0.0, 1.0]), size=(n, m))
        voted = rng.random((n, m)) < 0.6
        mean = (votes * voted).sum(axis=0) / np.maximum(voted.sum(axis=0), 1)
        x = np.where(voted, votes - mean, 0.0)  # centred over the votes, as top_components gets it
        x[:, 0] = 0.0  # a column without votes
        k = min(2, n, m)
        pca = PCA(k, svd_solver="covariance_eigh").fit(x)
        comps, variance = pca_covariance_eigh(x, k)
        assert np.array_equal(comps, pca.components_)
        assert np.array_equal(variance, pca.explained_variance_)
