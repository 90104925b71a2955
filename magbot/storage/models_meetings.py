"""Tables for meetings and the agenda: notices, who is coming, suggestions and their +1s."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from magbot.storage.models import Base
from magbot.storage.types import UTCDateTime


class MeetingNoticeRow(Base):
    __tablename__ = "meeting_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    meeting_date: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RsvpRow(Base):
    __tablename__ = "meeting_rsvps"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    meeting_date: Mapped[str] = mapped_column(String(10), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    coming: Mapped[bool] = mapped_column(Boolean)


class SuggestionRow(Base):
    __tablename__ = "agenda_suggestions"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids are in +1 buttons: never reuse

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SuggestionVoteRow(Base):
    __tablename__ = "agenda_plus_ones"

    suggestion_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_suggestions.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
