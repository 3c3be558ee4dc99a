"""The opinion-map payload is built from a clustering result alone: no app, no database."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from app.services.opinion.payload import MapView, Statements, build_payload, empty_payload, overall_counts
from clustering import VoteTable, compute_opinion_map, votes_needed


def two_blocs() -> VoteTable:
    """Participants 0-9 agree with statements 0-3 and reject 4-7; 10-19 the opposite; all agree on 8 and 9."""
    rows = [(p, s, 1 if s >= 8 or (s < 4) == (p < 10) else -1) for p in range(20) for s in range(10)]
    table = np.array(rows)
    return VoteTable(table[:, 0], table[:, 1], table[:, 2])


def test_the_payload_of_two_blocs():
    votes = two_blocs()
    ids = np.arange(10)
    statements = Statements(
        ids=ids,
        rejected=np.array([], dtype=np.int64),
        meta=np.array([], dtype=np.int64),
        texts={i: f"Statement {i}" for i in range(10) if i != 9},  # 9 is hidden from citizens
    )
    result = compute_opinion_map(votes, ids)
    at = datetime(2026, 1, 1, 12, tzinfo=UTC)

    payload = build_payload(7, 3, at, 99, result, statements, overall_counts(result))

    assert set(payload) == set(empty_payload(7))
    assert (payload["issue_id"], payload["tick"], payload["computed_at"], payload["watermark"]) == (
        7,
        3,
        "2026-01-01T12:00:00Z",
        99,
    )
    assert payload["k"] == 2 and sorted(group["size"] for group in payload["groups"]) == [10, 10]
    assert payload["participants"] == {"voted": 20, "on_map": 20}
    agreed = [item["statement_id"] for item in payload["majority"]["agree"]]
    assert 8 in agreed and 9 not in agreed  # a hidden text is never sent
    assert payload["majority"]["agree"][0]["agree"] == 1.0
    assert len(payload["positions"]["points"]) == 20


def test_a_viewer_is_placed_after_7_votes_or_a_vote_on_every_statement():
    view = MapView(1, 1, empty_payload(1), votes_needed=votes_needed(3))
    assert view.you(5, 2) == {"on_map": False, "reason": "fewer_than_7_votes", "votes": 2, "needed": 3}
    assert view.you(5, 3)["reason"] == "not_yet_computed"
    assert MapView(1, 0, empty_payload(1)).you(None, 0)["needed"] == 7
