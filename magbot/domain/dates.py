"""The one way the bot writes a date or a time back to members: "Thursday 3 December, 18:30".

Every message that names a day or a moment goes through here, so members learn one form, in the group's zone.
(Reading what members write is `timewords.py`.)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


def day_text(day: date, *, year: bool = False) -> str:
    """`Thursday 3 December` (`Thursday 3 December 2026` with the year, for days long past)."""
    return f"{day:%A} {day.day} {day:%B}" + (f" {day.year}" if year else "")


def moment_text(when: datetime, zone: ZoneInfo) -> str:
    """`Thursday 3 December, 18:30`, in the group's zone."""
    local = when.astimezone(zone)
    return f"{day_text(local.date())}, {local:%H:%M}"


def soon_text(when: datetime, zone: ZoneInfo, now: datetime) -> str:
    """Like `moment_text`, with `today` / `tomorrow` in front when it is that close (meetings, reminders)."""
    local, today = when.astimezone(zone), now.astimezone(zone).date()
    if local.date() == today:
        return f"today, {local:%H:%M}"
    if local.date() == today + timedelta(days=1):
        return f"tomorrow, {moment_text(when, zone)}"
    return moment_text(when, zone)


def duration_text(length: timedelta) -> str:
    """`a day`, `3 days`, `2 hours`, `a week`: how long, in words (never `1d`)."""
    minutes = int(length.total_seconds() // 60)
    for unit, size in (("week", 7 * 24 * 60), ("day", 24 * 60), ("hour", 60), ("minute", 1)):
        if minutes >= size and minutes % size == 0:
            count = minutes // size
            if count > 1:
                return f"{count} {unit}s"
            return "an hour" if unit == "hour" else f"a {unit}"
    return f"{minutes} minutes"
