"""What the server pushes to an issue's room: opinion maps, new statements, vote counts.

Scaling choice for the per-viewer part of ``opinion_map``: the shared payload is emitted ONCE to
the room ``issue:<id>`` (Socket.IO encodes it once for all listeners); right after it, each viewer
of this process who is a participant gets a small ``opinion_map_you`` event with their own
position, computed in memory from the fresh tick. A separate ``agora worker`` process does not know
the viewers, so its broadcasts say ``"you_follows": false`` and clients ask with ``where_am_i``.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask, current_app

from app import signals
from app.extensions import db, socketio
from app.models import Issue, Statement
from app.services.issues import counts_for
from app.services.opinion.recompute import Recomputed
from app.services.opinion.scheduler import scheduler_of
from app.services.visibility import is_visible_to_citizens

VIEWERS_KEY = "agora.viewers"


def room(issue_id: int) -> str:
    return f"issue:{issue_id}"


class Viewers:
    """Which Socket.IO clients of this process watch which issue, as which participant."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_issue: dict[int, dict[str, int | None]] = {}

    def add(self, issue_id: int, sid: str, participant_id: int | None) -> None:
        with self._lock:
            self._by_issue.setdefault(issue_id, {})[sid] = participant_id

    def remove(self, issue_id: int, sid: str) -> None:
        with self._lock:
            watching = self._by_issue.get(issue_id, {})
            watching.pop(sid, None)
            if not watching:
                self._by_issue.pop(issue_id, None)

    def remove_everywhere(self, sid: str) -> None:
        with self._lock:
            for issue_id in [i for i, watching in self._by_issue.items() if sid in watching]:
                self._by_issue[issue_id].pop(sid, None)
                if not self._by_issue[issue_id]:
                    del self._by_issue[issue_id]

    def of(self, issue_id: int) -> dict[str, int | None]:
        with self._lock:
            return dict(self._by_issue.get(issue_id, {}))


def viewers_of(app: Flask) -> Viewers:
    """The viewers of this app's sockets (kept on ``app.extensions``)."""
    return app.extensions.setdefault(VIEWERS_KEY, Viewers())


def publish_opinion_map(update: Recomputed) -> None:
    """Send a new tick to everyone on the issue: one shared emit, then each participant's place.

    Runs in the recompute worker, inside its app context.
    """
    view = update.view
    # A separate worker process has no viewers of its own: clients then ask with where_am_i.
    you_follows = current_app.config["CLUSTERING_MODE"] != "external"
    socketio.emit("opinion_map", {**view.payload, "you_follows": you_follows}, to=room(view.issue_id))
    signals.opinion_map_updated.send(current_app._get_current_object(), issue_id=view.issue_id, tick=view.tick)
    if not you_follows:
        return
    for sid, participant_id in viewers_of(current_app).of(view.issue_id).items():
        if participant_id is None:
            continue
        you = view.you(participant_id, update.votes_by_participant.get(participant_id, 0))
        socketio.emit("opinion_map_you", {"issue_id": view.issue_id, "tick": view.tick, "you": you}, to=sid)


class VoteCountsThrottle:
    """At most one ``vote_counts`` emit per issue per interval, always ending on fresh numbers.

    A background service of the web process: it pushes nothing until started, and ``stop``
    cancels the pending emits (their timers would otherwise query a database being shut down).
    """

    name = "vote-counts"

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._last: dict[int, float] = {}
        self._timers: dict[int, threading.Timer] = {}
        self._app: Flask | None = None

    def start(self, app: Flask) -> None:
        with self._lock:
            self._app = app

    def stop(self) -> None:
        with self._lock:
            self._app = None
            timers, self._timers = list(self._timers.values()), {}
        for timer in timers:
            timer.cancel()
            if timer.is_alive() and timer is not threading.current_thread():
                timer.join(timeout=5)

    def poke(self, issue_id: int) -> None:
        """Votes changed on this issue: schedule a push unless one is already pending."""
        with self._lock:
            if self._app is None or issue_id in self._timers:
                return  # not running, or the pending push reads the counts after this vote
            delay = max(0.0, self._last.get(issue_id, 0.0) + self.interval - time.monotonic())
            timer = threading.Timer(delay, self._emit, args=(self._app, issue_id))
            timer.daemon = True
            self._timers[issue_id] = timer
        timer.start()

    def _emit(self, app: Flask, issue_id: int) -> None:
        with self._lock:
            if self._timers.pop(issue_id, None) is None:
                return  # stopped meanwhile
            self._last[issue_id] = time.monotonic()
        with app.app_context():
            try:
                issue = db.session.get(Issue, issue_id)
                if issue is None:
                    return
                counts = counts_for(issue).as_dict()
            finally:
                db.session.remove()
        socketio.emit("vote_counts", {"issue_id": issue_id, **counts}, to=room(issue_id))


def statement_payload(statement: Statement) -> dict[str, Any]:
    return {
        "id": statement.id,
        "text": statement.text,
        "is_meta": statement.is_meta,
        "created_at": statement.created_at.isoformat().replace("+00:00", "Z"),
    }


# --- signal receivers (connected once; the app is the signal's sender) ------------------------


def on_vote_cast(sender: Flask, issue_id: int, changed: bool = True, **_: Any) -> None:
    scheduler = scheduler_of(sender)
    if scheduler is not None and changed:
        scheduler.mark_dirty(issue_id)
    throttle: VoteCountsThrottle | None = sender.extensions.get("agora.vote_counts")
    if throttle is not None:
        throttle.poke(issue_id)


def on_statement_added(sender: Flask, issue_id: int, statement_id: int, visible: bool, **_: Any) -> None:
    # Hidden statements (strict moderation) are not announced; acceptance announces them later.
    if visible:
        _announce_statement(issue_id, statement_id)
    throttle: VoteCountsThrottle | None = sender.extensions.get("agora.vote_counts")
    if throttle is not None:
        throttle.poke(issue_id)


def on_statement_moderated(sender: Flask, issue_id: int, statement_id: int, **_: Any) -> None:
    scheduler = scheduler_of(sender)
    if scheduler is not None:
        scheduler.mark_dirty(issue_id)  # the excluded set and the shown texts changed
    statement = db.session.get(Statement, statement_id)
    if statement is None:
        return
    if is_visible_to_citizens(statement, statement.issue):
        socketio.emit(
            "statement_added",
            {"issue_id": issue_id, "statement": statement_payload(statement)},
            to=room(issue_id),
        )
    else:
        socketio.emit(
            "statement_hidden",
            {"issue_id": issue_id, "statement_id": statement_id},
            to=room(issue_id),
        )


def _announce_statement(issue_id: int, statement_id: int) -> None:
    statement = db.session.get(Statement, statement_id)
    if statement is not None:
        socketio.emit(
            "statement_added",
            {"issue_id": issue_id, "statement": statement_payload(statement)},
            to=room(issue_id),
        )


def init_app(app: Flask) -> None:
    """Create the vote-counts throttle and connect the receivers of the write-path signals."""
    from app import background, signals

    throttle = VoteCountsThrottle(app.config.get("VOTE_COUNTS_MIN_INTERVAL", 0.5))
    app.extensions["agora.vote_counts"] = throttle
    background.register(app, throttle)  # in every mode: the web process holds the sockets
    # Module-level receivers are connected once for every app; each looks up its sender's parts.
    signals.vote_cast.connect(on_vote_cast)
    signals.statement_added.connect(on_statement_added)
    signals.statement_moderated.connect(on_statement_moderated)
