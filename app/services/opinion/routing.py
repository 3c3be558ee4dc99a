"""Which statement a participant is shown next: pol.is priority routing.

Callers rely only on ``choose_next_statement(issue, participant_id)``. The weights come from the
latest opinion-map snapshot (``clustering`` computes pol.is's comment priorities, as in
``math/src/polismath/math/conversation.clj`` of https://github.com/compdemocracy/polis), so routing
costs two small queries and never runs the clustering itself.
"""

from __future__ import annotations

import random

from sqlalchemy import exists, select

from app.extensions import db
from app.models import Issue, Statement, Vote
from app.services.opinion.latest_map import routing_priorities
from app.services.visibility import citizen_visible
from clustering import META_STATEMENT_PRIORITY, NEW_STATEMENT_PRIORITY

#: pol.is offers at most this many candidates (server.ts ``LIMIT 999``, oldest first).
MAX_CANDIDATES = 999
# A statement whose priority came out 0 (e.g. only passes) stays reachable, just rarely.
_MIN_WEIGHT = 1e-6

_rng = random.Random()


def choose_next_statement(
    issue: Issue, participant_id: int | None, rng: random.Random | None = None
) -> Statement | None:
    """A visible statement this participant has not voted on, drawn at random weighted by priority.

    Statements the latest snapshot has not seen yet get the full new-statement boost; meta
    statements get pol.is's fixed 49. ``rng`` makes the draw reproducible in tests.
    """
    query = select(Statement.id, Statement.is_meta).where(Statement.issue_id == issue.id, citizen_visible(issue))
    if participant_id is not None:
        query = query.where(~exists().where(Vote.statement_id == Statement.id, Vote.participant_id == participant_id))
    candidates = db.session.execute(query.order_by(Statement.created_at, Statement.id).limit(MAX_CANDIDATES)).all()
    if not candidates:
        return None
    priorities = routing_priorities(issue.id)
    weights = [
        META_STATEMENT_PRIORITY if is_meta else max(priorities.get(statement_id, NEW_STATEMENT_PRIORITY), _MIN_WEIGHT)
        for statement_id, is_meta in candidates
    ]
    chosen = (rng or _rng).choices(candidates, weights=weights)[0]
    return db.session.get(Statement, chosen.id)
