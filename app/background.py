"""Background services of the web process (embedded default): started by `agora serve`.

Each service (the opinion-map recompute loop, the email outbox sender, ...) registers itself
here during app set-up. In the scale-out setup the same services run in their own processes
(`agora worker`) instead, and the web process starts none of them.
"""

from __future__ import annotations

import threading
from typing import Protocol

from flask import Flask

_KEY = "agora.background"


class BackgroundService(Protocol):
    name: str

    def start(self, app: Flask) -> None:
        """Begin working in a daemon thread or Socket.IO background task; return at once."""

    def stop(self) -> None:
        """Ask the work to finish and wait briefly for it."""


def register(app: Flask, service: BackgroundService) -> None:
    app.extensions.setdefault(_KEY, []).append(service)


def services(app: Flask) -> list[BackgroundService]:
    return list(app.extensions.get(_KEY, []))


def start(app: Flask) -> None:
    """Start every registered service, unless BACKGROUND_WORKERS is off; the senders only while
    BACKGROUND_SENDERS is on (else their own processes send, and each web process would only
    compete with them for the same rows)."""
    if not app.config.get("BACKGROUND_WORKERS", True):
        return
    senders = app.config.get("BACKGROUND_SENDERS", True)
    for service in services(app):
        if senders or not getattr(service, "sender", False):
            service.start(app)


def stop(app: Flask) -> None:
    for service in services(app):
        service.stop()


class ThreadService:
    """A background service whose work is a loop in one daemon thread: subclasses write ``_run``.

    ``_run(app)`` loops until ``self._stop`` is set, waiting on it between rounds so that
    ``stop`` ends the wait at once.
    """

    name = "background-service"
    #: True for a service that sends queued emails or webhook deliveries: work that
    #: `agora send-mail --loop` and `agora send-webhooks --loop` can do in processes of their own.
    sender = False

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, app: Flask) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(app,), name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self, app: Flask) -> None:
        raise NotImplementedError
