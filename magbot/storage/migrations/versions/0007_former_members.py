"""Former members while the founding window is open: a hash of the person's id, so that someone who left, was
removed or erased himself cannot make himself a founding member again with "I'm a member".

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "former_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_hash", sa.String(64), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("group_id", "user_hash"),
    )


def downgrade() -> None:
    op.drop_table("former_members")
