"""The `agora` command: Flask's CLI bound to this app, plus Agora's own commands."""

from __future__ import annotations

from flask import Flask
from flask.cli import FlaskGroup


def init_app(app: Flask) -> None:
    """Register Agora's commands on the app's CLI."""
    from app.commands import serve

    app.cli.add_command(serve.serve_command)


def _create_app() -> Flask:
    from app import create_app

    return create_app()


main = FlaskGroup(create_app=_create_app, help="Agora: participatory deliberation.")
