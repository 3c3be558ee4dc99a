"""The public activity log: what happened to an issue, by whom, in words people can read."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.extensions import db
from app.models import ActivityLog, Issue, ModerationAction
from app.services.labels import MODERATION_ACTION_LABELS, stage_label


def record(issue: Issue, kind: str, actor_id: int | None, **payload: Any) -> ActivityLog:
    """Add an entry to the issue's log, in the caller's transaction (the caller commits)."""
    entry = ActivityLog(issue_id=issue.id, actor_id=actor_id, kind=kind, payload=payload)
    db.session.add(entry)
    return entry


def entries(issue: Issue, limit: int = 200) -> list[ActivityLog]:
    """The issue's log, newest first."""
    query = db.select(ActivityLog).filter_by(issue_id=issue.id).order_by(ActivityLog.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def describe(entry: ActivityLog) -> str:
    """One sentence for the public log, in the current language."""
    p = entry.payload or {}
    describers = {
        "issue_created": lambda: _("The issue was opened."),
        "issue_updated": lambda: _("The issue's details were edited."),
        "stage_opened": lambda: (
            _(
                "Stage “%(stage)s” opened (was “%(previous)s”).",
                stage=stage_label(p["stage"]),
                previous=stage_label(p["previous"]),
            )
            if p.get("previous")
            else _("Stage “%(stage)s” opened.", stage=stage_label(p["stage"]))
        ),
        "stage_updated": lambda: _("The plan for stage “%(stage)s” was edited.", stage=stage_label(p["stage"])),
        "statement_seeded": lambda: _("A seed statement was added (#%(id)s).", id=p.get("statement_id")),
        "statement_moderated": lambda: _(
            "Statement #%(id)s was moderated: %(status)s.", id=p.get("statement_id"), status=_action_label(p)
        ),
        "research_published": lambda: _("Research document “%(title)s” was published.", title=p.get("title", "")),
        "research_revised": lambda: _(
            "Research document “%(title)s” was revised (revision %(number)s).",
            title=p.get("title", ""),
            number=p.get("number"),
        ),
        "topic_opened": lambda: _("Discussion topic “%(title)s” was opened.", title=p.get("title", "")),
        "post_moderated": lambda: _("A discussion reply was moderated: %(status)s.", status=_action_label(p)),
        "orid_recorded": lambda: _("The meeting record “%(title)s” was published.", title=p.get("title", "")),
        "orid_updated": lambda: _("The meeting record “%(title)s” was edited.", title=p.get("title", "")),
        "decision_recorded": lambda: _("Decision on “%(title)s” was recorded.", title=p.get("title", "")),
        "decision_updated": lambda: _("Decision on “%(title)s” was edited.", title=p.get("title", "")),
        "report_frozen": lambda: _("The report was frozen (report %(id)s).", id=p.get("report_id")),
        "group_labels_updated": lambda: _("The opinion groups' names were edited."),
        "open_data_settings_updated": lambda: _("The open data settings were edited."),
    }
    describer = describers.get(entry.kind)
    return describer() if describer else entry.kind


def _action_label(payload: dict[str, Any]) -> str:
    try:
        return str(MODERATION_ACTION_LABELS[ModerationAction(payload.get("action"))])
    except ValueError:
        return str(payload.get("action", ""))
