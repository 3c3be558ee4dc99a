"""Opinion maps kept in memory between recomputes, by the process that runs them.

A recompute warm-starts from the latest stored tick. ``compute_opinion_map`` would rebuild
that tick's matrix and PCA from every vote; a ``clustering.LiveOpinionMap`` kept from the
previous recompute needs only the votes since (the vote events ``IssueVotes`` applied), which
is what makes a live tick on a conversation of millions of votes cost milliseconds. Results
are the same (clustering/README.md, "Live ticks"); the stored state stays the reference.

The kept map is used only while it is exactly the stored tick's continuation: it produced
the issue's latest snapshot (same tick and time), it is given every vote changed since (the
vote events applied, or what a timed full reload of the votes found different) and the same
participants are set aside. Anything else (another worker stored a tick, a restart, votes
moved or gone, an error) builds a new one from every vote and the stored state. Kept on
``app.extensions`` of the process that recomputes: the recompute child in the embedded
default, ``agora worker`` in the scale-out setup; for the
``CLUSTERING_LIVE_MAPS`` most recently recomputed issues only (a map of two million votes holds
tens of MB, and a platform has many issues of which few are live at once): an issue recomputed
again after its map was dropped builds a new one, as after a restart.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask, current_app

from app.models import OpinionSnapshot
from app.services.opinion.payload import Statements
from app.services.opinion.votes import without_participants
from clustering import LiveOpinionMap, OpinionMap, VoteTable

EXTENSION_KEY = "agora.live_maps"


@dataclass
class _Kept:
    live: LiveOpinionMap
    set_aside: frozenset[int]
    stored: tuple[int, datetime] | None = None  # (tick, computed_at) once its result is stored


@dataclass
class _LiveMaps:
    lock: threading.Lock = field(default_factory=threading.Lock)
    by_issue: OrderedDict[int, _Kept] = field(default_factory=OrderedDict)  # least recently recomputed first


def _maps(app: Flask) -> _LiveMaps:
    return app.extensions.setdefault(EXTENSION_KEY, _LiveMaps())


def next_opinion_map(
    issue_id: int,
    previous: OpinionSnapshot | None,
    votes: VoteTable,
    changes: VoteTable | None,
    set_aside: set[int],
    statements: Statements,
    max_groups: int,
) -> OpinionMap:
    """The next tick's map: from the kept map and ``changes`` when it continues ``previous``,
    else from every vote (``votes``, set-aside participants already left out) and the stored state.

    ``changes`` are the votes changed since the previous call (None when that is unknown:
    see :func:`~app.services.opinion.votes.load_votes_and_changes`).
    """
    maps = _maps(current_app)
    with maps.lock:
        kept = maps.by_issue.pop(issue_id, None)  # put back only once this tick succeeded
    aside = frozenset(set_aside)
    if (
        kept is not None
        and changes is not None
        and previous is not None
        and kept.stored == (previous.tick, previous.computed_at)
        and kept.set_aside == aside
    ):
        live = kept.live
        live.update(
            without_participants(changes, set_aside),
            statements.ids,
            excluded_statement_ids=statements.rejected,
            meta_statement_ids=statements.meta,
        )
    else:
        state: dict[str, Any] | None = (previous.state or {}).get("clustering") if previous is not None else None
        live = LiveOpinionMap(
            votes,
            statements.ids,
            excluded_statement_ids=statements.rejected,
            meta_statement_ids=statements.meta,
            previous_state=state,
            max_groups=max_groups,
        )
    with maps.lock:
        maps.by_issue[issue_id] = _Kept(live, aside)  # popped above: it goes in last
        while len(maps.by_issue) > max(current_app.config.get("CLUSTERING_LIVE_MAPS", 16), 1):
            maps.by_issue.popitem(last=False)
    return live.result


def kept_issues() -> list[int]:
    """The issues whose live map is kept, least recently recomputed first."""
    maps = _maps(current_app)
    with maps.lock:
        return list(maps.by_issue)


def stored(issue_id: int, tick: int, computed_at: datetime, result: OpinionMap) -> None:
    """``result`` (from :func:`next_opinion_map`) was stored as this tick."""
    maps = _maps(current_app)
    with maps.lock:
        kept = maps.by_issue.get(issue_id)
        if kept is not None and kept.live.result is result:
            kept.stored = (tick, computed_at)


def forget(issue_id: int) -> None:
    """Drop the kept map (its result was not stored)."""
    maps = _maps(current_app)
    with maps.lock:
        maps.by_issue.pop(issue_id, None)
