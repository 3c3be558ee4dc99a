"""The background service that drains the email outbox (see app.background)."""

from __future__ import annotations

import threading

from flask import Flask

from app.extensions import db
from app.services.accountability.outbox import send_due


class OutboxSender:
    """Polls the outbox every ``MAIL_POLL_INTERVAL`` seconds in a daemon thread."""

    name = "outbox-sender"

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
        interval = float(app.config.get("MAIL_POLL_INTERVAL", 2.0))
        while not self._stop.is_set():
            with app.app_context():
                try:
                    send_due()
                except Exception:  # a database hiccup must not end the loop; the next tick retries
                    app.logger.exception("The outbox sender failed; retrying")
                    db.session.rollback()
                finally:
                    db.session.remove()
            self._stop.wait(interval)
