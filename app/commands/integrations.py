"""`agora create-token EMAIL --name NAME [--scope read|write|admin]` and `agora send-webhooks`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import func, select

from app.commands.polling import poll
from app.exceptions import AgoraError
from app.extensions import db
from app.models import TokenScope, User
from app.services.integrations.deliveries import send_due
from app.services.integrations.events import enqueue_overdue_responses
from app.services.integrations.tokens import create_token


@click.command("create-token")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, e.g. 'newsroom dashboard'.")
@click.option("--scope", type=click.Choice([s.value for s in TokenScope]), default="write", show_default=True)
@with_appcontext
def create_token_command(email: str, name: str, scope: str) -> None:
    """Create an API token for an existing account; the token is the last line of output (shown once)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No account with the email address {email}.")
    with force_locale("en"):
        try:
            token, plain = create_token(user, name, scope)
            db.session.commit()
        except AgoraError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
    click.echo(f"Created {token.scope.value} token #{token.id} '{token.name}' for {user.email}. It is shown only once:")
    click.echo(plain)


@click.command("send-webhooks")
@click.option("--loop", is_flag=True, help="Keep polling instead of sending once.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls with --loop.")
@with_appcontext
def send_webhooks_command(loop: bool, interval: float) -> None:
    """Send due webhook deliveries (retries failures later; never sends an acknowledged one again)."""

    def one_round() -> str | None:
        enqueue_overdue_responses()
        report = send_due()
        if report.delivered or report.failed or not loop:
            return f"delivered {report.delivered}, failed {report.failed}"
        return None

    poll(one_round, loop=loop, interval=interval)
