"""The one mapping from a stage to its translated label; every page and API reuses it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.models import Stage

STAGE_LABELS = {
    Stage.AGENDA_SETTING: _l("Agenda setting"),
    Stage.RESEARCH: _l("Research"),
    Stage.INFORM: _l("Inform"),
    Stage.DISCUSSION: _l("Discussion"),
    Stage.VOTING: _l("Voting"),
    Stage.DECISION: _l("Decision"),
    Stage.RESPONSE: _l("Response"),
}


def stage_label(stage: Stage | str) -> str:
    """The stage's name in the current language."""
    return str(STAGE_LABELS[Stage(stage)])
