"""An issue's journey through vTaiwan's seven stages: opening stages, dates, whether voting is open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import inspect, select, update

from app import signals
from app.exceptions import AgoraError
from app.extensions import db
from app.models import STAGE_ORDER, VOTING_OPEN_BY_DEFAULT, FrozenReport, Issue, IssueStage, Stage, utcnow
from app.services.accountability import following, responses
from app.services.integrations.webhooks import _iso, enqueue_event
from app.services.labels import stage_label
from app.services.process import activity
from app.services.report import frozen


def stages_of(issue: Issue) -> list[IssueStage]:
    """The issue's seven stages in order (every issue gets them when it is first stored)."""
    return list(issue.stages)


def stage_row(issue: Issue, key: Stage | str) -> IssueStage | None:
    key = Stage(key)
    return next((stage for stage in issue.stages if stage.key == key), None)


def voting_open(issue: Issue) -> bool:
    """Whether statement voting (and citizens' new statements) is open in the current stage.

    When the issue's stages are already loaded (a page that shows them) they are used; otherwise
    only the current stage's flag is read, one small query: loading all seven rows for this was
    about a third of a vote request's time.
    """
    if "stages" not in inspect(issue).unloaded:
        row = stage_row(issue, issue.current_stage)
        is_open = row.voting_open if row is not None else None
    else:
        is_open = db.session.scalar(
            select(IssueStage.voting_open).where(IssueStage.issue_id == issue.id, IssueStage.key == issue.current_stage)
        )
    return voting_open_in(issue.current_stage, is_open)


def voting_open_in(stage: Stage, stored_flag: bool | None) -> bool:
    """The stage's stored ``voting_open`` flag; an issue stored without stage rows (e.g. by a bulk
    insert) follows the defaults."""
    return stored_flag if stored_flag is not None else Stage(stage) in VOTING_OPEN_BY_DEFAULT


def ensure_voting_open(issue: Issue) -> None:
    """Raise a 409 when voting is closed in the current stage; call before writing anything."""
    if not voting_open(issue):
        raise voting_closed(issue.current_stage)


def voting_closed(stage: Stage) -> AgoraError:
    """The 409 for a vote or statement while voting is closed in ``stage``."""
    return AgoraError(
        "voting_closed",
        _("Voting is closed in the current stage (%(stage)s).", stage=stage_label(stage)),
        409,
    )


@dataclass(frozen=True)
class StageChange:
    """A stage change written in the session; ``announce`` it once the caller has committed."""

    issue_id: int
    stage: Stage
    previous: Stage
    changed_at: datetime
    row: IssueStage
    frozen_report: FrozenReport | None = None  # the report frozen as ``previous`` closed


def advance(issue: Issue, actor_id: int | None, *, expected: Stage | str | None = None) -> StageChange:
    """Open the stage after the current one (not committed).

    ``expected`` is the stage the facilitator's page showed as current: when the issue has moved
    on since (a double click, or another facilitator), nothing is changed and a 409 says so.
    """
    _check_expected(issue, expected)
    position = STAGE_ORDER.index(issue.current_stage)
    if position + 1 >= len(STAGE_ORDER):
        raise AgoraError("last_stage", _("The issue is already in its last stage."), 409)
    return open_stage(issue, STAGE_ORDER[position + 1], actor_id)


