"""Translated labels: stages, moderation actions, ministry responses and opinion groups.

Every page, feed, email and API answer takes its labels from here, so a thing is called the same
everywhere. ``static/js`` mirrors ``group_label`` for the live map.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.models import ModerationAction, ResponseKind, Stage, Verdict

STAGE_LABELS = {
    Stage.AGENDA_SETTING: _l("Agenda setting"),
    Stage.RESEARCH: _l("Research"),
    Stage.INFORM: _l("Inform"),
    Stage.DISCUSSION: _l("Discussion"),
    Stage.VOTING: _l("Voting"),
    Stage.DECISION: _l("Decision"),
    Stage.RESPONSE: _l("Response"),
}

MODERATION_ACTION_LABELS = {
    ModerationAction.ACCEPT: _l("accepted"),
    ModerationAction.REJECT: _l("rejected"),
    ModerationAction.META: _l("marked as meta"),
}

KIND_LABELS = {
    ResponseKind.INFORM: _l("Inform-stage response"),
    ResponseKind.FINAL: _l("Final response"),
}

VERDICT_LABELS = {
    Verdict.ACCEPTED: _l("Accepted"),
    Verdict.UNDER_STUDY: _l("Under study"),
    Verdict.NOT_ADOPTED: _l("Not adopted"),
}


def stage_label(stage: Stage | str) -> str:
    """The stage's name in the current language."""
    return str(STAGE_LABELS[Stage(stage)])


def group_label(group_id: int) -> str:
    """Groups are lettered A, B, C ... as on the opinion map."""
    return chr(ord("A") + group_id) if 0 <= group_id < 26 else str(group_id)
