"""export order indexes: the openData export reads votes through covering indexes (issue 12)

vote_event gets an index in votes.csv's order (issue, comment, voter, time, id) that also holds the
value, so a 2M-vote export reads ranges of statements without a sort and without the table. vote's
index on issue_id becomes (issue, participant, statement, value): it still serves every read of an
issue's votes, and the export's per-participant reads too.

Revision ID: 0012_export_order_indexes
Revises: 0011_participation
Create Date: 2026-12-01 08:00:00

"""

from alembic import op

revision = "0012_export_order_indexes"
down_revision = "0011_participation"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("vote_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_vote_event_export_order",
            ["issue_id", "statement_id", "participant_id", "created_at", "id", "value"],
            unique=False,
        )
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.create_index(
            "ix_vote_issue_id_participant_id", ["issue_id", "participant_id", "statement_id", "value"], unique=False
        )
        batch_op.drop_index("ix_vote_issue_id")


def downgrade():
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.create_index("ix_vote_issue_id", ["issue_id"], unique=False)
        batch_op.drop_index("ix_vote_issue_id_participant_id")
    with op.batch_alter_table("vote_event", schema=None) as batch_op:
        batch_op.drop_index("ix_vote_event_export_order")
