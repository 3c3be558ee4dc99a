"""The ids an openData export uses: pol.is comment and participant ids, per issue.

pol.is numbers comments and participants per conversation from 0. A statement imported from
pol.is keeps its comment id (``Statement.polis_tid``) and an imported participant its id (the
``polis:<slug>:<pid>`` xid the importer gave it), so an import exports with its original ids.
Everything else is numbered after the highest imported id, in database-id order.

Both mappings grow with the database ids (the importer inserts in pol.is id order and later rows
get higher ids), so ordering rows by database id orders them by export id too.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, union

from app.extensions import db
from app.models import Issue, Participant, Statement, VoteEvent


@dataclass(frozen=True)
class ExportIds:
    comment_id: dict[int, int]  # Statement.id -> comment-id
    participant_id: dict[int, int]  # Participant.id -> participant / voter-id / author-id


def export_ids(issue: Issue) -> ExportIds:
    """The comment and participant ids of ``issue``'s export."""
    statements = db.session.execute(
        select(Statement.id, Statement.polis_tid).where(Statement.issue_id == issue.id).order_by(Statement.id)
    ).tuples()
    comment_id = _number(list(statements))

    people = union(
        select(VoteEvent.participant_id.label("pid")).where(VoteEvent.issue_id == issue.id),
        select(Statement.author_id.label("pid")).where(
            Statement.issue_id == issue.id, Statement.author_id.is_not(None)
        ),
    ).subquery()
    prefix = f"polis:{issue.slug}:"
    rows = db.session.execute(
        select(Participant.id, Participant.xid).where(Participant.id.in_(select(people.c.pid))).order_by(Participant.id)
    ).tuples()
    participant_id = _number([(pid, _polis_pid(xid, prefix)) for pid, xid in rows])
    return ExportIds(comment_id, participant_id)


def _polis_pid(xid: str | None, prefix: str) -> int | None:
    if xid is None or not xid.startswith(prefix):
        return None
    tail = xid[len(prefix) :]
    return int(tail) if tail.isdigit() else None


def _number(rows: list[tuple[int, int | None]]) -> dict[int, int]:
    """Keep the given external ids; number the rest after the highest, in database-id order."""
    taken = {external for _, external in rows if external is not None}
    following = max(taken, default=-1) + 1
    out = {}
    for row_id, external in rows:
        if external is None:
            external, following = following, following + 1
        out[row_id] = external
    return out
