"""The server behind `agora serve`: gunicorn, one process, a thread per open connection.

Why gunicorn's threaded worker rather than Werkzeug's development server: Werkzeug ends every
connection after one response and starts a thread for each, so a citizen voting every few seconds
would pay for a new TCP connection and a new thread on every vote.

Why threads: Flask-SocketIO runs in its threading mode, where an open websocket keeps one thread
for as long as it is open; ``threads`` is therefore the most connections (viewers plus requests in
progress) one process serves at once. Idle keep-alive connections wait in gunicorn's selector and
hold no thread.

Why one process: in the embedded default the Socket.IO rooms, the recompute scheduler's dirty
marks and the viewer index live in this process. Several web processes are the scale-out setup:
a Redis message queue, ``CLUSTERING_MODE=external`` and sticky sessions (docker-compose.yml).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from app import background
from app.extensions import db

#: Connections beyond the threads that may wait in keep-alive (they hold no thread meanwhile).
IDLE_CONNECTIONS = 1000


class WebServer(BaseApplication):
    """gunicorn serving one Flask app created by the caller, with its background services."""

    def __init__(self, app: Flask, host: str, port: int, threads: int) -> None:
        self.flask_app = app
        self.options: dict[str, Any] = {
            "bind": f"{host}:{port}",
            "workers": 1,
            "worker_class": "gthread",
            "threads": threads,
            "worker_connections": threads + IDLE_CONNECTIONS,
            # A browser votes every few seconds: keep its connection for the next vote.
            "keepalive": 15,
            # Open websockets would otherwise hold a restart for the default 30 s.
            "graceful_timeout": 5,
            "control_socket_disable": True,
            "post_worker_init": _start_background,
            "worker_exit": _stop_background,
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.flask_app


def _start_background(worker: Any) -> None:
    app: Flask = worker.wsgi
    with app.app_context():
        # Connections opened before the fork belong to the parent process: never share them.
        db.engine.dispose(close=False)
    background.start(app)


def _stop_background(server: Any, worker: Any) -> None:
    background.stop(worker.wsgi)
