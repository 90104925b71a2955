"""A button press's pop-up kept with its event key, until the press is answered: a process that dies between
the commit and answerCallbackQuery answers the redelivered press with the same pop-up (issue 12).

Revision ID: 0012
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("processed_events") as batch:
        batch.add_column(sa.Column("toast", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("processed_events") as batch:
        batch.drop_column("toast")
