"""The decision record: each proposal's outcome and reasons, linked to the statements it answers."""

from __future__ import annotations

from flask_babel import gettext as _

from app.exceptions import AgoraError
from app.extensions import db
from app.models import DecisionOutcome, DecisionProposal, Issue, Statement
from app.services.process import activity
from app.services.process.issue_rows import row_of, rows_of


def proposals(issue: Issue) -> list[DecisionProposal]:
    return rows_of(issue, DecisionProposal)


def get_proposal(issue: Issue, proposal_id: int) -> DecisionProposal:
    not_found = AgoraError("proposal_not_found", _("We could not find that proposal."), 404)
    return row_of(issue, DecisionProposal, proposal_id, not_found)


def save(
    issue: Issue,
    proposal: DecisionProposal | None,
    *,
    title: str,
    outcome: DecisionOutcome,
    reasons: str,
    statement_ids: list[int],
    actor_id: int | None,
) -> DecisionProposal:
    """Record or change the decision on one proposal; the caller commits."""
    statements = (
        list(
            db.session.scalars(
                db.select(Statement).where(Statement.issue_id == issue.id, Statement.id.in_(statement_ids))
            )
        )
        if statement_ids
        else []
    )
    if len(statements) != len(set(statement_ids)):
        raise AgoraError("statement_not_found", _("We could not find that statement in this issue."), 404)
    created = proposal is None
    if proposal is None:
        proposal = DecisionProposal(issue_id=issue.id)
        db.session.add(proposal)
    proposal.title, proposal.outcome, proposal.reasons = title, outcome, reasons
    proposal.statements = statements
    activity.record(issue, "decision_recorded" if created else "decision_updated", actor_id, title=title)
    return proposal
