"""Times as members write them: `friday 18:00`, `tomorrow`, `9pm`, `2d`, `3h`, read in the group's zone.

Pure rules, shared by polls (`closes ...`), activities (when they start) and decisions (how long a vote or a mute
lasts). Each caller refuses an unreadable time in its own words, with its own example.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from magbot.domain.group_settings import WEEKDAYS
from magbot.domain.recurrence import local_to_utc

SOONEST = timedelta(minutes=5)
LATEST = timedelta(days=60)
_RELATIVE = re.compile(r"^(\d{1,4})\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$")
_CLOCK = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")
_UNIT = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta | None:
    """`2d`, `3h`, `45m`, `1w`, `2 days` -> a timedelta; None if it is not one."""
    match = _RELATIVE.match(text.strip().lower())
    if not match:
        return None
    amount = int(match[1])
    return timedelta(**{_UNIT[match[2][0]]: amount}) if amount > 0 else None


def clock_time(text: str) -> time | None:
    match = _CLOCK.match(text.strip().lower())
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2] or 0)
    if match[3]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match[3] == "pm" else 0)
    if hour > 23 or minute > 59 or (match[2] is None and match[3] is None):
        return None  # a bare number like "18" is too easy to misread
    return time(hour, minute)


def day_word(word: str, today: date) -> date | None:
    word = word.lower()
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    for index, name in enumerate(WEEKDAYS):
        if len(word) >= 3 and name.startswith(word):
            return today + timedelta(days=(index - today.weekday()) % 7)
    return None


def read_when(
    text: str, now: datetime, zone: ZoneInfo, *, soonest: timedelta = SOONEST, latest: timedelta = LATEST
) -> datetime | None:
    """`friday 18:00`, `tomorrow`, `18:00`, `2d`, `3h` -> UTC, between `soonest` and `latest` from now; None when
    it cannot be read or falls outside. Callers say what went wrong in their own words, with their example."""
    words = text.strip().lower().split()
    when: datetime | None = None
    if (delta := parse_duration(" ".join(words))) is not None:
        when = now + delta if delta <= latest else None
    elif 1 <= len(words) <= 2:
        today = now.astimezone(zone).date()
        day = day_word(words[0], today)
        at = clock_time(words[-1]) if len(words) == 2 or day is None else time(18, 0)
        if day is None and len(words) == 1 and at is not None:  # just a time: its next occurrence
            day = today if local_to_utc(today, at, zone) > now else today + timedelta(days=1)
        if day is not None and at is not None:
            when = local_to_utc(day, at, zone)
            if when <= now and words[0] not in ("today", "tomorrow"):  # "friday" on a Friday evening
                when = local_to_utc(day + timedelta(days=7), at, zone)
    if when is None or not (now + soonest <= when <= now + latest):
        return None
    return when


def when_text(when: datetime, zone: ZoneInfo) -> str:
    """A deadline as members read it: `Friday 27 Nov, 18:00` in the group's zone."""
    local = when.astimezone(zone)
    return f"{local:%A} {local.day} {local:%b}, {local:%H:%M}"
