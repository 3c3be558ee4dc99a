"""The pol.is opinion-map pipeline: votes -> groups, repness, consensus, priorities.

One call is one pol.is "tick" (``conv-update``, polis math/src/polismath/math/
conversation.clj:134-700).  Everything pol.is carries between ticks (in-conv set,
components, base clusters, group clusterings, k smoother) travels in
``OpinionMap.state``, a JSON-serialisable dict; pass it back as ``previous_state``.

Deliberate differences from pol.is (see also clustering/README.md):

* PCA is exact (LAPACK or Lanczos, to machine precision) instead of 100 power iterations;
  pol.is's stochastic mini-batch path for conversations over 10,000 participants is not used;
* k-means iterates to a fixed point (pol.is stops when centres move < 0.01);
* group ids are matched to the previous run by overlap (pol.is: k-means ids);
* priorities use this run's group tallies (pol.is: the previous tick's) and also cover
  statements nobody voted on yet (pol.is leaves them out; the server then weighs 1);
* the caps of 100,000 participants / 10,000 statements (pol.is "customs") are not applied.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ParamSpec

import numpy as np

from ._cluster import BASE_ITERS, BASE_K, GROUP_ITERS
from ._matrix import build_vote_matrix
from ._reduce import fit_pca, project_participants
from ._tick import STATE_VERSION, _ids, computing, finish_tick, previous_components
from ._types import IntArray, OpinionMap, VoteTable

__all__ = ["STATE_VERSION", "compute_opinion_map"]


def _previous(previous_state: Mapping[str, Any] | None) -> dict[str, Any]:
    if not previous_state or previous_state.get("version") != STATE_VERSION:
        return {}
    return dict(previous_state)


P = ParamSpec("P")


def _single_threaded_when_small(fn: Callable[P, OpinionMap]) -> Callable[P, OpinionMap]:
    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> OpinionMap:
        votes = args[0] if args else kwargs["votes"]
        with computing(len(votes)):  # type: ignore[arg-type]
            return fn(*args, **kwargs)

    return run


@_single_threaded_when_small
def compute_opinion_map(
    votes: VoteTable,
    statement_ids: Iterable[int] | IntArray | None = None,
    excluded_statement_ids: Iterable[int] | IntArray = (),
    previous_state: Mapping[str, Any] | None = None,
    max_groups: int = 5,
    random_state: int | None = 0,
    *,
    meta_statement_ids: Iterable[int] | IntArray = (),
    base_k: int = BASE_K,
    base_iters: int = BASE_ITERS,
    group_iters: int = GROUP_ITERS,
) -> OpinionMap:
    """Compute the opinion map of a conversation, pol.is style.

    Parameters
    ----------
    votes : VoteTable
        Vote events (agree = +1, disagree = -1, pass = 0), in any order.
    statement_ids : array-like of int, optional
        Every statement of the conversation, including those nobody voted on (they only
        get a priority).  Statements that have votes are always included.
    excluded_statement_ids : array-like of int
        Moderated-out and meta statements: zeroed in the matrix, never representative or
        consensus.
    previous_state : dict, optional
        ``state`` of an earlier result (JSON round-trip is fine) to warm-start from.
    max_groups : int
        pol.is max-k (at most this many groups).
    random_state : int, optional
        Passed to scikit-learn's estimators (the result is deterministic: the k-means
        starts are pol.is's and the Lanczos iteration runs to machine precision).
    meta_statement_ids : array-like of int
        Meta statements (also excluded); they get pol.is's fixed priority 49.
    base_k, base_iters, group_iters : int
        pol.is's base-cluster count and k-means iteration caps.

    Returns
    -------
    OpinionMap
    """
    prev = _previous(previous_state)
    meta = _ids(meta_statement_ids)
    excluded = np.union1d(_ids(excluded_statement_ids), meta)
    matrix = build_vote_matrix(votes, excluded)
    all_statements = np.union1d(_ids(statement_ids), matrix.statement_ids)
    pca, centred = fit_pca(matrix, previous_components(prev), random_state)
    proj = project_participants(matrix, pca, centred)
    return finish_tick(
        matrix, pca, proj, all_statements, meta, prev, max_groups, random_state, base_k, base_iters, group_iters
    )
