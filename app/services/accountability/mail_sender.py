"""The background service that drains the email outbox (see app.background)."""

from __future__ import annotations

import time

from flask import Flask

from app.background import ThreadService
from app.extensions import db
from app.services.accountability.outbox import send_due
from app.services.privacy import purge_expired_follows

PURGE_INTERVAL = 600.0  # seconds


class OutboxSender(ThreadService):
    """Polls the outbox every ``MAIL_POLL_INTERVAL`` seconds in a daemon thread."""

    name = "outbox-sender"
    sender = True

    def _run(self, app: Flask) -> None:
        interval = float(app.config.get("MAIL_POLL_INTERVAL", 2.0))
        purged_at = 0.0
        while not self._stop.is_set():
            with app.app_context():
                try:
                    send_due()
                    if time.monotonic() - purged_at > PURGE_INTERVAL:
                        # Unconfirmed follows whose link expired: addresses nobody confirmed are not kept.
                        purge_expired_follows()
                        db.session.commit()
                        purged_at = time.monotonic()
                except Exception:  # a database hiccup must not end the loop; the next tick retries
                    app.logger.exception("The outbox sender failed; retrying")
                    db.session.rollback()
                finally:
                    db.session.remove()
            self._stop.wait(interval)
