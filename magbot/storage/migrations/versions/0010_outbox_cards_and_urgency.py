"""The outbox knows what each row touches and whether it answers a member: the card it posts, edits or deletes,
the thread it goes into, its kind, and `urgent` (a direct answer goes before bulk edits and scheduled posts of the
same chat). With these the sender picks a chat's next row and coalesces a card's pending edits without reading
every payload. Rows written before this revision read as bulk rows touching no card: sent in order, as before.
And each set-up group gets one `plan_group` row: groups are planned by their own rows now, not on every tick.

Revision ID: 0010
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("kind", sa.String(16), nullable=True))
    op.add_column("outbox", sa.Column("card", sa.String(128), nullable=True))
    op.add_column("outbox", sa.Column("thread", sa.String(128), nullable=True))
    op.add_column("outbox", sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_outbox_chat_card", "outbox", ["platform", "chat_id", "card"])
    # Groups are no longer planned by walking them all on every tick: each set-up group gets a row that plans
    # it once (its jobs plan the next ones as they run).
    op.execute(
        sa.text(
            "INSERT INTO scheduled (key, kind, group_id, due_at, grace_seconds, payload, status) "
            "SELECT 'plan-group:' || id || '-upgrade', 'plan_group', id, created_at, 2147483647, '{}', 'pending' "
            "FROM groups WHERE setup_at IS NOT NULL"
        )
    )


def downgrade() -> None:
    op.execute("DELETE FROM scheduled WHERE kind = 'plan_group'")
    op.drop_index("ix_outbox_chat_card", table_name="outbox")
    # Recreated on SQLite: keep AUTOINCREMENT, or a deleted row's id could be handed out again (Matrix txn ids).
    with op.batch_alter_table("outbox", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("urgent")
        batch.drop_column("thread")
        batch.drop_column("card")
        batch.drop_column("kind")
