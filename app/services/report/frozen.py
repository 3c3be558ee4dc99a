"""Frozen reports: the report as it stood when a stage closed, or when a facilitator froze it.

A frozen report stores its whole payload and keeps the snapshot it came from (the recompute never
deletes a snapshot a frozen report points at); nothing ever updates it, so later votes change the
live report only.

Freezing is part of the write that causes it: the stage change (``process.stages.open_stage``)
or the facilitator's request freezes before its one commit, with the ``report.frozen`` webhook
deliveries, so a stage never closes without its report, nor a report freezes for a stage change
that was rolled back. A freeze never recomputes the map (no clustering in a request): it uses the
latest stored snapshot, which the recompute scheduler keeps within an interval of the last vote.
An issue whose map was never computed freezes the overall counts of its current votes, without
groups (the live report's own fallback).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app import signals
from app.exceptions import AgoraError
from app.extensions import db
from app.models import FrozenReport, Issue, Stage, VoteEvent
from app.services.integrations.webhooks import enqueue_event
from app.services.report.build import build_report, localized
from app.services.report.state import latest_report_state

STAGE_CLOSED = "stage_closed"
ON_DEMAND = "on_demand"


def freeze(issue: Issue, reason: str, stage: Stage | None = None, user_id: int | None = None) -> FrozenReport:
    """Store the issue's report from its latest snapshot as a frozen report, with its webhook
    deliveries (flushed; the caller commits, then calls ``announce``)."""
    state = latest_report_state(issue.id)
    report = FrozenReport(
        issue_id=issue.id,
        snapshot_id=state.snapshot_id if state is not None else None,
        reason=reason,
        stage=stage,
        created_by_id=user_id,
        data=build_report(issue, state),
    )
    db.session.add(report)
    db.session.flush()
    data = {"report_id": report.id, "reason": reason, "stage": stage.value if stage else None}
    enqueue_event("report.frozen", issue.id, data, f"report.frozen:{issue.id}:{report.id}")
    return report


def freeze_closed_stage(issue: Issue, stage: Stage) -> FrozenReport | None:
    """The report frozen as ``stage`` closes (not committed); none for an issue without votes."""
    voted = db.session.scalar(select(VoteEvent.id).where(VoteEvent.issue_id == issue.id).limit(1))
    return freeze(issue, STAGE_CLOSED, Stage(stage)) if voted is not None else None


def announce(report: FrozenReport) -> None:
    """Tell in-process receivers after the commit (the webhook deliveries were written with it)."""
    signals.report_frozen.send(
        current_app._get_current_object(),
        issue_id=report.issue_id,
        report_id=report.id,
        reason=report.reason,
        stage=report.stage.value if report.stage else None,
    )


def get_frozen(report_id: int) -> FrozenReport:
    report = db.session.get(FrozenReport, report_id)
    if report is None:
        raise AgoraError("report_not_found", _("We could not find that report."), 404)
    return report


def frozen_reports(issue_id: int) -> list[FrozenReport]:
    """An issue's frozen reports, newest first."""
    return list(
        db.session.scalars(
            select(FrozenReport)
            .where(FrozenReport.issue_id == issue_id)
            .order_by(FrozenReport.created_at.desc(), FrozenReport.id.desc())
        )
    )


def report_for_response(issue_id: int, answered_at: datetime | None) -> FrozenReport | None:
    """The frozen report a ministry response answers: the latest one frozen before it was
    answered (before now while it is still open)."""
    query = select(FrozenReport).where(FrozenReport.issue_id == issue_id)
    if answered_at is not None:
        query = query.where(FrozenReport.created_at <= answered_at)
    return db.session.scalar(query.order_by(FrozenReport.created_at.desc(), FrozenReport.id.desc()).limit(1))


def frozen_payload(report: FrozenReport) -> dict[str, Any]:
    """The API's answer for a frozen report: its stored data and what it is."""
    return {
        **localized(report.data),
        "frozen": {
            "id": report.id,
            "reason": report.reason,
            "stage": report.stage.value if report.stage else None,
            "frozen_at": report.created_at.isoformat().replace("+00:00", "Z"),
        },
    }


def init_app(app: Flask) -> None:
    app.add_template_global(frozen_reports, "issue_frozen_reports")
    app.add_template_global(report_for_response, "frozen_report_for_response")
    app.add_template_global(open_data_is_public, "open_data_is_public")


def open_data_is_public(issue: Issue) -> bool:
    """Whether this viewer may download the issue's export (for the links to it)."""
    from app.services.opendata.access import export_is_public
    from app.services.visibility import viewer_is_staff

    return viewer_is_staff() or export_is_public(issue)
