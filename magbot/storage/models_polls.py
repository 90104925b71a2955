"""Tables for polls (made by migration 0003_polls_and_group_decisions, with the decisions' tables).

What names a member: poll_votes, polls.creator_id. `/forgetme` erases or blanks them (magbot/handlers/polls.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from magbot.storage.models import Base
from magbot.storage.types import UTCDateTime


class PollRow(Base):
    __tablename__ = "polls"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids are in buttons and keys: never reuse one

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(Text)
    options: Mapped[str] = mapped_column(Text)  # JSON list of option texts
    multi: Mapped[bool] = mapped_column(Boolean, default=False)
    named: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    counts: Mapped[str] = mapped_column(Text, default="[]")  # JSON counts per option, kept after close
    voters: Mapped[int] = mapped_column(Integer, default=0)


class PollVoteRow(Base):
    """One member's choice in an open poll (several rows for a multi-answer poll); deleted at close."""

    __tablename__ = "poll_votes"

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    option: Mapped[int] = mapped_column(Integer, primary_key=True)
