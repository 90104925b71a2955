"""Meetings and agenda: notices, who is coming, suggestions and their +1s.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
        sa.Column("meeting_date", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("members.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_meeting_notices_group_id", "meeting_notices", ["group_id"])
    op.create_table(
        "meeting_rsvps",
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
        sa.Column("meeting_date", sa.String(length=10), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
        sa.Column("coming", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("group_id", "meeting_date", "member_id"),
    )
    op.create_table(
        "agenda_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=True),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_agenda_suggestions_group_id", "agenda_suggestions", ["group_id"])
    op.create_table(
        "agenda_plus_ones",
        sa.Column(
            "suggestion_id",
            sa.Integer(),
            sa.ForeignKey("agenda_suggestions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
        sa.PrimaryKeyConstraint("suggestion_id", "member_id"),
    )


def downgrade() -> None:
    op.drop_table("agenda_plus_ones")
    op.drop_index("ix_agenda_suggestions_group_id", "agenda_suggestions")
    op.drop_table("agenda_suggestions")
    op.drop_table("meeting_rsvps")
    op.drop_index("ix_meeting_notices_group_id", "meeting_notices")
    op.drop_table("meeting_notices")
