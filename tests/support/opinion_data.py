"""A small conversation with two clear opinion blocs, stored in bulk for the opinion-map tests."""

from __future__ import annotations

from dataclasses import dataclass

from app.extensions import db
from app.models import ModerationStatus, Participant, Statement, Vote, VoteEvent
from app.services.statements import normalize_statement

#: Statements 0-3: bloc A agrees, bloc B disagrees; 4-7 the other way round; 8-9 everyone agrees.
SPLIT = 4
SHARED = 2


@dataclass(frozen=True)
class Blocs:
    statement_ids: list[int]
    bloc_a: list[int]
    bloc_b: list[int]

    @property
    def shared_ids(self) -> list[int]:
        return self.statement_ids[2 * SPLIT :]


def make_blocs(app, issue_id: int, per_bloc: int = 20) -> Blocs:
    """Two blocs of ``per_bloc`` participants who vote on every statement, in one transaction."""
    with app.app_context():
        statements = [
            Statement(
                issue_id=issue_id,
                text=f"Statement {n}: {'shared' if n >= 2 * SPLIT else 'divisive'} <b>view</b>",
                normalized_text=normalize_statement(f"statement {n}"),
                moderation_status=ModerationStatus.ACCEPTED,
            )
            for n in range(2 * SPLIT + SHARED)
        ]
        people = [Participant() for _ in range(2 * per_bloc)]
        db.session.add_all(statements + people)
        db.session.flush()
        rows = []
        for index, person in enumerate(people):
            in_a = index < per_bloc
            for n, statement in enumerate(statements):
                if n >= 2 * SPLIT:
                    value = 1
                elif (n < SPLIT) == in_a:
                    value = 1
                else:
                    value = -1
                # Some dissent so the blocs are not single points: every fifth person passes once.
                if index % 5 == 0 and n == index % (2 * SPLIT):
                    value = 0
                rows.append(
                    dict(
                        issue_id=issue_id,
                        participant_id=person.id,
                        statement_id=statement.id,
                        value=value,
                    )
                )
        db.session.execute(db.insert(Vote), rows)
        db.session.execute(db.insert(VoteEvent), rows)
        db.session.commit()
        ids = [p.id for p in people]
        return Blocs([s.id for s in statements], ids[:per_bloc], ids[per_bloc:])
