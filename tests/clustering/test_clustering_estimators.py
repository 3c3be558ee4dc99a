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
