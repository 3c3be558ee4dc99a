"""Facilitators' report and open-data settings: group names, the export's license and hold-back."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.exceptions import AgoraError
from app.extensions import db
from app.models import GroupLabel, Issue, OpenDataSettings, Stage
from app.services.opendata.access import LICENSES
from app.services.process import activity

MAX_NAME = 100
MAX_DESCRIPTION = 2000


def save_group_labels(issue: Issue, labels: dict[int, tuple[str, str]], actor_id: int | None) -> None:
    """Name and describe groups (group id -> (name, description)); an empty name restores the default."""
    for name, description in labels.values():
        name, description = name.strip(), description.strip()
        if len(name) > MAX_NAME or len(description) > MAX_DESCRIPTION:
            raise AgoraError(
                "group_label_too_long",
                _(
                    "A group name has at most %(name)d characters, a description %(description)d.",
                    name=MAX_NAME,
                    description=MAX_DESCRIPTION,
                ),
                400,
            )
    existing = {
        row.group_id: row for row in db.session.scalars(select(GroupLabel).where(GroupLabel.issue_id == issue.id))
    }
    for group_id, (name, description) in labels.items():
        name, description = name.strip(), description.strip()
        row = existing.get(group_id)
        if not name and not description:
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            row = GroupLabel(issue_id=issue.id, group_id=group_id)
            db.session.add(row)
        row.name = name
        row.description = description
    activity.record(issue, "group_labels_updated", actor_id)


def save_open_data_settings(issue: Issue, license: str, public_from_stage: str, actor_id: int | None) -> None:
    """The export's license (an SPDX id we know) and the stage it is public from ("" = at once)."""
    if license not in LICENSES:
        raise AgoraError("license_unknown", _("Choose one of the listed licenses."), 400)
    try:
        stage = Stage(public_from_stage) if public_from_stage else None
    except ValueError:
        raise AgoraError("stage_unknown", _("There is no such stage."), 400) from None
    settings = db.session.get(OpenDataSettings, issue.id)
    if settings is None:
        settings = OpenDataSettings(issue_id=issue.id)
        db.session.add(settings)
    settings.license = license
    settings.public_from_stage = stage
    activity.record(
        issue, "open_data_settings_updated", actor_id, license=license, public_from_stage=public_from_stage or None
    )
