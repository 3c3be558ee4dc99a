"""`agora create-user EMAIL --role citizen|facilitator|ministry|admin [--agency NAME]`; password from stdin."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from app.exceptions import AgoraError
from app.extensions import db
from app.models import Role, utcnow
from app.services import accounts

ROLES = [Role.CITIZEN.value, Role.FACILITATOR.value, Role.MINISTRY.value, Role.ADMIN.value]


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True, help="The account's role.")
@click.option("--agency", help="The ministry user's agency, e.g. 交通部 (required for --role ministry).")
@with_appcontext
def create_user_command(email: str, role: str, agency: str | None) -> None:
    """Create an account with a verified email address (operators, tests).

    The password is read from stdin (one line), never from arguments.
    """
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    else:  # piped: the first line
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 10:
        raise click.ClickException("The password (read from stdin) must have at least 10 characters.")
    # The terminal speaks English (the source language); there is no request to choose a locale from.
    with force_locale("en"):
        try:
            user = accounts.create_user(email, password, Role(role), agency)
            user.email_verified_at = utcnow()  # the operator vouches for the address
            db.session.commit()
        except AgoraError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
    click.echo(f"Created {user.role.value} {user.email}" + (f" ({user.agency})" if user.agency else ""))
