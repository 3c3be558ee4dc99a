"""The latest opinion map of an issue: the one accessor pages, API, sockets and services use.

One small query finds the latest tick; the stored JSON is loaded only when this app has not seen
that tick yet. The views are cached on ``app.extensions``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from flask import Flask, current_app

from app.extensions import db
from app.models import OpinionSnapshot
from app.services.opinion.payload import MapView, ViewerPayload, empty_payload, iso
from app.services.opinion.snapshots import latest_stamp
from app.services.opinion.votes import votes_of_participant

EXTENSION_KEY = "agora.opinion_maps"


class MapCache:
    """The newest view this app holds of each issue's map."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._views: dict[int, MapView] = {}

    def get(self, issue_id: int) -> MapView | None:
        with self._lock:
            return self._views.get(issue_id)

    def remember(self, view: MapView) -> None:
        """Keep a view as the latest of its issue (unless a newer one is kept)."""
        with self._lock:
            current = self._views.get(view.issue_id)
            if current is None or current.tick <= view.tick:
                self._views[view.issue_id] = view


def map_cache(app: Flask) -> MapCache:
    return app.extensions.setdefault(EXTENSION_KEY, MapCache())


def latest_map(issue_id: int) -> MapView:
    """The latest stored map of an issue (an empty tick-0 map before the first recompute)."""
    row = latest_stamp(issue_id)
    if row is None:
        return MapView(issue_id=issue_id, tick=0, payload=empty_payload(issue_id))
    cache = map_cache(current_app)
    cached = cache.get(issue_id)
    # computed_at too, not just the tick: a database that was emptied and refilled (tests, a
    # restore) reuses issue ids and ticks.
    if cached is not None and cached.tick == row.tick and cached.payload.get("computed_at") == iso(row.computed_at):
        return cached
    snapshot = db.session.get(OpinionSnapshot, row.id)
    view = MapView.from_state(snapshot.issue_id, snapshot.tick, snapshot.result, snapshot.state or {})
    cache.remember(view)
    return view


def map_for_viewer(issue_id: int, participant_id: int | None) -> ViewerPayload:
    """The latest payload with the viewer's own ``you`` part."""
    view = latest_map(issue_id)
    return view.for_viewer(participant_id, votes_of_participant(issue_id, participant_id))


def routing_priorities(issue_id: int) -> Mapping[int, float]:
    """Routing weight per statement from the latest snapshot (empty before the first one)."""
    return latest_map(issue_id).priorities
