"""API v1: an issue's openData files, one CSV at a time."""

from __future__ import annotations

from flask import Response, stream_with_context, url_for
from flask_babel import gettext as _

from app.api import bp
from app.api.spec import endpoint
from app.exceptions import AgoraError
from app.services.issues import get_issue
from app.services.opendata.access import require_export, require_public_issue
from app.services.opendata.export import FILES, Export


@bp.get("/issues/<int:issue_id>/export/<name>.csv")
@endpoint(
    "One file of the openData export (comments, votes, participants-votes, summary, comment-groups)",
    tag="open data",
    responses={200: ("text/csv", {"type": "string"})},
    errors=(404,),
)
def export_file(issue_id: int, name: str):
    """comments, votes, participants-votes, summary or comment-groups, as pol.is writes them."""
    issue = get_issue(issue_id)
    require_public_issue(issue)
    filename = f"{name}.csv"
    if filename not in FILES:
        raise AgoraError("export_file_not_found", _("There is no such file in the export."), 404)
    require_export(issue)
    url = url_for("pages.issue", slug=issue.slug, _external=True)
    export = Export(issue)
    body = FILES[filename](export, url)
    response = Response(stream_with_context(chunk.encode() for chunk in body), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
