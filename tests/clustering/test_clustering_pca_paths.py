"""The Lanczos and dense-Gram PCA paths give the same components."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.linalg import ArpackNoConvergence

from clustering import VoteTable, _reduce, compute_opinion_map


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
    assert fast.statement_ids.size > _reduce.SMALL_GRAM_MAX_COLS

    def no_convergence(*_: object) -> None:
        raise ArpackNoConvergence("forced", np.zeros(0), np.zeros((0, 0)))

    monkeypatch.setattr(_reduce, "_lanczos", no_convergence)  # falls back to dense eigh
    dense = compute_opinion_map(v)
    np.testing.assert_allclose(fast.components, dense.components, atol=1e-10)
    np.testing.assert_allclose(fast.positions, dense.positions, atol=1e-9)
    assert fast.group_of == dense.group_of and fast.k == dense.k
