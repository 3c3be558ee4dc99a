"""Frozen reports: the report as it stood when a stage closed, or when a facilitator froze it.

A frozen report stores its whole payload and keeps the snapshot it came from (the recompute never
deletes a snapshot a frozen report points at); nothing ever updates it, so later votes change the
live report only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import func, select

from app import signals
from app.exceptions import AgoraError
from app.extensions import db
from app.models import FrozenReport, Issue, OpinionSnapshot, Stage, VoteEvent
from app.services.report.build import build_report, localized
from app.services.report.state import latest_report_state

STAGE_CLOSED = "stage_closed"
ON_DEMAND = "on_demand"


def refresh_snapshot(issue_id: int) -> None:
    """Recompute the map first when votes came in after the latest snapshot, so that the frozen
    report counts every vote cast before it was frozen. (A freeze is a rare, deliberate act; this
    is the one place outside the recompute worker that computes a map.) An issue whose map was
    never computed stays without one: its report has the overall counts only."""
    from app.services.opinion.recompute import recompute

    newest = db.session.scalar(select(func.max(VoteEvent.id)).where(VoteEvent.issue_id == issue_id)) or 0
    mapped = db.session.scalar(
        select(func.max(OpinionSnapshot.vote_event_watermark)).where(OpinionSnapshot.issue_id == issue_id)
    )
    if mapped is not None and mapped < newest:
        recompute(issue_id)


def freeze(issue: Issue, reason: str, stage: Stage | None = None, user_id: int | None = None) -> FrozenReport:
    """Store the issue's current report as a frozen report (flushed; the caller commits)."""
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
    return report


def announce(report: FrozenReport) -> None:
    """Tell the receivers (webhooks, ...) after the commit."""
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


def on_stage_changed(sender: Flask, *, issue_id: int, previous: str | None = None, **_: object) -> None:
    """A stage closed: freeze the report of an issue that has votes."""
    if previous is None:
        return
    context = sender.app_context() if not has_app_context() else None
    if context is not None:
        context.push()
    try:
        issue = db.session.get(Issue, issue_id)
        has_votes = db.session.scalar(select(func.count()).select_from(VoteEvent).where(VoteEvent.issue_id == issue_id))
        if issue is None or not has_votes:
            return
        refresh_snapshot(issue_id)
        report = freeze(issue, STAGE_CLOSED, Stage(previous))
        db.session.commit()
        announce(report)
    except Exception:
        db.session.rollback()
        current_app.logger.exception("Freezing the report of issue %s failed", issue_id)
    finally:
        if context is not None:
            context.pop()


def init_app(app: Flask) -> None:
    signals.stage_changed.connect(on_stage_changed)
    app.add_template_global(frozen_reports, "issue_frozen_reports")
    app.add_template_global(report_for_response, "frozen_report_for_response")
    app.add_template_global(open_data_is_public, "open_data_is_public")


def open_data_is_public(issue: Issue) -> bool:
    """Whether this viewer may download the issue's export (for the links to it)."""
    from app.services.opendata.access import export_is_public
    from app.services.visibility import viewer_is_staff

    return viewer_is_staff() or export_is_public(issue)
