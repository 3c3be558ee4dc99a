"""What a ministry response must answer: the points of the latest opinion map, or a fallback."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    DecisionProposal,
    Issue,
    MinistryResponse,
    ModerationStatus,
    PointSource,
    ResponseKind,
    Statement,
    Vote,
    VoteValue,
)
from app.services.labels import group_label
from app.services.opinion.latest_map import latest_map

#: Without an opinion map, this many of the most agreed-with statements are answered.
FALLBACK_POINTS = 10


@dataclass(frozen=True)
class GroupShare:
    """How one opinion group voted on a statement (shares of those who saw it)."""

    group_id: int
    agree: float
    disagree: float

    @property
    def label(self) -> str:
        return group_label(self.group_id)


@dataclass
class _Entry:
    statement_id: int
    source: PointSource
    group_ids: list[int]
    shares: tuple[GroupShare, ...] = ()


@dataclass(frozen=True)
class PointSpec:
    """A point the ministry must answer; ``key`` names its form fields."""

    key: str
    source: PointSource
    subject: str
    statement_id: int | None = None
    decision_proposal_id: int | None = None
    group_ids: tuple[int, ...] = field(default=())
    shares: tuple[GroupShare, ...] = field(default=())  # for the form only; not stored


def _items(items: object) -> list[tuple[int, list]]:
    """(statement id, per-group shares) from a snapshot list of ints or of statement objects."""
    found: list[tuple[int, list]] = []
    for item in items if isinstance(items, list) else []:
        value = item.get("statement_id") if isinstance(item, dict) else item
        shares = item.get("by_group") if isinstance(item, dict) else None
        if isinstance(value, int):
            found.append((value, shares if isinstance(shares, list) else []))
    return found


def _snapshot_statements(issue: Issue) -> list[_Entry] | None:
    """The consensus and representative statements of the latest opinion map; None without one.

    Reads the map's payload (``majority`` agree/disagree lists, ``group_informed_consensus``, and
    each group's ``representative`` statements). Stored payloads are read defensively: a tick
    stored by an older version may lack a list or hold bare statement ids.
    """
    view = latest_map(issue.id)
    if view.tick == 0 or not isinstance(view.payload, dict):
        return None
    result: Mapping[str, Any] = view.payload
    found: dict[int, _Entry] = {}
    consensus: list[tuple[int, list]] = []
    for key in ("majority", "consensus"):
        lists = result.get(key)
        if isinstance(lists, dict):
            consensus += _items(lists.get("agree")) + _items(lists.get("disagree"))
        else:
            consensus += _items(lists)
    consensus += _items(result.get("group_informed_consensus"))
    for statement_id, shares in consensus:
        found.setdefault(statement_id, _Entry(statement_id, PointSource.CONSENSUS, [], _shares(shares)))
    for group in result.get("groups") or []:
        if not isinstance(group, dict) or not isinstance(group.get("id"), int):
            continue
        for statement_id, shares in _items(group.get("representative")):
            entry = found.setdefault(statement_id, _Entry(statement_id, PointSource.GROUP, [], _shares(shares)))
            if group["id"] not in entry.group_ids:
                entry.group_ids.append(group["id"])
    return list(found.values()) or None


def _shares(by_group: list) -> tuple[GroupShare, ...]:
    return tuple(
        GroupShare(int(g["group_id"]), float(g.get("agree", 0)), float(g.get("disagree", 0)))
        for g in by_group
        if isinstance(g, dict) and isinstance(g.get("group_id"), int)
    )


def _most_agreed(issue: Issue) -> list[_Entry]:
    """The accepted statements with the most agree votes: the fallback before any opinion map."""
    agrees = func.count(Vote.id).filter(Vote.value == int(VoteValue.AGREE))
    rows = db.session.execute(
        select(Statement.id)
        .outerjoin(Vote, Vote.statement_id == Statement.id)
        .where(
            Statement.issue_id == issue.id,
            Statement.moderation_status == ModerationStatus.ACCEPTED,
            Statement.is_meta.is_(False),
        )
        .group_by(Statement.id)
        .order_by(agrees.desc(), Statement.id)
        .limit(FALLBACK_POINTS)
    ).scalars()
    return [_Entry(sid, PointSource.TOP, []) for sid in rows]


def _statement_points(issue: Issue, entries: list[_Entry]) -> list[PointSpec]:
    """Point specs for statements still in the opinion math (rejected and meta ones left it)."""
    statements = {
        s.id: s
        for s in db.session.scalars(select(Statement).where(Statement.id.in_([e.statement_id for e in entries])))
        if s.issue_id == issue.id and s.moderation_status != ModerationStatus.REJECTED and not s.is_meta
    }
    return [
        PointSpec(
            f"statement-{e.statement_id}",
            e.source,
            statements[e.statement_id].text,
            statement_id=e.statement_id,
            group_ids=tuple(e.group_ids),
            shares=e.shares,
        )
        for e in entries
        if e.statement_id in statements
    ]


def required_points(response: MinistryResponse) -> list[PointSpec]:
    """Everything this response must answer, in the order the form shows it.

    The inform response answers the consensus and each group's representative statements of
    the latest opinion map (or, before there is one, the most agreed-with statements). The
    final response answers every decision proposal and again every point of the inform response.
    """
    issue = response.issue
    inform = (
        db.session.scalar(select(MinistryResponse).filter_by(issue_id=issue.id, kind=ResponseKind.INFORM))
        if response.kind is ResponseKind.FINAL
        else None
    )
    if inform is not None and inform.answered_at is not None:
        entries = [
            _Entry(p.statement_id, p.source, list(p.group_ids or ()))
            for p in inform.points
            if p.statement_id is not None
        ]
    else:
        entries = _snapshot_statements(issue) or _most_agreed(issue)
    points = _statement_points(issue, entries)
    if response.kind is ResponseKind.FINAL:
        proposals = db.session.scalars(
            select(DecisionProposal).filter_by(issue_id=issue.id).order_by(DecisionProposal.id)
        )
        points = [
            PointSpec(f"proposal-{p.id}", PointSource.PROPOSAL, p.title, decision_proposal_id=p.id) for p in proposals
        ] + points
    return points
