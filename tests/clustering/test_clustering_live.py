"""The live path (``LiveOpinionMap``) equals the from-scratch warm tick, tick after tick.

Each tick feeds the live object only the votes since the previous one, and the reference
``compute_opinion_map`` every vote so far with the previous tick's state: changed votes,
new participants, new statements and moderation changes on the way.  Where the reference
runs its own PCA on the kept matrix (small conversations) the two are bit-identical; the
Gram-matrix PCA (``gram=True``, the default on large conversations) agrees to rounding.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.cluster import KMeans

from clustering import LiveOpinionMap, OpinionMap, VoteTable, compute_opinion_map
from clustering._bounded import lloyd_bounded
from clustering._cluster import init_clusters
from clustering._live_matrix import LiveVoteMatrix
from clustering._matrix import build_vote_matrix
from clustering.cli import load
from clustering.live import _final
from tests.clustering.test_clustering_properties import same
from tests.support.polis_data import OPENDATA


def _concat(a: VoteTable, b: VoteTable) -> VoteTable:
    ts = None if a.timestamps is None else np.concatenate([a.timestamps, b.timestamps])
    return VoteTable(
        np.concatenate([a.participant_ids, b.participant_ids]),
        np.concatenate([a.statement_ids, b.statement_ids]),
        np.concatenate([a.values, b.values]),
        ts,
    )


def _random_votes(rng: np.random.Generator, n_votes: int, n_p: int, statements: np.ndarray) -> VoteTable:
    """Votes of 3 latent opinion groups with 20 % noise (repeats and changes included)."""
    profile = rng.choice(np.array([-1, 0, 1]), size=(3, int(statements.max()) + 1))
    pids = rng.integers(0, n_p, n_votes)
    sids = rng.choice(statements, n_votes)
    vals = profile[pids % 3, sids]
    noise = rng.random(n_votes) < 0.2
    vals[noise] = rng.integers(-1, 2, int(noise.sum()))
    return VoteTable(pids * 7 + 3, sids, vals.astype(np.int8))


def _ticks(votes: VoteTable, batches: list[VoteTable], plan: list[tuple[np.ndarray, list[int]]], gram: bool | None):
    """(reference, live) results of every tick: the first on ``votes``, one per batch."""
    statements, excluded = plan[0]
    ref = compute_opinion_map(votes, statements, excluded)
    live = LiveOpinionMap(votes, statements, excluded, gram=gram)
    yield ref, live.result
    so_far = votes
    for batch, (statements, excluded) in zip(batches, plan[1:], strict=True):
        so_far = _concat(so_far, batch)
        state = json.loads(json.dumps(ref.state))
        ref = compute_opinion_map(so_far, statements, excluded, previous_state=state)
        yield ref, live.update(batch, statements, excluded)
    # The co-occurrence blocks kept up to date equal those built from every vote.
    if live._live.blocks is not None:
        fresh = LiveVoteMatrix(build_vote_matrix(so_far, np.zeros(0, np.int64)))
        for kept, built in zip(live._live.blocks, fresh.gram_blocks(), strict=True):
            assert np.array_equal(kept, built)


def _close(ref: OpinionMap, got: OpinionMap, exact: bool) -> None:
    if exact:
        same(ref, got)
        np.testing.assert_array_equal(ref.components, got.components)
        assert ref.state == got.state
        return
    np.testing.assert_allclose(got.components, ref.components, atol=1e-8)
    np.testing.assert_allclose(got.center, ref.center, atol=1e-12)
    np.testing.assert_allclose(got.positions, ref.positions, atol=1e-8)
    assert got.k == ref.k and got.group_of == ref.group_of and got.group_votes == ref.group_votes
    np.testing.assert_array_equal(got.user_vote_counts, ref.user_vote_counts)
    np.testing.assert_array_equal(got.statement_votes, ref.statement_votes)
    np.testing.assert_array_equal(got.in_conv_ids, ref.in_conv_ids)
    for a, b in zip(ref.groups, got.groups, strict=True):
        assert a.id == b.id and [r.statement_id for r in a.representative] == [r.statement_id for r in b.representative]
        np.testing.assert_allclose([r.repness for r in a.representative], [r.repness for r in b.representative])
    assert ref.consensus.agree == got.consensus.agree and ref.consensus.disagree == got.consensus.disagree
    assert ref.priorities.keys() == got.priorities.keys()
    np.testing.assert_allclose(list(got.priorities.values()), list(ref.priorities.values()), rtol=1e-6)


def _plan(rng: np.random.Generator, n_batches: int) -> tuple[VoteTable, list[VoteTable], list]:
    n_p, m = int(rng.integers(3, 80)), int(rng.integers(2, 16))
    statements = np.arange(m) * 5 + 1
    votes = _random_votes(rng, int(rng.integers(1, 6 * n_p)), n_p, statements[: max(1, m - 2)])
    batches, plan = [], [(statements[: m - 1], [])]
    for _ in range(n_batches):
        # later batches: more participants, every statement, a statement moderated out or back
        batches.append(_random_votes(rng, int(rng.integers(0, 40)), n_p + 10, statements))
        plan.append((statements, sorted(set(rng.choice(statements, int(rng.integers(0, 3))).tolist()))))
    return votes, batches, plan


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4))
def test_live_ticks_equal_the_reference(seed: int, n_batches: int) -> None:
    """Random conversations: changed votes, new participants and statements, moderation."""
    votes, batches, plan = _plan(np.random.default_rng(seed), n_batches)
    for ref, got in _ticks(votes, batches, plan, gram=None):
        _close(ref, got, exact=True)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4))
def test_live_matrix_equals_a_fresh_one(seed: int, n_batches: int) -> None:
    """Cells, column sums and co-occurrence blocks kept up to date equal a fresh build."""
    votes, batches, _ = _plan(np.random.default_rng(seed), n_batches)
    live = LiveVoteMatrix(build_vote_matrix(votes, np.zeros(0, np.int64)))
    live.gram_blocks()
    so_far = votes
    for batch in batches:
        so_far = _concat(so_far, batch)
        pids, sids, values = _final(batch)  # the batch's last vote per cell
        order = np.random.default_rng(seed).permutation(len(pids))  # in any order
        live.update(pids[order], sids[order], values[order])
        fresh = LiveVoteMatrix(build_vote_matrix(so_far, np.zeros(0, np.int64)))
        for name in (
            "participant_ids",
            "statement_ids",
            "indptr",
            "indices",
            "values",
            "codes",
            "col_sums",
            "col_counts",
        ):
            np.testing.assert_array_equal(getattr(live, name), getattr(fresh, name), err_msg=name)
        for kept, built in zip(live.blocks, fresh.gram_blocks(), strict=True):
            np.testing.assert_array_equal(kept, built)


@pytest.mark.parametrize("seed", [0, 1])
def test_gram_pca_equals_the_reference_to_rounding(seed: int) -> None:
    """The Gram-matrix PCA (large conversations' default) on a 12,000-vote conversation."""
    rng = np.random.default_rng(seed)
    statements = np.arange(220)
    votes = _random_votes(rng, 12_000, 400, statements[:200])
    batches = [_random_votes(rng, 300, 430, statements) for _ in range(3)]
    plan = [(statements, []), (statements, []), (statements, [3, 17]), (statements, [17])]
    for ref, got in _ticks(votes, batches, plan, gram=True):
        _close(ref, got, exact=False)


@pytest.mark.slow
def test_live_ticks_on_a_real_conversation() -> None:
    """vtaiwan.uberx replayed in vote order: its first 80 % at once, then 5 live ticks."""
    conv = load(OPENDATA / "vtaiwan.uberx")
    order = np.argsort(conv.votes.timestamps, kind="stable")
    v = conv.votes
    cuts = np.linspace(0.8 * len(order), len(order), 6).astype(int)

    def part(lo: int, hi: int) -> VoteTable:
        idx = order[lo:hi]
        return VoteTable(v.participant_ids[idx], v.statement_ids[idx], v.values[idx], v.timestamps[idx])

    batches = [part(cuts[i], cuts[i + 1]) for i in range(5)]
    plan = [(conv.statement_ids, conv.excluded)] * 6
    for ref, got in _ticks(part(0, cuts[0]), batches, plan, gram=True):
        _close(ref, got, exact=False)


def _plain_lloyd(points: np.ndarray, w: np.ndarray, centers: np.ndarray, max_iters: int) -> tuple[np.ndarray, int]:
    """Lloyd's iteration as written: every distance, nearest centre, weighted means."""
    labels = np.full(len(points), -1)
    for it in range(max_iters + 1):
        new = ((points[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        if np.array_equal(new, labels):
            return labels, it + 1
        labels = new
        tot = np.bincount(labels, weights=w, minlength=len(centers))
        centers = np.column_stack([np.bincount(labels, w * points[:, j], len(centers)) / tot for j in range(2)])
    return labels, max_iters + 1


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 40))
def test_bounded_lloyd_equals_plain_lloyd(seed: int, k: int) -> None:
    """The bounded iteration makes Lloyd's assignments (points in general position).

    (Not compared with scikit-learn's ``KMeans``: it computes distances as
    ``|x|² - 2 x.c + |c|²`` on centred data, so a run that does not converge within the cap
    can take another path; seed 29, k 29 does.)
    """
    rng = np.random.default_rng(seed)
    points = np.concatenate([rng.normal(c, 0.4, size=(300, 2)) for c in rng.normal(0, 3, size=(5, 2))])
    weights = rng.integers(1, 4, len(points)).astype(np.float64)
    start = init_clusters(points, k)
    ids, centers, labels, n_iter = lloyd_bounded(points, weights, start, 100)
    assume(len(ids) == k)  # a cluster emptied (dropped here, as pol.is does)
    expected, expected_iter = _plain_lloyd(points, weights, start.centers, 100)
    assert n_iter == expected_iter
    np.testing.assert_array_equal(labels, expected)
    km = KMeans(k, init=start.centers, n_init=1, max_iter=101, tol=0.0, algorithm="lloyd")
    if km.fit(points, sample_weight=weights).n_iter_ < 101:  # converged: the same fixed point
        np.testing.assert_array_equal(labels, km.labels_)
