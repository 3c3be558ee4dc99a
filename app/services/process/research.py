"""Research documents (the "gitbook"): publishing, revising, and the diff between revisions."""

from __future__ import annotations

import difflib

from flask_babel import gettext as _

from app.exceptions import AgoraError
from app.extensions import db
from app.models import Issue, ResearchDocument, ResearchRevision
from app.services.process import activity
from app.services.process.issue_rows import row_of, rows_of


def documents(issue: Issue) -> list[ResearchDocument]:
    return rows_of(issue, ResearchDocument)


def get_document(issue: Issue, document_id: int) -> ResearchDocument:
    not_found = AgoraError("document_not_found", _("We could not find that research document."), 404)
    return row_of(issue, ResearchDocument, document_id, not_found)


def get_revision(document: ResearchDocument, number: int) -> ResearchRevision:
    revision = next((r for r in document.revisions if r.number == number), None)
    if revision is None:
        raise AgoraError("revision_not_found", _("We could not find that revision."), 404)
    return revision


def publish(issue: Issue, *, title: str, body: str, summary: str, actor_id: int | None) -> ResearchDocument:
    """A new document with its first revision; the caller commits."""
    document = ResearchDocument(issue_id=issue.id)
    document.revisions.append(
        ResearchRevision(number=1, title=title, body=body, summary=summary or _("First version"), author_id=actor_id)
    )
    db.session.add(document)
    activity.record(issue, "research_published", actor_id, title=title)
    return document


def revise(
    issue: Issue, document: ResearchDocument, *, title: str, body: str, summary: str, actor_id: int | None
) -> ResearchRevision:
    """Append a revision (earlier ones are never changed); refuses a revision that changes nothing."""
    latest = document.latest
    if (latest.title, latest.body) == (title, body):
        raise AgoraError("revision_unchanged", _("Nothing changed since the last revision."), 400)
    revision = ResearchRevision(number=latest.number + 1, title=title, body=body, summary=summary, author_id=actor_id)
    document.revisions.append(revision)
    activity.record(issue, "research_revised", actor_id, title=title, number=revision.number)
    return revision


def diff_lines(old: ResearchRevision, new: ResearchRevision) -> list[tuple[str, str]]:
    """A line diff of the Markdown sources as (kind, line), kind in "add", "remove", "context", "hunk"."""
    lines = difflib.unified_diff(
        f"# {old.title}\n\n{old.body}".splitlines(),
        f"# {new.title}\n\n{new.body}".splitlines(),
        lineterm="",
        n=2,
    )
    kinds = {"+": "add", "-": "remove", " ": "context", "@": "hunk"}
    result = []
    for line in lines:
        if line.startswith(("+++", "---")):
            continue
        result.append((kinds.get(line[:1], "context"), line[1:] if line[:1] in "+- " else line))
    return result
