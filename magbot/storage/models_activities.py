"""Tables for the activities feature (see magbot/storage/migrations/versions/)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from magbot.storage.models import Base
from magbot.storage.types import UTCDateTime


class ActivitySeriesRow(Base):
    """A weekly activity (`every week`): each week's one is posted a few days ahead."""

    __tablename__ = "activity_series"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids are in scheduled keys: never reuse

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    what: Mapped[str] = mapped_column(Text)
    place: Mapped[str] = mapped_column(Text)
    weekday: Mapped[int] = mapped_column(Integer)
    at: Mapped[str] = mapped_column(String(5))  # local HH:MM
    places: Mapped[int | None] = mapped_column(Integer)
    cost_pence: Mapped[int | None] = mapped_column(Integer)
    guests: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="on")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ActivityRow(Base):
    __tablename__ = "activities"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids are in buttons: never reuse

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("activity_series.id", ondelete="SET NULL"))
    what: Mapped[str] = mapped_column(Text)
    place: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    places: Mapped[int | None] = mapped_column(Integer)
    cost_pence: Mapped[int | None] = mapped_column(Integer)
    guests: Mapped[bool] = mapped_column(Boolean, default=False)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SignUpRow(Base):
    __tablename__ = "activity_signups"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(8))
    guests: Mapped[int] = mapped_column(Integer, default=0)
    seq: Mapped[int] = mapped_column(Integer, default=0)
