"""`agora export-polis SLUG DIR`: write an issue's open data in pol.is's openData layout."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app.extensions import db
from app.models import Issue
from app.services.opendata.package import write_folder
from app.services.urls import public_url


@click.command("export-polis")
@click.argument("slug")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def export_polis_command(slug: str, folder: Path) -> None:
    """Write comments.csv, votes.csv, participants-votes.csv, summary.csv, comment-groups.csv and
    README.md of the issue SLUG into FOLDER (staff's view: held-back exports are written too)."""
    issue = db.session.scalar(select(Issue).where(Issue.slug == slug))
    if issue is None:
        raise click.ClickException(f"no issue has the slug {slug!r}")
    started = time.perf_counter()
    paths = write_folder(issue, folder, public_url("pages.issue", slug=issue.slug))
    names = ", ".join(path.name for path in paths)
    click.echo(f"Exported {slug!r} to {folder} in {time.perf_counter() - started:.1f}s: {names}")
