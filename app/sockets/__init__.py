"""Socket.IO: one room per issue; the live opinion map."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the socket event handlers, the recompute scheduler and the broadcasters."""
    from app.extensions import socketio
    from app.services.opinion import scheduler
    from app.sockets import broadcast, issues

    issues.register(socketio)
    scheduler.init_app(app, publish=broadcast.publish_opinion_map)
    broadcast.init_app(app)
