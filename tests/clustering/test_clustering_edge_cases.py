"""Degenerate conversations give a valid, finite result and never raise."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from clustering import OpinionMap, VoteTable, compute_opinion_map


def votes(rows: list[tuple[int, int, int]]) -> VoteTable:
    arr = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return VoteTable(arr[:, 0], arr[:, 1], arr[:, 2].astype(np.int8))


def assert_valid(r: OpinionMap) -> None:
    payload = r.to_dict()
    text = json.dumps(payload, allow_nan=False)
    json.dumps(r.state, allow_nan=False)
    assert "NaN" not in text
    for x in (r.positions, r.statement_projections, r.statement_extremity, r.center, r.components):
        assert np.isfinite(x).all()
    for d in (r.priorities, r.group_aware_consensus):
        assert all(math.isfinite(v) for v in d.values())
    assert r.positions.shape == (len(r.in_conv_ids), 2)
    assert r.k == len(r.groups)
    assert r.user_vote_counts.shape == r.participant_ids.shape
    assert r.statement_votes.shape == (len(r.statement_ids), 3)
    assert set(r.group_of) <= set(r.in_conv_ids.tolist())
    again = compute_opinion_map(
        VoteTable(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int8)),
        previous_state=json.loads(json.dumps(r.state)),
    )
    assert again.k == 0


CASES: dict[str, tuple[list[tuple[int, int, int]], list[int], list[int]]] = {
    "no votes": ([], [1, 2, 3], []),
    "one participant": ([(1, s, 1) for s in range(10)], list(range(10)), []),
    "one statement": ([(p, 0, (-1) ** p) for p in range(30)], [0], []),
    "all passes": ([(p, s, 0) for p in range(20) for s in range(8)], list(range(8)), []),
    "identical participants": ([(p, s, 1 if s % 2 else -1) for p in range(20) for s in range(8)], list(range(8)), []),
    "two distinct participants": (
        [(p, s, 1 if (p % 2 == 0) == (s % 2 == 0) else -1) for p in range(20) for s in range(8)],
        list(range(8)),
        [],
    ),
    "all moderated out": (
        [(p, s, (-1) ** (p + s)) for p in range(20) for s in range(8)],
        list(range(8)),
        list(range(8)),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_edge_case(name: str) -> None:
    rows, statements, excluded = CASES[name]
    r = compute_opinion_map(votes(rows), np.array(statements), excluded_statement_ids=excluded)
    assert_valid(r)
    expected_k: dict[str, Any] = {
        "no votes": 0,
        "one participant": 0,
        "one statement": 2,
        "all passes": 0,
        "identical participants": 0,
        "two distinct participants": 2,
        "all moderated out": 0,
    }
    assert r.k == expected_k[name]
    if name == "no votes":
        assert len(r.participant_ids) == 0 and r.groups == []
        assert set(r.priorities) == {1, 2, 3}
    if name == "all moderated out":
        assert r.consensus.agree == [] and r.consensus.disagree == []
        assert all(g.representative == [] for g in r.groups)


def test_fewer_distinct_participants_than_k() -> None:
    """Three opinion profiles, max_groups 5: at most three groups."""
    rows = [(p, s, [1, -1, 0][p % 3] * (1 if s % 2 else -1) or 1) for p in range(30) for s in range(10)]
    r = compute_opinion_map(votes(rows), np.arange(10), max_groups=5)
    assert_valid(r)
    assert 2 <= r.k <= 3


def test_votes_on_unlisted_statements_still_count() -> None:
    r = compute_opinion_map(votes([(p, 5, 1) for p in range(3)]), np.array([1]))
    assert r.statement_ids.tolist() == [5]
    assert set(r.priorities) == {1, 5}


def test_vote_counts_per_participant_and_statement() -> None:
    """Last vote per cell, passes and votes on excluded statements counted, everyone (grouped
    or not): what pol.is calls user-vote-counts, and the overall tallies."""
    rng = np.random.default_rng(3)
    rows = [
        (int(p), int(s), int(v))
        for p, s, v in zip(rng.integers(0, 40, 900), rng.integers(0, 12, 900), rng.integers(-1, 2, 900), strict=True)
    ]
    table = votes(rows)
    r = compute_opinion_map(table, np.arange(12), excluded_statement_ids=[3], meta_statement_ids=[4])
    final = {(p, s): v for p, s, v in rows}  # the last vote of a cell wins
    per_participant = {p: sum(1 for q, _ in final if q == p) for p, _ in final}
    assert dict(zip(r.participant_ids.tolist(), r.user_vote_counts.tolist(), strict=True)) == per_participant
    tallies = {
        s: tuple(sum(1 for (_, t), v in final.items() if t == s and v == want) for want in (1, -1, 0)) for _, s in final
    }
    assert dict(zip(r.statement_ids.tolist(), map(tuple, r.statement_votes.tolist()), strict=True)) == tallies
    assert {3, 4} <= set(r.statement_ids.tolist())
