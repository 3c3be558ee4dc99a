"""Parity with pol.is's own math output (the ``math-pca2.json`` blobs of three conversations).

Where pol.is's result depends on history that the votes alone do not carry (in-conv
members kept from earlier ticks, base clusters warm-started over many ticks), the run is
given that history through ``previous_state`` built from the blob, with ``base_iters=0``
so the blob's base clusters are taken as they are; everything downstream is then
compared exactly (1e-6), as the fixtures' README prescribes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from clustering import OpinionMap, compute_opinion_map
from clustering.cli import Conversation
from tests.support.polis_data import blob_state, load_fixture

TOL = 1e-6


def run(conv: Conversation, state: dict[str, Any] | None = None, **kw: Any) -> OpinionMap:
    return compute_opinion_map(
        conv.votes,
        conv.statement_ids,
        conv.excluded,
        previous_state=state,
        meta_statement_ids=conv.meta,
        **kw,
    )


def from_blob(conv: Conversation, blob: dict[str, Any]) -> OpinionMap:
    return run(conv, blob_state(blob), base_iters=0)


def test_pca_matches_up_to_sign(polis_fixture: tuple[Conversation, dict[str, Any]]) -> None:
    conv, blob = polis_fixture
    r = run(conv)  # cold start: PCA does not depend on history
    assert r.statement_ids.tolist() == blob["tids"]
    # Our votes are agree = +1, pol.is's are agree = -1: the centre flips sign.
    np.testing.assert_allclose(-r.center, blob["pca"]["center"], atol=TOL)
    comps = np.asarray(blob["pca"]["comps"])
    signs = np.sign((comps * r.components).sum(axis=1))
    assert set(signs.tolist()) <= {-1.0, 1.0}
    np.testing.assert_allclose(r.components * signs[:, None], comps, atol=TOL)
    proj = np.asarray(blob["pca"]["comment-projection"]).T
    # Projections flip with the encoding and with each component's sign.
    np.testing.assert_allclose(-r.statement_projections * signs[None, :], proj, atol=TOL)
    np.testing.assert_allclose(r.statement_extremity, blob["pca"]["comment-extremity"], atol=TOL)


def test_participant_projections(polis_fixture: tuple[Conversation, dict[str, Any]]) -> None:
    """Base-cluster centres (means of member projections) equal the blob's x, y."""
    conv, blob = polis_fixture
    r = from_blob(conv, blob)
    comps = np.asarray(blob["pca"]["comps"])
    signs = np.sign((comps * r.components).sum(axis=1))
    pos = dict(zip(r.in_conv_ids.tolist(), (-r.positions * signs).tolist(), strict=True))
    bc = blob["base-clusters"]
    for members, x, y in zip(bc["members"], bc["x"], bc["y"], strict=True):
        center = np.mean([pos[p] for p in members], axis=0)
        np.testing.assert_allclose(center, [x, y], atol=TOL)


def test_in_conv_and_base_clusters(polis_fixture: tuple[Conversation, dict[str, Any]]) -> None:
    conv, blob = polis_fixture
    r = from_blob(conv, blob)
    assert set(r.in_conv_ids.tolist()) == set(blob["in-conv"])
    ours = {frozenset(m) for m in r.state["base_clusters"]["members"]}
    assert ours == {frozenset(m) for m in blob["base-clusters"]["members"]}
    assert r.state["base_clusters"]["id"] == blob["base-clusters"]["id"]


def test_in_conv_from_votes_alone() -> None:
    """Without history, in-conv is every participant with >= min(7, n) votes."""
    conv, blob = load_fixture("25ptpt-3gp-no-strict-with-meta")
    r = run(conv)
    assert set(r.in_conv_ids.tolist()) == set(blob["in-conv"])
    ours = {frozenset(m) for m in r.state["base_clusters"]["members"]}
    assert ours == {frozenset(m) for m in blob["base-clusters"]["members"]}


