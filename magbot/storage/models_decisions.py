"""Tables for group decisions, rules and flags (migration 0003_polls_and_group_decisions; polls' own tables, made
by the same migration, are in models_polls.py).

What names a member: decision_ballots (while open), decisions.proposer_id and about_member_id, flags.
`/forgetme` erases or blanks each of them (magbot/handlers/decisions.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from magbot.storage.models import Base
from magbot.storage.types import UTCDateTime


class DecisionRow(Base):
    __tablename__ = "decisions"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids are in buttons and keys: never reuse one

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(16), default="open")
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    about_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    eligible: Mapped[int] = mapped_column(Integer, default=0)
    quorum: Mapped[str] = mapped_column(String(16))
    threshold: Mapped[str] = mapped_column(String(16))
    yes: Mapped[int] = mapped_column(Integer, default=0)
    no: Mapped[int] = mapped_column(Integer, default=0)
    abstain: Mapped[int] = mapped_column(Integer, default=0)


class DecisionBallotRow(Base):
    """An eligible member's ballot. `choice` lives only while the vote is open; afterwards the row says
    only that he took part (rows of members who did not vote are deleted at close)."""

    __tablename__ = "decision_ballots"

    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    choice: Mapped[str | None] = mapped_column(String(8))
    voted: Mapped[bool] = mapped_column(Boolean, default=False)


class GroupRuleRow(Base):
    """A rule the group agreed by decision; numbered by position in /rules."""

    __tablename__ = "group_rules"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids are in buttons and keys: never reuse one

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FlagRow(Base):
    """One member's flag on a group message, until the message is hidden (then the flags are deleted)."""

    __tablename__ = "flags"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime())