def open_stage(
    issue: Issue, key: Stage | str, actor_id: int | None, *, expected: Stage | str | None = None
) -> StageChange:
    """Make ``key`` the current stage (moving on, or reopening an earlier one), with everything
    that must happen with it, in the session (the caller commits, then calls ``announce``).

    The stage being left ends now; the opened one starts now and its planned end is kept only if
    it is still ahead. The log entry, the ministry's response deadline the stage starts, the
    followers' emails, the report frozen as the stage closes (from the latest stored map, never
    recomputed here) and the webhook deliveries are written in the same transaction, so a crash or
    a failure in any of them loses all or none of them.
    The current stage is changed with a conditional UPDATE: of two concurrent changes from the
    same stage, the second gets a 409 and writes nothing.
    """
    try:
        key = Stage(key)
    except ValueError:
        raise AgoraError("stage_unknown", _("There is no such stage."), 400) from None
    _check_expected(issue, expected)
    previous = issue.current_stage
    if key == previous:
        raise AgoraError("stage_already_open", _("This stage is already the current one."), 409)
    claimed = db.session.execute(
        update(Issue).where(Issue.id == issue.id, Issue.current_stage == previous).values(current_stage=key)
    )
    if claimed.rowcount != 1:
        raise stage_changed_meanwhile()
    now = utcnow()
    rows = {stage.key: stage for stage in issue.stages}
    if previous in rows:
        rows[previous].ends_at = now
    target = rows.get(key)
    if target is None:  # an issue stored without its stages: give it them now
        for stage in _missing_stages(issue):
            issue.stages.append(stage)
        target = stage_row(issue, key)
    target.starts_at = now
    if target.ends_at is not None and target.ends_at <= now:
        target.ends_at = None
    issue.current_stage = key
    activity.record(
        issue,
        "stage_opened",
        actor_id,
        stage=key.value,
        previous=previous.value,
        reopened=STAGE_ORDER.index(key) < STAGE_ORDER.index(previous),
    )
    # The deadline first, so that the followers' email can give it.
    responses.open_for_stage(issue, key, now)
    following.queue_stage_changed(issue, key, now)
    report = frozen.freeze_closed_stage(issue, previous)
    stamp = _iso(now)
    data = {"stage": key.value, "previous": previous.value, "changed_at": stamp}
    enqueue_event("stage.changed", issue.id, data, f"stage.changed:{issue.id}:{key.value}:{stamp}")
    return StageChange(
        issue_id=issue.id, stage=key, previous=previous, changed_at=now, row=target, frozen_report=report
    )


def announce(change: StageChange) -> None:
    """Tell in-process listeners (live pages) about a committed stage change; they only notify."""
    signals.stage_changed.send(
        current_app._get_current_object(),
        issue_id=change.issue_id,
        stage=change.stage.value,
        previous=change.previous.value,
        changed_at=change.changed_at,
    )
    if change.frozen_report is not None:
        frozen.announce(change.frozen_report)


def stage_changed_meanwhile() -> AgoraError:
    return AgoraError(
        "stage_changed", _("The stage was changed meanwhile. Reload the page to see the current one."), 409
    )


def _check_expected(issue: Issue, expected: Stage | str | None) -> None:
    if expected is None or expected == "":
        return
    if str(expected) != issue.current_stage.value:
        raise stage_changed_meanwhile()


def update_stage(
    issue: Issue,
    key: Stage,
    *,
    starts_at: datetime | None,
    ends_at: datetime | None,
    description: str,
    voting_open: bool,
    actor_id: int | None,
) -> IssueStage:
    """Change a stage's plan (dates, description, voting); the caller commits."""
    if starts_at and ends_at and ends_at < starts_at:
        raise AgoraError(
            "stage_dates", _("Stage “%(stage)s” cannot end before it starts.", stage=stage_label(key)), 400
        )
    row = stage_row(issue, key)
    changed = (row.starts_at, row.ends_at, row.description, row.voting_open) != (
        starts_at,
        ends_at,
        description,
        voting_open,
    )
    row.starts_at, row.ends_at, row.description, row.voting_open = starts_at, ends_at, description, voting_open
    if changed:
        activity.record(issue, "stage_updated", actor_id, stage=key.value, voting_open=voting_open)
    return row


def _missing_stages(issue: Issue) -> list[IssueStage]:
    present = {stage.key for stage in issue.stages}
    return [
        IssueStage(key=key, position=position, voting_open=key in VOTING_OPEN_BY_DEFAULT, description="")
        for position, key in enumerate(STAGE_ORDER)
        if key not in present
    ]
