"""Group ids follow membership across runs (pol.is lacks this)."""

from __future__ import annotations

import json

import numpy as np

from clustering import VoteTable, compute_opinion_map
from clustering._cluster import match_group_ids
from clustering.cli import load
from tests.support.polis_data import OPENDATA, load_fixture


def test_match_group_ids_follows_overlap() -> None:
    new = np.array([0, 0, 0, 1, 1, 1, 2, 2])
    prev = np.array([1, 1, 0, 0, 0, 0, -1, -1])  # index into previous ids [7, 3]
    ids = match_group_ids(new, np.array([0, 1, 2]), prev, np.array([7, 3]))
    assert ids.tolist() == [3, 7, 0]


def test_cold_start_keeps_kmeans_ids() -> None:
    ids = match_group_ids(np.array([0, 1]), np.array([4, 9]), None, None)
    assert ids.tolist() == [4, 9]


def test_previous_ids_are_kept_when_members_persist() -> None:
    conv, _ = load_fixture("150ptpt-3gp-no-strict-no-meta")
    a = compute_opinion_map(conv.votes, conv.statement_ids, conv.excluded)
    state = json.loads(json.dumps(a.state))
    ids = state["groups"]["id"]
    state["groups"]["id"] = [ids[-1], *ids[:-1]]  # rotate the ids of the previous run
    b = compute_opinion_map(conv.votes, conv.statement_ids, conv.excluded, previous_state=state)
    renamed = dict(zip(ids, state["groups"]["id"], strict=True))
    assert {renamed[g.id]: g.members.tolist() for g in a.groups} == {g.id: g.members.tolist() for g in b.groups}


def test_ids_stable_while_a_conversation_grows() -> None:
    conv = load(OPENDATA / "vtaiwan.uberx")
    v = conv.votes
    order = np.argsort(v.timestamps, kind="stable")
    state = None
    previous: dict[int, set[int]] = {}
    for cut in np.linspace(len(order) * 0.5, len(order), 6).astype(int):
        idx = order[:cut]
        r = compute_opinion_map(
            VoteTable(v.participant_ids[idx], v.statement_ids[idx], v.values[idx], v.timestamps[idx]),
            conv.statement_ids,
            conv.excluded,
            previous_state=state,
        )
        current = {g.id: set(g.members.tolist()) for g in r.groups}
        for gid, members in current.items():
            if gid in previous:
                old = members & set().union(*previous.values())
                assert len(members & previous[gid]) * 2 >= len(old)
        previous, state = current, r.state
