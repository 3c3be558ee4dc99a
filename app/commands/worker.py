"""`agora worker`: the opinion-map recompute loop in its own process (the scale-out setup)."""

from __future__ import annotations

import signal

import click
from flask import current_app
from flask.cli import with_appcontext

from app.services.opinion.scheduler import scheduler_of


@click.command("worker")
@with_appcontext
def worker_command() -> None:
    """Recompute opinion maps and push them through the Socket.IO message queue.

    Run it with CLUSTERING_MODE=external, REDIS_URL (dirty marks) and SOCKETIO_MESSAGE_QUEUE
    (broadcasts) set, the same as for the web processes, which then compute nothing themselves.
    """
    app = current_app._get_current_object()
    if app.config["CLUSTERING_MODE"] != "external":
        raise click.UsageError("Set CLUSTERING_MODE=external: in the embedded mode `agora serve` recomputes itself.")
    if not app.config.get("SOCKETIO_MESSAGE_QUEUE"):
        raise click.UsageError("Set SOCKETIO_MESSAGE_QUEUE (e.g. redis://...): the worker broadcasts through it.")
    scheduler = scheduler_of(app)
    # SIGTERM (docker stop) ends the loop after the recompute in progress.
    signal.signal(signal.SIGTERM, lambda *_: scheduler.stop())
    click.echo("Agora opinion-map worker started.")
    try:
        scheduler.run(app)
    except KeyboardInterrupt:
        pass
    click.echo("Agora opinion-map worker stopped.")
