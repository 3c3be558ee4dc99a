"""A real SMTP server for the mail tests (aiosmtpd), and the app settings that point at it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@contextmanager
def smtp_server(port: int) -> Iterator[Inbox]:
    """An SMTP server on 127.0.0.1:``port`` while the block runs; yields what it received."""
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


def with_mail_server(app_config: dict[str, object], port: int) -> dict[str, object]:
    """``app_config`` sending mail to 127.0.0.1:``port``, with absolute links to agora.example."""
    app_config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_SENDER="agora@agora.example",
        PUBLIC_BASE_URL="https://agora.example",
        MAIL_TIMEOUT=2,
    )
    return app_config
