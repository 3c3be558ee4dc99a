"""An issue's participation settings, the same from the JSON API and the console.

``participation`` (open | registered | verified | invite), ``status`` (draft | published),
``map_visible``, ``statements_open`` and ``moderation_mode`` (strict | lazy). Every value is
checked before anything changes; publishing (and going back to draft) is logged publicly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from app.exceptions import AgoraError
from app.models import Issue, IssueStatus, ModerationMode, Participation
from app.services.process import activity

_CHOICES = {"participation": Participation, "status": IssueStatus, "moderation_mode": ModerationMode}
_FLAGS = ("map_visible", "statements_open")
FIELDS = (*_CHOICES, *_FLAGS)


def parse_settings(body: Mapping[str, Any]) -> dict[str, Any]:
    """The changes a request asks for, as model values; a 400 naming the first bad field."""
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise AgoraError(
            "setting_unknown",
            _("Unknown setting: %(name)s. Settings: %(names)s.", name=unknown[0], names=", ".join(FIELDS)),
            400,
        )
    if not body:
        raise AgoraError("settings_empty", _("Send at least one setting to change."), 400)
    changes: dict[str, Any] = {}
    for name, kind in _CHOICES.items():
        if name in body:
            raw = body[name]
            allowed = [member.value for member in kind]
            if not isinstance(raw, str) or raw not in allowed:
                raise AgoraError(
                    "setting_invalid",
                    _("%(name)s must be one of: %(values)s.", name=name, values=", ".join(allowed)),
                    400,
                )
            changes[name] = kind(raw)
    for name in _FLAGS:
        if name in body:
            if not isinstance(body[name], bool):
                raise AgoraError("setting_invalid", _("%(name)s must be true or false.", name=name), 400)
            changes[name] = body[name]
    return changes


def apply_settings(issue: Issue, changes: Mapping[str, Any], actor_id: int | None) -> list[str]:
    """Set the changed values and log them (the caller commits); the names that changed."""
    changed = sorted(name for name, value in changes.items() if getattr(issue, name) != value)
    for name in changed:
        setattr(issue, name, changes[name])
    if "status" in changed:
        kind = "issue_published" if issue.status is IssueStatus.PUBLISHED else "issue_unpublished"
        activity.record(issue, kind, actor_id)
    others = [name for name in changed if name != "status"]
    if others:
        activity.record(
            issue, "issue_settings_changed", actor_id, fields=others, **{n: _plain(getattr(issue, n)) for n in others}
        )
    return changed


def serialize_settings(issue: Issue) -> dict[str, Any]:
    return {
        "participation": issue.participation.value,
        "status": issue.status.value,
        "map_visible": issue.map_visible,
        "statements_open": issue.statements_open,
        "moderation_mode": issue.moderation_mode.value,
    }


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value
