"""What an issue's settings hide from citizens: the opinion map, the statement form."""

from __future__ import annotations

from flask_babel import gettext as _

from app.exceptions import AgoraError
from app.models import Issue
from app.services.visibility import viewer_is_staff


def map_visible_to_viewer(issue: Issue) -> bool:
    return issue.map_visible or viewer_is_staff()


def check_map_visible(issue: Issue) -> None:
    if not map_visible_to_viewer(issue):
        raise AgoraError("map_hidden", _("The facilitators have not made this issue's opinion map public."), 403)


def statements_open_to_viewer(issue: Issue) -> bool:
    return issue.statements_open or viewer_is_staff()


def check_statements_open(issue: Issue) -> None:
    if not statements_open_to_viewer(issue):
        raise AgoraError(
            "statements_closed",
            _("New statements are not being accepted in this issue. You can still vote on the others."),
            403,
        )
