"""Coordinated-voting signals (pol.is #976) for the console: what a facilitator should look at.

Two kinds, each with its participants, counts and a per-minute timeline:

* bursts: many new participants from one address (or one user agent) within minutes of each
  other; the address and agent are compared as keyed hashes (see newcomers.source_key);
* identical voters: participants created close in time who cast exactly the same votes on many
  statements.

These are signals, not verdicts (a classroom shares an address; friends may agree): excluding
anyone stays a facilitator's decision, with a public reason (see exclusion).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, union

from app.extensions import db
from app.models import Issue, Participant, Statement, Vote

BURST_GAP = timedelta(minutes=2)  # joins at most this far apart belong to one burst
BURST_MIN_BY_ADDRESS = 5  # a household has a few; a script many
BURST_MIN_BY_AGENT = 25  # many people share a common browser's user agent
IDENTICAL_MIN_VOTES = 5
IDENTICAL_MIN_PARTICIPANTS = 3
IDENTICAL_GAP = timedelta(minutes=30)


@dataclass(frozen=True)
class Cluster:
    kind: str  # "address" | "agent" | "identical_votes"
    participant_ids: tuple[int, ...]
    first: datetime
    last: datetime
    timeline: tuple[tuple[str, int], ...]  # ("YYYY-MM-DDTHH:MM" UTC, new participants that minute)
    statements: int = 0  # identical_votes: how many statements the shared votes cover

    @property
    def count(self) -> int:
        return len(self.participant_ids)


@dataclass(frozen=True)
class _Person:
    id: int
    created_at: datetime
    address_key: str | None
    agent_key: str | None


def signals(issue: Issue) -> list[Cluster]:
    """Every suspicious cluster in the issue, largest first."""
    people = _people(issue.id)
    found: list[Cluster] = []
    found += _bursts(people, "address", lambda p: p.address_key, BURST_MIN_BY_ADDRESS)
    found += _bursts(people, "agent", lambda p: p.agent_key, BURST_MIN_BY_AGENT)
    found += _identical_voters(issue.id, {p.id: p for p in people})
    return sorted(found, key=lambda c: (-c.count, c.first))


def _people(issue_id: int) -> list[_Person]:
    ids = union(
        select(Vote.participant_id.label("pid")).where(Vote.issue_id == issue_id),
        select(Statement.author_id.label("pid")).where(
            Statement.issue_id == issue_id, Statement.author_id.is_not(None)
        ),
    ).subquery()
    rows = db.session.execute(
        select(Participant.id, Participant.created_at, Participant.address_key, Participant.agent_key).where(
            Participant.id.in_(select(ids.c.pid))
        )
    )
    return [_Person(*row) for row in rows]


def _runs(people: Iterable[_Person], gap: timedelta) -> list[list[_Person]]:
    """People in creation order, split wherever two consecutive ones are more than ``gap`` apart."""
    runs: list[list[_Person]] = []
    for person in sorted(people, key=lambda p: (p.created_at, p.id)):
        if runs and person.created_at - runs[-1][-1].created_at <= gap:
            runs[-1].append(person)
        else:
            runs.append([person])
    return runs


def _cluster(kind: str, members: list[_Person], statements: int = 0) -> Cluster:
    minutes = Counter(p.created_at.strftime("%Y-%m-%dT%H:%M") for p in members)
    return Cluster(
        kind=kind,
        participant_ids=tuple(sorted(p.id for p in members)),
        first=min(p.created_at for p in members),
        last=max(p.created_at for p in members),
        timeline=tuple(sorted(minutes.items())),
        statements=statements,
    )


def _bursts(people: list[_Person], kind: str, key, minimum: int) -> list[Cluster]:
    groups: dict[str, list[_Person]] = defaultdict(list)
    for person in people:
        if key(person):
            groups[key(person)].append(person)
    return [
        _cluster(kind, run)
        for members in groups.values()
        if len(members) >= minimum
        for run in _runs(members, BURST_GAP)
        if len(run) >= minimum
    ]


def _identical_voters(issue_id: int, people: dict[int, _Person]) -> list[Cluster]:
    ballots: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for pid, sid, value in db.session.execute(
        select(Vote.participant_id, Vote.statement_id, Vote.value).where(Vote.issue_id == issue_id)
    ):
        ballots[pid].append((sid, value))
    same: dict[tuple[tuple[int, int], ...], list[_Person]] = defaultdict(list)
    for pid, votes in ballots.items():
        if len(votes) >= IDENTICAL_MIN_VOTES and pid in people:
            same[tuple(sorted(votes))].append(people[pid])
    return [
        _cluster("identical_votes", run, statements=len(vector))
        for vector, members in same.items()
        if len(members) >= IDENTICAL_MIN_PARTICIPANTS
        for run in _runs(members, IDENTICAL_GAP)
        if len(run) >= IDENTICAL_MIN_PARTICIPANTS
    ]
