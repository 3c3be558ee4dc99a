"""Pol.is-faithful opinion math as a pure library (numpy, scipy, scikit-learn only).

>>> from clustering import compute_opinion_map, VoteTable
>>> result = compute_opinion_map(votes, statement_ids)          # doctest: +SKIP
>>> result = compute_opinion_map(new_votes, statement_ids,
...                              previous_state=result.state)   # warm start  # doctest: +SKIP

``LiveOpinionMap`` keeps a conversation's map in memory between live ticks and updates it
from the new votes only (same result as the warm-started call above, much faster on large
conversations).  ``replay_conversation`` re-runs a conversation chronologically (one warm-started
tick per batch of votes), as pol.is computed it.  See ``clustering/README.md`` for the
method, the sign convention and stable group ids.
"""

from __future__ import annotations

from ._matrix import MIN_VOTES, votes_needed
from ._stats import META_STATEMENT_PRIORITY, NEW_STATEMENT_PRIORITY
from ._types import (
    Consensus,
    ConsensusStatement,
    Group,
    OpinionMap,
    Repness,
    VoteTable,
)
from .decomposition import PolisPCA
from .history import opinion_map_with_history
from .kmeans import PolisKMeans
from .live import LiveOpinionMap
from .pipeline import compute_opinion_map
from .replay import replay_conversation

__all__ = [
    "META_STATEMENT_PRIORITY",
    "MIN_VOTES",
    "NEW_STATEMENT_PRIORITY",
    "Consensus",
    "ConsensusStatement",
    "Group",
    "LiveOpinionMap",
    "OpinionMap",
    "PolisKMeans",
    "PolisPCA",
    "Repness",
    "VoteTable",
    "compute_opinion_map",
    "opinion_map_with_history",
    "replay_conversation",
    "votes_needed",
]
