"""`agora load-demo`: import vTaiwan's 2015 UberX conversation once, as the demo issue."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import exists, select

from app.commands.polis_import import run_import
from app.extensions import db
from app.models import Issue, ModerationMode, Stage

DEMO_FOLDER = Path(__file__).resolve().parent.parent / "demo" / "vtaiwan.uberx"
DEMO_SLUG = "vtaiwan-uberx"
DEMO_TITLE = "UberX 自用車載客 — UberX and ride-hailing (vTaiwan 2015)"
DEMO_AGENCY = "交通部 Ministry of Transportation and Communications"


@click.command("load-demo")
@with_appcontext
def load_demo_command() -> None:
    """Load the demo issue, unless it is already there (running it again changes nothing)."""
    if db.session.scalar(select(exists().where(Issue.slug == DEMO_SLUG))):
        click.echo(f"The demo issue {DEMO_SLUG!r} is already loaded.")
        return
    run_import(
        DEMO_FOLDER,
        slug=DEMO_SLUG,
        title=DEMO_TITLE,
        description=(DEMO_FOLDER / "description.md").read_text(encoding="utf-8"),
        attribution=(DEMO_FOLDER / "ATTRIBUTION.md").read_text(encoding="utf-8"),
        steward_agency=DEMO_AGENCY,
        moderation_mode=ModerationMode.STRICT,
        current_stage=Stage.VOTING,
    )
