"""`agora send-mail`: drain the email outbox once, or keep polling (the worker on its own)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.commands.polling import poll
from app.services.accountability.outbox import send_due


@click.command("send-mail")
@click.option("--loop", is_flag=True, help="Keep polling instead of sending once.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls with --loop.")
@with_appcontext
def send_mail_command(loop: bool, interval: float) -> None:
    """Send the queued emails over SMTP (retries failures later; never sends one twice)."""

    def one_round() -> str | None:
        report = send_due()
        return f"sent {report.sent}, failed {report.failed}" if report.sent or report.failed or not loop else None

    poll(one_round, loop=loop, interval=interval)
