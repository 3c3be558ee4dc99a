"""open data settings, named opinion groups, frozen reports

Revision ID: 0012_open_data_reports
Revises: 0013_integrations
Create Date: 2026-12-01 04:40:00

"""

import sqlalchemy as sa
from alembic import op

import app.models.types

revision = "0012_open_data_reports"
down_revision = "0013_integrations"
branch_labels = None
depends_on = None

_STAGES = ["agenda_setting", "research", "inform", "discussion", "voting", "decision", "response"]


def upgrade():
    op.create_table(
        "open_data_settings",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("license", sa.String(length=64), nullable=False),
        sa.Column("public_from_stage", sa.Enum(*_STAGES, name="stage", native_enum=False, length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issue.id"], name=op.f("fk_open_data_settings_issue_id_issue"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("issue_id", name=op.f("pk_open_data_settings")),
    )
    op.create_table(
        "group_label",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issue.id"], name=op.f("fk_group_label_issue_id_issue"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_label")),
        sa.UniqueConstraint("issue_id", "group_id", name=op.f("uq_group_label_issue_id_group_id")),
    )
    with op.batch_alter_table("group_label", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_label_issue_id"), ["issue_id"], unique=False)
    op.create_table(
        "frozen_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("stage", sa.Enum(*_STAGES, name="stage", native_enum=False, length=32), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_frozen_report_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issue.id"], name=op.f("fk_frozen_report_issue_id_issue"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"], ["opinion_snapshot.id"], name=op.f("fk_frozen_report_snapshot_id_opinion_snapshot")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frozen_report")),
    )
    with op.batch_alter_table("frozen_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_frozen_report_issue_id"), ["issue_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_frozen_report_snapshot_id"), ["snapshot_id"], unique=False)


def downgrade():
    with op.batch_alter_table("frozen_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_frozen_report_snapshot_id"))
        batch_op.drop_index(batch_op.f("ix_frozen_report_issue_id"))
    op.drop_table("frozen_report")
    with op.batch_alter_table("group_label", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_label_issue_id"))
    op.drop_table("group_label")
    op.drop_table("open_data_settings")
