"""idempotency and opaque links: one response point per position, a random token per follower (issue 14)

Revision ID: 0014_idempotency
Revises: 0014_session_version
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0014_idempotency"
down_revision = "0014_session_version"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("response_point", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_response_point_response_id_position"), ["response_id", "position"]
        )
    with op.batch_alter_table("issue_follower", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token", sa.String(length=64), nullable=True))
    # Followers from before get a token each; links sent before this migration stop working
    # (they carried the address) and the next email carries a new one.
    follower = sa.table("issue_follower", sa.column("id", sa.Integer), sa.column("token", sa.String))
    connection = op.get_bind()
    for (follower_id,) in connection.execute(sa.select(follower.c.id)).all():
        connection.execute(
            follower.update().where(follower.c.id == follower_id).values(token=secrets.token_urlsafe(32))
        )
    with op.batch_alter_table("issue_follower", schema=None) as batch_op:
        batch_op.alter_column("token", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_issue_follower_token"), ["token"])


def downgrade():
    with op.batch_alter_table("issue_follower", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_issue_follower_token"), type_="unique")
        batch_op.drop_column("token")
    with op.batch_alter_table("response_point", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_response_point_response_id_position"), type_="unique")