def test_groups_k_ids_and_membership(polis_fixture: tuple[Conversation, dict[str, Any]]) -> None:
    conv, blob = polis_fixture
    r = from_blob(conv, blob)
    members_of = dict(zip(blob["base-clusters"]["id"], blob["base-clusters"]["members"], strict=True))
    expected = {g["id"]: sorted(p for b in g["members"] for p in members_of[b]) for g in blob["group-clusters"]}
    assert r.k == len(blob["group-clusters"])
    assert {g.id: sorted(g.members.tolist()) for g in r.groups} == expected
    for g in blob["group-clusters"]:
        ours = next(x for x in r.groups if x.id == g["id"])
        np.testing.assert_allclose(np.abs(ours.center), np.abs(g["center"]), atol=TOL)
    assert r.group_of == {p: gid for gid, ms in expected.items() for p in ms}


def test_group_votes(polis_fixture: tuple[Conversation, dict[str, Any]]) -> None:
    conv, blob = polis_fixture
    r = from_blob(conv, blob)
    for gid, data in blob["group-votes"].items():
        ours = r.group_votes[int(gid)]
        assert len(ours) == len(data["votes"])
        for tid, v in data["votes"].items():
            a, d, p = ours[int(tid)]
            assert (a, d, a + d + p) == (v["A"], v["D"], v["S"])


def test_repness(polis_fixture: tuple[Conversation, dict[str, Any]]) -> None:
    conv, blob = polis_fixture
    r = from_blob(conv, blob)
    assert sorted(int(g) for g in blob["repness"]) == sorted(g.id for g in r.groups)
    for gid, expected in blob["repness"].items():
        ours = next(g for g in r.groups if g.id == int(gid)).representative
        assert [x.statement_id for x in ours] == [e["tid"] for e in expected]
        for x, e in zip(ours, expected, strict=True):
            assert x.repful_for == e["repful-for"]
            assert x.n_success == e["n-success"]
            assert x.n_seen == e["n-trials"]
            assert x.best_agree == bool(e.get("best-agree", False))
            if "n-agree" in e:
                assert x.n_agree == e["n-agree"]
            np.testing.assert_allclose(
                [x.p_success, x.p_test, x.repness, x.repness_test],
                [e["p-success"], e["p-test"], e["repness"], e["repness-test"]],
                atol=TOL,
                rtol=0,
            )


def test_consensus(polis_fixture: tuple[Conversation, dict[str, Any]]) -> None:
    conv, blob = polis_fixture
    r = run(conv)  # consensus covers every participant: no history needed
    for side, ours in (("agree", r.consensus.agree_stats), ("disagree", r.consensus.disagree_stats)):
        expected = blob["consensus"][side]
        assert [c.statement_id for c in ours] == [e["tid"] for e in expected]
        for c, e in zip(ours, expected, strict=True):
            assert (c.n_success, c.n_trials) == (e["n-success"], e["n-trials"])
            np.testing.assert_allclose([c.p_success, c.p_test], [e["p-success"], e["p-test"]], atol=TOL)
    assert r.consensus.agree == [e["tid"] for e in blob["consensus"]["agree"]]


def test_group_aware_consensus(polis_fixture: tuple[Conversation, dict[str, Any]]) -> None:
    conv, blob = polis_fixture
    r = from_blob(conv, blob)
    expected = {int(t): v for t, v in blob["group-aware-consensus"].items()}
    assert set(r.group_aware_consensus) == set(expected)
    for t, v in expected.items():
        assert r.group_aware_consensus[t] == pytest.approx(v, abs=TOL)


def test_priorities(polis_fixture: tuple[Conversation, dict[str, Any]]) -> None:
    conv, blob = polis_fixture
    r = from_blob(conv, blob)
    expected = {int(t): v for t, v in blob["comment-priorities"].items()}
    assert set(expected) <= set(r.priorities)
    for t, v in expected.items():
        assert r.priorities[t] == pytest.approx(v, abs=TOL)


def test_cold_group_clustering_on_blob_base_clusters_with_default_iters(
    polis_fixture: tuple[Conversation, dict[str, Any]],
) -> None:
    """Warm-starting base k-means from the blob and iterating keeps k and the groups' sizes close."""
    conv, blob = polis_fixture
    r = run(conv, blob_state(blob))
    assert r.k == len(blob["group-clusters"])
