"""Property tests: input order, unvoted statements and no-op warm starts change nothing."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from clustering import OpinionMap, VoteTable, compute_opinion_map


@st.composite
def conversations(draw: st.DrawFn) -> tuple[VoteTable, np.ndarray, list[int]]:
    """A conversation with latent opinion groups, one vote per (participant, statement)."""
    n = draw(st.integers(1, 60))
    m = draw(st.integers(1, 14))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_groups = draw(st.integers(1, 4))
    profile = rng.choice([-1, 0, 1], size=(n_groups, m), p=[0.4, 0.2, 0.4])
    group = rng.integers(0, n_groups, n)
    density = draw(st.floats(0.2, 1.0))
    cells = rng.random((n, m)) < density
    noise = rng.random((n, m)) < 0.15
    vals = np.where(noise, rng.choice([-1, 0, 1], size=(n, m)), profile[group])
    p, s = np.nonzero(cells)
    pids = rng.permutation(1000)[:n][p]
    sids = (np.arange(m) * 3 + 2)[s]
    excluded = draw(st.lists(st.sampled_from((np.arange(m) * 3 + 2).tolist()), max_size=2))
    return VoteTable(pids, sids, vals[p, s].astype(np.int8)), np.arange(m) * 3 + 2, excluded


def same(a: OpinionMap, b: OpinionMap, statements_too: bool = True) -> None:
    assert a.k == b.k
    np.testing.assert_array_equal(a.in_conv_ids, b.in_conv_ids)
    np.testing.assert_allclose(a.positions, b.positions, atol=1e-9)
    assert a.group_of == b.group_of
    assert [(g.id, g.members.tolist(), [r.statement_id for r in g.representative]) for g in a.groups] == [
        (g.id, g.members.tolist(), [r.statement_id for r in g.representative]) for g in b.groups
    ]
    assert a.consensus.agree == b.consensus.agree and a.consensus.disagree == b.consensus.disagree
    assert a.group_votes == b.group_votes
    np.testing.assert_array_equal(a.user_vote_counts, b.user_vote_counts)
    np.testing.assert_array_equal(a.statement_votes, b.statement_votes)
    for x, y in ((a.group_aware_consensus, b.group_aware_consensus),):
        assert x.keys() == y.keys()
        np.testing.assert_allclose(list(x.values()), list(y.values()), rtol=1e-9, atol=1e-12)
    if statements_too:
        assert a.priorities.keys() == b.priorities.keys()
        np.testing.assert_allclose(list(a.priorities.values()), list(b.priorities.values()), rtol=1e-9)


@settings(max_examples=40, deadline=None)
@given(conversations(), st.randoms(use_true_random=False))
def test_vote_order_does_not_matter(conv: tuple[VoteTable, np.ndarray, list[int]], rnd) -> None:
    votes, statements, excluded = conv
    perm = np.arange(len(votes))
    rnd.shuffle(perm)
    shuffled = VoteTable(votes.participant_ids[perm], votes.statement_ids[perm], votes.values[perm])
    same(compute_opinion_map(votes, statements, excluded), compute_opinion_map(shuffled, statements, excluded))


@settings(max_examples=40, deadline=None)
@given(conversations())
def test_statement_nobody_voted_on_changes_nothing(conv: tuple[VoteTable, np.ndarray, list[int]]) -> None:
    votes, statements, excluded = conv
    a = compute_opinion_map(votes, statements, excluded)
    b = compute_opinion_map(votes, np.append(statements, 10_000), excluded)
    same(a, b, statements_too=False)
    assert set(b.priorities) == set(a.priorities) | {10_000}
    assert all(b.priorities[t] == a.priorities[t] for t in a.priorities)


# Found by Hypothesis: base centre P1 is at exactly the same distance from both group centres
# (|P1 - P0| = |P2 - P1| / 2 = 1).  scikit-learn's Lloyd put it with P2; the warm start
# recomputed the centres with another rounding and moved it (k-means of the groups changed).
TIE = (
    VoteTable(
        np.repeat([134, 656, 866, 355, 697], 4),
        np.tile([2, 5, 8, 11], 5),
        np.array([-1, 0, -1, 1, 0, 0, -1, 0, 0, 0, 1, 1, -1, 0, -1, 1, -1, 0, -1, 1], np.int8),
    ),
    np.array([2, 5, 8, 11]),
    [11],
)


@settings(max_examples=40, deadline=None)
@given(conversations())
@example(TIE)
def test_warm_start_without_new_votes_changes_nothing(conv: tuple[VoteTable, np.ndarray, list[int]]) -> None:
    votes, statements, excluded = conv
    a = compute_opinion_map(votes, statements, excluded)
    state = json.loads(json.dumps(a.state))
    b = compute_opinion_map(votes, statements, excluded, previous_state=state)
    same(a, b)
    np.testing.assert_allclose(a.components, b.components, atol=1e-12)
    c = compute_opinion_map(votes, statements, excluded, previous_state=json.loads(json.dumps(b.state)))
    same(b, c)


def test_later_vote_wins() -> None:
    v = VoteTable(np.array([1, 1, 1]), np.array([0, 0, 0]), np.array([1, -1, 0], np.int8), np.array([5.0, 9.0, 9.0]))
    r = compute_opinion_map(v, np.array([0]))
    # timestamps 9 tie: the later row (pass) wins over the earlier disagree
    assert r.consensus.agree == [] and r.group_votes == {}
    v2 = VoteTable(np.array([1, 1]), np.array([0, 0]), np.array([-1, 1], np.int8), np.array([9.0, 5.0]))
    r2 = compute_opinion_map(v2, np.array([0]))
    assert r2.center.tolist() == [-1.0]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 60), st.integers(0, 2**32 - 1))
def test_fast_kmeans_helpers_match_their_reference(n: int, seed: int) -> None:
    """``_first_distinct`` equals np.unique(axis=0); ``_sq_dists`` is bit-identical to the sum."""
    from clustering._cluster import _first_distinct, _sq_dists

    rng = np.random.default_rng(seed)
    pts = rng.integers(-2, 3, size=(n, 2)).astype(np.float64) / 2.0  # many duplicates
    pts[rng.random(n) < 0.3] = 0.0
    pts[rng.random(n) < 0.1] = -0.0
    expected = np.sort(np.unique(pts, axis=0, return_index=True)[1]) if n else np.zeros(0)
    assert _first_distinct(pts).tolist() == expected.tolist()
    x = rng.normal(size=(n, 2))
    c = rng.normal(size=(max(n // 3, 1), 2))
    assert np.array_equal(_sq_dists(x, c), ((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2))
