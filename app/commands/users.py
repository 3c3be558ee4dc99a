"""`agora create-user EMAIL --role facilitator|ministry|admin [--agency NAME]`; the password comes from stdin."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from app.exceptions import AgoraError
from app.extensions import db
from app.models import Role
from app.services import accounts

STAFF_ROLES = [Role.FACILITATOR.value, Role.MINISTRY.value, Role.ADMIN.value]


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(STAFF_ROLES), required=True, help="The account's role.")
@click.option("--agency", help="The ministry user's agency, e.g. 交通部 (required for --role ministry).")
@with_appcontext
def create_user_command(email: str, role: str, agency: str | None) -> None:
    """Create a staff account. The password is read from stdin (one line), never from arguments."""
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
            db.session.commit()
        except AgoraError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
    click.echo(f"Created {user.role.value} {user.email}" + (f" ({user.agency})" if user.agency else ""))
