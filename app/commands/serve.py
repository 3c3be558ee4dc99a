"""`agora serve`: the web server with Socket.IO websockets (not `flask run`)."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext

from app import background
from app.extensions import socketio


@click.command("serve")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="$HOST or 127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT", "5000")), type=int, show_default="$PORT or 5000")
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Serve the site with websockets."""
    app = current_app._get_current_object()
    # Flask's CLI marks the process as "run from the CLI", which makes app.run() (called by
    # socketio.run) refuse to start; this command *is* the server, so clear the mark.
    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    background.start(app)
    click.echo(f"Agora on http://{host}:{port}/")
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False)
