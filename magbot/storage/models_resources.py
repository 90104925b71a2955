"""Tables for the resource library (migration 0006): the group's library and the "out of date" flags on it.
Offers and needs, made by the same migration, are in models_help_offers.py."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from magbot.storage.models import Base
from magbot.storage.types import UTCDateTime


class ResourceRow(Base):
    __tablename__ = "resources"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids are in "Out of date?" buttons: never reuse

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(Text, default="")  # space-separated, lower-case
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ResourceFlagRow(Base):
    __tablename__ = "resource_flags"

    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
