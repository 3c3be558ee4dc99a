"""The `agora` command: Flask's CLI bound to this app, plus Agora's own commands."""

from __future__ import annotations

from flask import Flask
from flask.cli import FlaskGroup


def init_app(app: Flask) -> None:
    """Register Agora's commands on the app's CLI."""
    from app.commands import serve, users

    app.cli.add_command(serve.serve_command)
    from app.commands import send_mail

    app.cli.add_command(send_mail.send_mail_command)
    app.cli.add_command(users.create_user_command)
    from app.commands import demo, polis_import

    app.cli.add_command(polis_import.import_polis_command)
    app.cli.add_command(demo.load_demo_command)
    from app.commands import worker

    app.cli.add_command(worker.worker_command)
    from app.commands import export_polis

    app.cli.add_command(export_polis.export_polis_command)


def _create_app() -> Flask:
    from app import create_app

    return create_app()


main = FlaskGroup(create_app=_create_app, help="Agora: participatory deliberation.")
