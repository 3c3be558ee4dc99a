"""Open data downloads for everyone: an issue's openData export as one zip."""

from __future__ import annotations

from flask import Response, stream_with_context, url_for

from app.pages import bp
from app.services.issues import get_issue_by_slug
from app.services.opendata.access import require_export, require_public_issue
from app.services.opendata.package import stream_zip


@bp.get("/issues/<slug>/export.zip")
def export_zip(slug: str):
    """comments.csv, votes.csv, participants-votes.csv, summary.csv, comment-groups.csv, README.md."""
    issue = get_issue_by_slug(slug)
    require_public_issue(issue)
    require_export(issue)
    url = url_for("pages.issue", slug=issue.slug, _external=True)
    response = Response(stream_with_context(stream_zip(issue, url, issue.slug)), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{issue.slug}.zip"'
    return response
