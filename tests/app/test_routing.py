"""next-statement follows pol.is priorities from the latest snapshot (statistically, seeded)."""

from __future__ import annotations

import random
from collections import Counter

from scipy.stats import chisquare

from app.extensions import db
from app.models import Issue, ModerationMode, ModerationStatus
from app.services.opinion.latest_map import routing_priorities
from app.services.opinion.recompute import recompute
from app.services.opinion.routing import choose_next_statement
from clustering import META_STATEMENT_PRIORITY, NEW_STATEMENT_PRIORITY
from tests.support.issues import make_issue, make_participant, make_statement, make_vote
from tests.support.opinion_data import make_blocs

DRAWS = 1000


def draw(app, issue_id: int, participant_id: int | None, n: int = DRAWS, seed: int = 0) -> Counter:
    rng = random.Random(seed)
    with app.app_context():
        issue = db.session.get(Issue, issue_id)
        counts = Counter()
        for _ in range(n):
            statement = choose_next_statement(issue, participant_id, rng=rng)
            counts[statement.id if statement else None] += 1
        return counts


def test_draws_follow_the_snapshot_priorities(app):
    issue_id = make_issue(app)
    blocs = make_blocs(app, issue_id)
    with app.app_context():
        priorities = recompute(issue_id).view.priorities
    newcomer = make_participant(app)

    counts = draw(app, issue_id, newcomer)

    ids = blocs.statement_ids
    weights = [priorities[sid] for sid in ids]
    assert len(set(round(w, 6) for w in weights)) > 1  # the priorities really differ
    expected = [DRAWS * w / sum(weights) for w in weights]
    assert chisquare([counts[sid] for sid in ids], expected).pvalue > 0.001
    # ...and plainly not uniform: a uniform router would fail this.
    assert chisquare([counts[sid] for sid in ids]).pvalue < 1e-6
    assert counts.most_common(1)[0][0] == max(ids, key=priorities.get)


def test_new_statements_are_boosted(app):
    issue_id = make_issue(app)
    blocs = make_blocs(app, issue_id)
    with app.app_context():
        priorities = recompute(issue_id).view.priorities
    fresh = make_statement(app, issue_id, "Posted after the last recompute")
    newcomer = make_participant(app)

    counts = draw(app, issue_id, newcomer)

    total = sum(priorities[sid] for sid in blocs.statement_ids) + NEW_STATEMENT_PRIORITY
    share = counts[fresh] / DRAWS
    assert abs(share - NEW_STATEMENT_PRIORITY / total) < 0.05
    assert counts.most_common(1)[0][0] == fresh
    assert NEW_STATEMENT_PRIORITY > max(priorities.values())


def test_meta_statements_get_the_fixed_priority(app):
    issue_id = make_issue(app)
    make_blocs(app, issue_id, per_bloc=5)
    meta = make_statement(app, issue_id, "I live in Taipei", is_meta=True)
    with app.app_context():
        recompute(issue_id)
        assert routing_priorities(issue_id)[meta] == META_STATEMENT_PRIORITY
    counts = draw(app, issue_id, make_participant(app), n=500)
    assert counts.most_common(1)[0][0] == meta


def test_routing_respects_moderation_and_past_votes(app):
    issue_id = make_issue(app, moderation_mode=ModerationMode.STRICT)
    blocs = make_blocs(app, issue_id, per_bloc=5)
    hidden = make_statement(app, issue_id, "Waiting for a moderator", status=ModerationStatus.UNMODERATED)
    rejected = make_statement(app, issue_id, "Rejected", status=ModerationStatus.REJECTED)
    with app.app_context():
        recompute(issue_id)
    voter = make_participant(app)
    for statement_id in blocs.statement_ids[:-2]:
        make_vote(app, issue_id, voter, statement_id, 1)

    counts = draw(app, issue_id, voter, n=300)

    assert set(counts) == set(blocs.statement_ids[-2:])
    assert hidden not in counts and rejected not in counts


def test_nothing_left_to_vote_on(app):
    issue_id = make_issue(app)
    blocs = make_blocs(app, issue_id, per_bloc=3)
    assert draw(app, issue_id, blocs.bloc_a[0], n=5) == Counter({None: 5})


def test_without_a_snapshot_every_statement_is_new(app):
    issue_id = make_issue(app)
    ids = [make_statement(app, issue_id, f"Statement {n}") for n in range(4)]
    counts = draw(app, issue_id, None, n=800)
    assert set(counts) == set(ids)
    assert chisquare([counts[sid] for sid in ids]).pvalue > 0.001  # uniform
