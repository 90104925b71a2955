"""The database schema. Change it only together with a new Alembic migration."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from magbot.storage.types import UTCDateTime


class Base(DeclarativeBase):
    pass


class GroupRow(Base):
    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("platform", "chat_id", name="uq_groups_chat"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(255))
    setup_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    settings: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MemberRow(Base):
    __tablename__ = "members"
    # Ids appear in button data (`leave:yes:<id>`): never hand an erased member's id to someone else.
    __table_args__ = (UniqueConstraint("group_id", "user_id", name="uq_members_user"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")
    founding: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    dm_open: Mapped[bool] = mapped_column(Boolean, default=False)
    unreachable_told: Mapped[bool] = mapped_column(Boolean, default=False)
    muted_until: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a passed mute decision, until then
    mute_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # last private "you're muted" answer


class FormerMemberRow(Base):
    """Someone who was a member, by a hash of his id, kept only until the group's founding window closes: founding
    membership is for people who were never members (coming back is an admission vote). No name, nothing else."""

    __tablename__ = "former_members"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    user_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime())


class ProcessedEventRow(Base):
    """Keys of events already handled. Stored hashed: a DM's key would otherwise name the person."""

    __tablename__ = "processed_events"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # A press's pop-up until the platform answered it: a redelivered press after a crash gets the same one.
    toast: Mapped[str | None] = mapped_column(Text, nullable=True)


class OutboxRow(Base):
    __tablename__ = "outbox"
    # AUTOINCREMENT: SQLite would otherwise hand a deleted row's id to the next message, and Matrix txn ids
    # derive from it, so the homeserver would take a new message for a retry of an old one and drop it.
    __table_args__ = (
        Index("ix_outbox_pending", "status", "next_attempt_at"),
        Index("ix_outbox_chat_card", "platform", "chat_id", "card"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(255))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # What the row touches, so a chat's next row is chosen and a card's edits coalesced without reading payloads.
    kind: Mapped[str | None] = mapped_column(String(16))
    card: Mapped[str | None] = mapped_column(String(128))
    thread: Mapped[str | None] = mapped_column(String(128))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class CardRow(Base):
    """Where a named message of the bot's ended up, so it can be edited or deleted later."""

    __tablename__ = "cards"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    card: Mapped[str] = mapped_column(String(128), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255))
    thread_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PendingInputRow(Base):
    """The step a member is at in a guided conversation, per chat, with an expiry."""

    __tablename__ = "pending_inputs"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[str] = mapped_column(Text, default="{}")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ScheduledRow(Base):
    """A send that must happen once at a time: the idempotency key makes a restart never double it."""

    __tablename__ = "scheduled"
    __table_args__ = (Index("ix_scheduled_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    grace_seconds: Mapped[int] = mapped_column(Integer, default=3600)
    payload: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PlatformStateRow(Base):
    """Small per-platform cursors: Telegram's confirmed update offset, Matrix's next_batch, DM rooms.

    A key about one person (his private room) names him in `subject_platform` + `subject`, and /forgetme erases by
    those columns, never by matching the key's text (a key ending in a poll id or an outbox id is nobody's)."""

    __tablename__ = "platform_state"
    __table_args__ = (Index("ix_platform_state_subject", "subject_platform", "subject"),)

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    subject_platform: Mapped[str | None] = mapped_column(String(16))
    subject: Mapped[str | None] = mapped_column(String(255))


class MemberPostRow(Base):
    """Where a group post of the bot's with a member's words or name landed, so /forgetme and his own deletes can
    take it back (migration 0008). Erased with the member."""

    __tablename__ = "member_posts"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(255))
    message_id: Mapped[str] = mapped_column(String(255))
    thread_id: Mapped[str | None] = mapped_column(String(255))
    card: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

