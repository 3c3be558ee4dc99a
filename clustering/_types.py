"""Typed containers for the opinion-map pipeline.

All results are plain dataclasses holding numpy arrays or Python scalars, so that the
web app can serialise them without knowing numpy (see :meth:`OpinionMap.to_dict`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

import numpy as np
from numpy.typing import NDArray

Array1D: TypeAlias = NDArray[np.float64]
Array2D: TypeAlias = NDArray[np.float64]
IntArray: TypeAlias = NDArray[np.int64]
RepfulFor: TypeAlias = Literal["agree", "disagree"]
State: TypeAlias = dict[str, Any]


@dataclass(frozen=True)
class VoteTable:
    """Vote events of one conversation, one row per event.

    Parameters
    ----------
    participant_ids : ndarray of int64, shape (n_rows,)
        Who voted.
    statement_ids : ndarray of int64, shape (n_rows,)
        On which statement.
    values : ndarray of int8, shape (n_rows,)
        ``+1`` agree, ``-1`` disagree, ``0`` pass (the pol.is *export* encoding).
    timestamps : ndarray of float64, shape (n_rows,), optional
        When.  The latest vote per (participant, statement) wins; on equal or absent
        timestamps the later row wins.
    """

    participant_ids: IntArray
    statement_ids: IntArray
    values: NDArray[np.int8]
    timestamps: Array1D | None = None

    def __post_init__(self) -> None:
        pids = np.asarray(self.participant_ids, dtype=np.int64).reshape(-1)
        sids = np.asarray(self.statement_ids, dtype=np.int64).reshape(-1)
        vals = np.sign(np.asarray(self.values).reshape(-1)).astype(np.int8)
        if not (len(pids) == len(sids) == len(vals)):
            raise ValueError("participant_ids, statement_ids and values differ in length")
        object.__setattr__(self, "participant_ids", pids)
        object.__setattr__(self, "statement_ids", sids)
        object.__setattr__(self, "values", vals)
        if self.timestamps is not None:
            ts = np.asarray(self.timestamps, dtype=np.float64).reshape(-1)
            if len(ts) != len(pids):
                raise ValueError("timestamps differ in length from the votes")
            object.__setattr__(self, "timestamps", ts)

    def __len__(self) -> int:
        return len(self.participant_ids)


@dataclass(frozen=True)
class Repness:
    """Representativeness of one statement for one group (pol.is ``repness``).

    ``p_success``/``p_test`` are the in-group probability and its one-proportion z;
    ``repness``/``repness_test`` the ratio to the other groups and the two-proportion z
    (``repness_test`` is rounded to float32, as pol.is does).  ``n_agree``,
    ``n_disagree`` and ``n_seen`` are the group's counts on the statement.
    """

    statement_id: int
    repful_for: RepfulFor
    p_success: float
    p_test: float
    repness: float
    repness_test: float
    n_agree: int
    n_disagree: int
    n_seen: int
    n_success: int = 0
    best_agree: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the ``--json`` representation."""
        return {
            "statement_id": self.statement_id,
            "repful_for": self.repful_for,
            "p_success": self.p_success,
            "p_test": self.p_test,
            "repness": self.repness,
            "repness_test": self.repness_test,
        }


@dataclass(frozen=True)
class Group:
    """One opinion group.

    Attributes
    ----------
    id : int
        Stable group id (kept across runs while membership mostly persists).
    members : ndarray of int64
        Participant ids, sorted.
    center : tuple of float
        Mean (x, y) of the members' positions.
    representative : list of Repness
        Up to five representative statements, agrees first.
    """

    id: int
    members: IntArray
    center: tuple[float, float]
    representative: list[Repness]


@dataclass(frozen=True)
class ConsensusStatement:
    """One statement of the pol.is "majority" list."""

    statement_id: int
    n_success: int
    n_trials: int
    p_success: float
    p_test: float


@dataclass(frozen=True)
class Consensus:
    """Statements most participants agree (or disagree) with, pol.is ``consensus``."""

    agree: list[int] = field(default_factory=list)
    disagree: list[int] = field(default_factory=list)
    agree_stats: list[ConsensusStatement] = field(default_factory=list)
    disagree_stats: list[ConsensusStatement] = field(default_factory=list)


@dataclass(frozen=True)
class OpinionMap:
    """The result of :func:`clustering.compute_opinion_map`.

    Attributes
    ----------
    k : int
        Number of groups (0 when there is nothing to cluster).
    participant_ids : ndarray of int64
        Every participant with at least one vote, sorted.
    in_conv_ids : ndarray of int64
        Participants placed on the map (pol.is ``in-conv``), sorted.
    positions : ndarray of float64, shape (len(in_conv_ids), 2)
        Projection of each in-conv participant, same order as ``in_conv_ids``.
    group_of : dict of int to int
        In-conv participant id -> group id.
    groups : list of Group
        Sorted by id.
    group_votes : dict
        Group id -> statement id -> (agree, disagree, pass) among the group's members.
    consensus : Consensus
    group_aware_consensus : dict of int to float
    priorities : dict of int to float
        Statement id -> pol.is comment priority (routing weight).
    statement_ids : ndarray of int64
        Statements with at least one vote (the matrix columns), sorted.
    statement_projections : ndarray of float64, shape (len(statement_ids), 2)
    statement_extremity : ndarray of float64, shape (len(statement_ids),)
    center : ndarray of float64
        Column means of the vote matrix (agree = +1).
    components : ndarray of float64, shape (2, len(statement_ids))
        Principal axes, with the sign convention of :mod:`clustering._reduce`.
    state : dict
        JSON-serialisable state to pass back as ``previous_state``.
    user_vote_counts : ndarray of int64, shape (len(participant_ids),)
        Votes of each participant, passes and votes on excluded statements included (pol.is
        ``user-vote-counts``).
    statement_votes : ndarray of int64, shape (len(statement_ids), 3)
        Agree, disagree and pass counts of each statement over every participant.
    """

    k: int
    participant_ids: IntArray
    in_conv_ids: IntArray
    positions: Array2D
    group_of: dict[int, int]
    groups: list[Group]
    group_votes: dict[int, dict[int, tuple[int, int, int]]]
    consensus: Consensus
    group_aware_consensus: dict[int, float]
    priorities: dict[int, float]
    statement_ids: IntArray
    statement_projections: Array2D
    statement_extremity: Array1D
    center: Array1D
    components: Array2D
    state: State
    user_vote_counts: IntArray
    statement_votes: IntArray

    def to_dict(self) -> dict[str, Any]:
        """Return the ``python -m clustering --json`` shape (without ``seconds``)."""
        return {
            "participants": int(len(self.participant_ids)),
            "in_conv": int(len(self.in_conv_ids)),
            "k": int(self.k),
            "groups": [
                {
                    "id": int(g.id),
                    "members": [int(p) for p in g.members],
                    "representative": [r.to_dict() for r in g.representative],
                }
                for g in self.groups
            ],
            "consensus": {
                "agree": [int(t) for t in self.consensus.agree],
                "disagree": [int(t) for t in self.consensus.disagree],
            },
            "group_aware_consensus": {str(t): float(v) for t, v in self.group_aware_consensus.items()},
            "priorities": {str(t): float(v) for t, v in self.priorities.items()},
        }
