"""The JSON shapes of API v1, in one place so that every endpoint answers alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.models import Issue, MinistryResponse, Statement, Vote, VoteValue
from app.services.issues import IssueCounts
from app.services.labels import stage_label
from app.services.markdown import render_markdown
from app.services.voting import CurrentVote


def serialize_issue(issue: Issue, counts: IssueCounts, detail: bool = False) -> dict[str, Any]:
    """An issue for lists; with ``detail`` also its description and rules."""
    data: dict[str, Any] = {
        "id": issue.id,
        "slug": issue.slug,
        "title": issue.title,
        "stage": issue.current_stage.value,
        "stage_label": stage_label(issue.current_stage),
        "counts": counts.as_dict(),
    }
    if detail:
        data.update(
            description=issue.description,
            description_html=str(render_markdown(issue.description)),
            steward_agency=issue.steward_agency,
            statement_max_length=issue.statement_max_length,
            moderation_mode=issue.moderation_mode.value,
            attribution=issue.attribution,
            stages=serialize_stages(issue),
        )
    return data


def serialize_statement(statement: Statement) -> dict[str, Any]:
    """A statement; ``text`` is exactly as typed, so clients must escape it when showing it."""
    return {
        "id": statement.id,
        "issue_id": statement.issue_id,
        "text": statement.text,
        "moderation_status": statement.moderation_status.value,
        "is_seed": statement.is_seed,
        "is_meta": statement.is_meta,
        "created_at": statement.created_at.isoformat(),
    }


def serialize_vote(vote: Vote | CurrentVote) -> dict[str, Any]:
    """A current vote: its label ("agree" | "disagree" | "pass") and pol.is value (+1 | -1 | 0)."""
    return {
        "statement_id": vote.statement_id,
        "vote": VoteValue(vote.value).label,
        "value": vote.value,
        "updated_at": vote.updated_at.isoformat(),
    }


def serialize_stages(issue: Issue) -> list[dict[str, Any]]:
    """The seven stages in order, with ISO 8601 UTC dates (null while not planned)."""
    return [
        {
            "key": stage.key.value,
            "starts_at": stage.starts_at.isoformat() if stage.starts_at else None,
            "ends_at": stage.ends_at.isoformat() if stage.ends_at else None,
            "voting_open": stage.voting_open,
            "current": stage.key == issue.current_stage,
        }
        for stage in issue.stages
    ]


def serialize_response(response: MinistryResponse, now: datetime | None = None) -> dict[str, object]:
    """A ministry response, as the public list of responses shows it."""

    def iso(value: datetime | None) -> str | None:
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None

    return {
        "id": response.id,
        "issue_id": response.issue_id,
        "issue_slug": response.issue.slug,
        "kind": response.kind.value,
        "due_at": iso(response.due_at),
        "original_due_at": iso(response.original_due_at),
        "answered_at": iso(response.answered_at),
        "status": response.status(now).value,
    }
