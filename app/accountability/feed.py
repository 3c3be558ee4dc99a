"""An Atom feed per issue: stage changes and the ministry's responses (feedgen writes the XML)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from flask import Response, current_app
from flask_babel import format_datetime
from flask_babel import gettext as _

from app.accountability import bp
from app.models import Issue, MinistryResponse
from app.security.text import safe_for_xml
from app.services.accountability.responses import responses_for_issue
from app.services.issues import get_issue_by_slug
from app.services.labels import KIND_LABELS, stage_label
from app.services.markdown import render_markdown
from app.services.process import activity
from app.services.urls import public_url


def _tag(issue: Issue, what: str) -> str:
    """A permanent, unique entry id (RFC 4151 tag URI), independent of where the site moves."""
    host = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "localhost"
    return f"tag:{host},{issue.created_at:%Y-%m-%d}:issue-{issue.id}/{what}"


def _response_name(response: MinistryResponse) -> str:
    return str(KIND_LABELS[response.kind])


def _entries(issue: Issue) -> list[tuple[str, datetime, str, str]]:
    """(id, when, title, html content) for each event, any order."""
    entries = []
    for entry in activity.entries(issue):
        if entry.kind == "stage_opened" and entry.payload.get("stage"):
            title = _("Stage “%(stage)s” opened", stage=stage_label(entry.payload["stage"]))
            entries.append((_tag(issue, f"activity-{entry.id}"), entry.created_at, title, ""))
    for response in responses_for_issue(issue.id):
        name = _response_name(response)
        due = _(
            "%(agency)s must respond by %(due)s.",
            agency=issue.steward_agency,
            due=format_datetime(response.original_due_at),
        )
        entries.append(
            (
                _tag(issue, f"response-{response.id}-due"),
                response.opened_at,
                _("%(name)s due", name=name),
                due,
            )
        )
        for extension in response.extensions:
            title = _("%(name)s extended to %(due)s", name=name, due=format_datetime(extension.new_due_at))
            entries.append(
                (
                    _tag(issue, f"extension-{extension.id}"),
                    extension.created_at,
                    title,
                    str(render_markdown(extension.reason)),
                )
            )
        if response.answered_at is not None:
            entries.append(
                (
                    _tag(issue, f"response-{response.id}-published"),
                    response.answered_at,
                    _("%(name)s published", name=name),
                    str(render_markdown(response.summary)),
                )
            )
    return entries


@bp.get("/issues/<slug>/feed.atom")
def feed(slug: str):
    """The issue's Atom feed, newest first."""
    issue = get_issue_by_slug(slug)
    issue_url = public_url("pages.issue", slug=issue.slug)
    entries = sorted(_entries(issue), key=lambda e: e[1], reverse=True)
    generator = FeedGenerator()
    generator.id(_tag(issue, "feed"))
    # XML 1.0 cannot carry most control characters (lxml refuses them): text stored before the
    # input guard, or by an import, must not take the feed down.
    generator.title(safe_for_xml(issue.title))
    generator.link(href=issue_url, rel="alternate")
    generator.link(href=public_url("accountability.feed", slug=issue.slug), rel="self")
    generator.author({"name": safe_for_xml(issue.steward_agency or "") or "Agora"})
    generator.updated(entries[0][1] if entries else issue.created_at)
    for entry_id, when, title, content in reversed(entries):  # feedgen prepends each entry
        item = generator.add_entry()
        item.id(entry_id)
        item.title(safe_for_xml(title))
        item.updated(when)
        item.published(when)
        item.link(href=issue_url + "#responses", rel="alternate")
        if content:
            item.content(safe_for_xml(content), type="html")
    return Response(generator.atom_str(pretty=True), mimetype="application/atom+xml")
