"""`agora import-polis DIR --title TEXT`: create an issue from a pol.is export (openData layout)."""

from __future__ import annotations

import re
import time
import unicodedata
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import exists, select

from app.extensions import db
from app.models import Issue
from app.services.opendata.polis_import import PolisImportError, import_export, read_export


def slugify(text: str) -> str:
    """A URL-safe slug from a folder or title: ASCII letters, digits and hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:120]


def run_import(folder: Path, *, slug: str, title: str, **issue_fields: object) -> None:
    """Read, check and import; report the counts, or fail with the file and line at fault."""
    if db.session.scalar(select(exists().where(Issue.slug == slug))):
        raise click.ClickException(f"an issue with the slug {slug!r} already exists")
    started = time.perf_counter()
    try:
        export = read_export(folder)
    except PolisImportError as error:
        raise click.ClickException(str(error)) from None
    summary = import_export(export, slug=slug, title=title, **issue_fields)
    db.session.commit()  # the whole conversation, or nothing
    click.echo(
        f"Imported {slug!r} in {time.perf_counter() - started:.1f}s: "
        f"{summary.statements} statements, "
        f"{summary.voters} voters, {summary.votes} current votes ({summary.events} vote events)."
    )


@click.command("import-polis")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", required=True, help="The new issue's title.")
@click.option("--slug", default=None, help="The new issue's URL slug (default: from the folder name).")
@with_appcontext
def import_polis_command(folder: Path, title: str, slug: str | None) -> None:
    """Import a pol.is export (comments.csv + votes.csv or participants-votes.csv) as an issue."""
    slug = slug or slugify(folder.resolve().name) or slugify(title)
    if not slug:
        raise click.ClickException("give the issue a slug with --slug")
    run_import(folder, slug=slug, title=title)
