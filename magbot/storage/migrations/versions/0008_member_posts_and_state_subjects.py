"""Where the bot's group posts about a member landed (`member_posts`), and an explicit subject for platform state
that names a person (`platform_state.subject_platform`, `.subject`), so /forgetme erases exactly his keys.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The keys that named a person before this revision, and the platform each belongs to.
PERSON_KEYS = (("mx:dm:", "matrix"), ("console:dm-open:", "console"))


def upgrade() -> None:
    op.create_table(
        "member_posts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(255), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("thread_id", sa.String(255), nullable=True),
        sa.Column("card", sa.String(128), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_member_posts_member_id", "member_posts", ["member_id"])
    with op.batch_alter_table("platform_state") as batch:
        batch.add_column(sa.Column("subject_platform", sa.String(16), nullable=True))
        batch.add_column(sa.Column("subject", sa.String(255), nullable=True))
    op.create_index("ix_platform_state_subject", "platform_state", ["subject_platform", "subject"])
    state = sa.table(
        "platform_state", sa.column("key", sa.String), sa.column("subject_platform"), sa.column("subject")
    )
    connection = op.get_bind()
    for prefix, platform in PERSON_KEYS:
        rows = connection.execute(sa.select(state.c.key).where(state.c.key.startswith(prefix))).scalars().all()
        for key in rows:
            connection.execute(
                state.update()
                .where(state.c.key == key)
                .values(subject_platform=platform, subject=key.removeprefix(prefix))
            )


def downgrade() -> None:
    op.drop_index("ix_platform_state_subject", "platform_state")
    with op.batch_alter_table("platform_state") as batch:
        batch.drop_column("subject")
        batch.drop_column("subject_platform")
    op.drop_index("ix_member_posts_member_id", "member_posts")
    op.drop_table("member_posts")
