"""Tables for the support feature: check-ins, buddies and offloads (migration 0004).

What is kept is the least each feature needs: a check-in is a mood and a time (never the words); a buddy pair
remembers when each was last seen only while the pair exists; an offload keeps its text only while it is a
draft or, for an anonymous one, while replies must be relayed to its author.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from magbot.storage.models import Base
from magbot.storage.types import UTCDateTime


class CheckInRow(Base):
    __tablename__ = "checkins"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids appear in buttons and keys: never reuse one

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    mood: Mapped[int] = mapped_column(Integer)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class BuddyRow(Base):
    """Two members who agreed to look out for each other; `status` is `asked` until the other says yes."""

    __tablename__ = "buddies"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids appear in buttons and keys: never reuse one

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    first_member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    second_member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="asked")
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    second_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    first_nudged: Mapped[bool] = mapped_column(Boolean, default=False)  # the second was told about the first
    second_nudged: Mapped[bool] = mapped_column(Boolean, default=False)


class OffloadRow(Base):
    __tablename__ = "offloads"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids appear in buttons and keys: never reuse one

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    author_member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    heavy: Mapped[bool] = mapped_column(Boolean, default=False)
    mode: Mapped[str] = mapped_column(String(16), default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    posts: Mapped[int] = mapped_column(Integer, default=0)
    kept: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OffloadSupportRow(Base):
    """Who pressed "I hear you" / "Been there" on an offload, so each counts once; goes with the offload."""

    __tablename__ = "offload_support"

    offload_id: Mapped[int] = mapped_column(ForeignKey("offloads.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
