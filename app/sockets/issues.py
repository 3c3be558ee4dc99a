"""Socket.IO handlers: watch an issue's opinion map live.

Client -> server: ``join_issue``, ``leave_issue``, ``where_am_i``, each ``{"issue_id"}``.
Server -> client: ``opinion_map``, ``opinion_map_you``, ``statement_added``, ``statement_hidden``,
``vote_counts`` (see app/sockets/broadcast.py). Handlers answer with an acknowledgement:
``{"ok": true, ...}`` or ``{"error": {"code", "message"}}``, like the JSON API.

The participant is the one in the Flask session cookie sent with the websocket handshake.
Handlers only read: clustering runs in the recompute worker, never here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_babel import gettext as _
from flask_socketio import SocketIO, emit, join_room, leave_room
from sqlalchemy import exists, select

from app.exceptions import AgoraError
from app.extensions import db
from app.models import Issue, Vote
from app.security import sockets as socket_limits
from app.security.ids import parse_id
from app.services.issues import counts_for, may_see
from app.services.opinion.latest_map import latest_map
from app.services.opinion.scheduler import scheduler_of
from app.services.opinion.votes import votes_of_participant
from app.services.participants import current_participant_id
from app.services.participation.visibility import check_map_visible
from app.sockets.broadcast import room, viewers_of


def acknowledged(handler: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Turn an AgoraError into the acknowledgement ``{"error": {...}}``."""

    @functools.wraps(handler)
    def wrapper(*args: Any) -> dict[str, Any]:
        try:
            return handler(*args)
        except AgoraError as error:
            db.session.rollback()
            return {"error": {"code": error.code, "message": error.message}}

    return wrapper


def _issue_id_from(data: Any) -> int:
    issue_id = parse_id(data.get("issue_id") if isinstance(data, dict) else None)
    if issue_id is None:
        raise AgoraError("issue_invalid", _("Say which issue to follow."), 400)
    return issue_id


def _issue_not_found() -> AgoraError:
    return AgoraError("issue_not_found", _("We could not find that issue."), 404)


def _issue_from(data: Any) -> Issue:
    issue = db.session.get(Issue, _issue_id_from(data))
    if not may_see(issue):  # no such issue, or a draft: no room for the public
        raise _issue_not_found()
    return issue


def _shared_join_part(issue_id: int) -> dict[str, Any] | None:
    """What every joiner of the issue gets alike (None: no such issue), cached for a moment."""

    def compute() -> dict[str, Any] | None:
        issue = db.session.get(Issue, issue_id)
        if issue is None:
            return None
        return {
            "counts": {"issue_id": issue.id, **counts_for(issue).as_dict()},
            "has_votes": bool(db.session.scalar(select(exists().where(Vote.issue_id == issue.id)))),
        }

    return socket_limits.join_cache_of(current_app).get_or_set(issue_id, compute)


@socket_limits.throttled
@acknowledged
def join_issue(data: Any = None) -> dict[str, Any]:
    """Follow an issue: join its room and get its latest map at once."""
    issue = _issue_from(data)
    check_map_visible(issue)
    issue_id = issue.id
    shared = _shared_join_part(issue_id)
    if shared is None:
        raise _issue_not_found()
    participant_id = current_participant_id()
    try:
        join_room(room(issue_id))
    except (KeyError, ValueError) as gone:
        # python-socketio's answer for a sid that is no longer connected: handlers run in threads
        # of their own, and a page that navigated away may hang up before this one runs.
        raise AgoraError(
            "disconnected", _("The connection was closed. Reload the page to follow the issue."), 410
        ) from gone
    viewers_of(current_app).add(issue_id, request.sid, participant_id)
    view = latest_map(issue_id)
    if view.tick == 0 and shared["has_votes"]:
        # Votes but no map yet (e.g. just imported): the worker computes it; we never do here.
        scheduler = scheduler_of(current_app._get_current_object())
        if scheduler is not None:
            scheduler.mark_dirty(issue_id)
    emit(
        "opinion_map",
        view.for_viewer(participant_id, votes_of_participant(issue_id, participant_id)),
    )
    # The totals too: a viewer who was disconnected (or reconnected to be placed on the map)
    # may have missed the room's last `vote_counts`.
    emit("vote_counts", shared["counts"])
    return {
        "ok": True,
        "issue_id": issue_id,
        "tick": view.tick,
        "participant": participant_id is not None,
    }


@socket_limits.throttled
@acknowledged
def leave_issue(data: Any = None) -> dict[str, Any]:
    """Stop following an issue."""
    issue = _issue_from(data)
    leave_room(room(issue.id))
    viewers_of(current_app).remove(issue.id, request.sid)
    return {"ok": True, "issue_id": issue.id}


@socket_limits.throttled
@acknowledged
def where_am_i(data: Any = None) -> dict[str, Any]:
    """This viewer's place on the latest map (for broadcasts that carried no per-viewer part)."""
    issue_id = _issue_id_from(data)
    if _shared_join_part(issue_id) is None:
        raise _issue_not_found()
    participant_id = current_participant_id()
    view = latest_map(issue_id)
    return {
        "ok": True,
        "issue_id": issue_id,
        "tick": view.tick,
        "you": view.you(participant_id, votes_of_participant(issue_id, participant_id)),
    }


def connect(auth: Any = None) -> None:
    socket_limits.on_connect(auth)


def disconnect(reason: Any = None) -> None:
    socket_limits.on_disconnect()
    viewers_of(current_app).remove_everywhere(request.sid)


def register(socketio: SocketIO) -> None:
    """Attach the handlers to the app's Socket.IO server (a new server per app, e.g. in tests)."""
    socketio.on_event("connect", connect)
    socketio.on_event("join_issue", join_issue)
    socketio.on_event("leave_issue", leave_issue)
    socketio.on_event("where_am_i", where_am_i)
    socketio.on_event("disconnect", disconnect)
