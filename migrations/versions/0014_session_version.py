"""session version: logging out ends every session of the user (issue 14)

Revision ID: 0014_session_version
Revises: 0012_open_data_reports
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_session_version"
down_revision = "0012_open_data_reports"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("session_version")
