"""The weekly meeting: when the next one is, when its reminders go, and how its agenda is ranked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from magbot.domain.dates import soon_text
from magbot.domain.recurrence import local_to_utc, next_weekly

MEETING_LENGTH = timedelta(hours=2)  # after this the bot asks which topics were covered
AGENDA_TOP = 3  # reminders list this many suggestions


@dataclass(frozen=True)
class Schedule:
    """The group's meeting (its settings meeting_day, meeting_time, meeting_place and timezone)."""

    weekday: int
    at: time
    place: str
    zone: ZoneInfo

    def next_start(self, now: datetime) -> datetime:
        """The meeting under way, or else the next one (UTC)."""
        return next_weekly(now - MEETING_LENGTH, self.weekday, self.at, self.zone)

    def local_date(self, start: datetime) -> date:
        return start.astimezone(self.zone).date()


@dataclass(frozen=True)
class ReminderOffset:
    """`1d@18:00` (a day before, at 18:00 local) or `2h` (two hours before the start)."""

    label: str
    days_before: int = 0
    at: time | None = None
    hours_before: int = 0

    def due(self, start: datetime, zone: ZoneInfo) -> datetime:
        if self.at is not None:
            day = start.astimezone(zone).date() - timedelta(days=self.days_before)
            return local_to_utc(day, self.at, zone)
        return start - timedelta(hours=self.hours_before)


def parse_offsets(text: str) -> list[ReminderOffset]:
    offsets = []
    for item in (part.strip().lower() for part in text.split(",") if part.strip()):
        if match := re.fullmatch(r"(\d{1,2})d@(\d{1,2}):(\d{2})", item):
            at = time(int(match[2]), int(match[3]))
            offsets.append(ReminderOffset(item, days_before=int(match[1]), at=at))
        elif match := re.fullmatch(r"(\d{1,2})h", item):
            offsets.append(ReminderOffset(item, hours_before=int(match[1])))
    return offsets


def when_text(start: datetime, zone: ZoneInfo, now: datetime) -> str:
    """'today, 18:30', 'tomorrow, Thursday 26 November, 18:30' or 'Thursday 26 November, 18:30'."""
    return soon_text(start, zone, now)


@dataclass(frozen=True)
class Suggestion:
    id: int
    topic: str
    member_id: int | None
    anonymous: bool
    plus_ones: int
    created_at: datetime
    group_id: int = 0  # whose agenda it is: a press from another group must not touch it


def ranked(suggestions: list[Suggestion]) -> list[Suggestion]:
    """Most +1s first; among equals, the earliest suggestion first."""
    return sorted(suggestions, key=lambda s: (-s.plus_ones, s.created_at, s.id))


def agenda_lines(suggestions: list[Suggestion], limit: int | None = None) -> list[str]:
    chosen = ranked(suggestions)[:limit] if limit else ranked(suggestions)
    return [f"{n}. {s.topic}" + (f" (+{s.plus_ones})" if s.plus_ones else "") for n, s in enumerate(chosen, 1)]


def clean_topic(text: str, limit: int) -> str | None:
    """One tidy line, or None when nothing is left or it is too long."""
    line = " ".join("".join(ch for ch in text if ch.isprintable() or ch.isspace()).split())
    return line if 0 < len(line) <= limit else None


@dataclass(frozen=True)
class Notice:
    """A /notice about one meeting. No word in it cancels anything: only its poster's `Yes, it's off` does."""

    id: int
    group_id: int
    meeting_date: str  # the meeting's local date, ISO
    text: str
    member_id: int | None  # None once the poster used /forgetme
    cancelled: bool
