"""Tables for offers and needs (made by migration 0006, with the library's): each offer or need, and which members
were introduced to its poster (once per pair)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from magbot.storage.models import Base
from magbot.storage.types import UTCDateTime


class HelpPostRow(Base):
    """An offer or a need."""

    __tablename__ = "help_posts"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids are in buttons and scheduled keys: never reuse

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HelpIntroductionRow(Base):
    """Who was introduced to the poster about an offer or need (once per pair)."""

    __tablename__ = "help_introductions"

    post_id: Mapped[int] = mapped_column(ForeignKey("help_posts.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
