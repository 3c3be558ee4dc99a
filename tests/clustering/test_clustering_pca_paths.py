"""The two scikit-learn PCA paths (LAPACK on the Gram matrix, Lanczos) agree."""

from __future__ import annotations

import numpy as np
import pytest

from clustering import VoteTable, compute_opinion_map, decomposition


def _votes(n: int = 300, m: int = 240, seed: int = 3) -> VoteTable:
    rng = np.random.default_rng(seed)
    side = rng.integers(0, 3, n)
    profile = rng.choice(np.array([-1, 0, 1], np.int8), size=(3, m))
    cells = rng.random((n, m)) < 0.3
    p, s = np.nonzero(cells)
    vals = profile[side[p], s]
    noise = rng.random(len(vals)) < 0.2
    vals[noise] = rng.integers(-1, 2, int(noise.sum()))
    return VoteTable(p, s, vals)


def test_lanczos_matches_dense_gram(monkeypatch: pytest.MonkeyPatch) -> None:
    v = _votes()
    fast = compute_opinion_map(v)
    assert fast.statement_ids.size > decomposition.SMALL_MAX_COLS
    monkeypatch.setattr(decomposition, "SMALL_MAX_COLS", 10_000)
    monkeypatch.setattr(decomposition, "SMALL_MAX_CELLS", 10**9)
    dense = compute_opinion_map(v)
    np.testing.assert_allclose(fast.components, dense.components, atol=1e-10)
    np.testing.assert_allclose(fast.positions, dense.positions, atol=1e-9)
    assert fast.group_of == dense.group_of and fast.k == dense.k


def test_random_state_does_not_change_the_components() -> None:
    v = _votes(seed=5)
    a, b = compute_opinion_map(v, random_state=0), compute_opinion_map(v, random_state=123)
    np.testing.assert_allclose(a.components, b.components, atol=1e-10)
    assert a.group_of == b.group_of
