"""`agora serve`: the web server with Socket.IO websockets (not `flask run`)."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext

from app.web_server import WebServer


@click.command("serve")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="$HOST or 127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT", "5000")), type=int, show_default="$PORT or 5000")
@click.option(
    "--threads",
    default=lambda: int(os.environ.get("WEB_THREADS", "1000")),
    type=click.IntRange(min=4),
    show_default="$WEB_THREADS or 1000",
    help="The most connections served at once; each open websocket (a viewer) keeps one.",
)
@with_appcontext
def serve_command(host: str, port: int, threads: int) -> None:
    """Serve the site with websockets, and run the background services (embedded default)."""
    app = current_app._get_current_object()
    click.echo(f"Agora on http://{host}:{port}/")
    WebServer(app, host, port, threads).run()
