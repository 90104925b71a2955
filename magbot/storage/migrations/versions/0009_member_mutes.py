"""A member's mute: until when he is muted in the group, and when he was last told so privately (the bot answers
a muted member's group messages privately at most once a day, not once per message).

Revision ID: 0009
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("muted_until", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("mute_told_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("mute_told_at")
        batch.drop_column("muted_until")
