"""The hand parser magbot had before dateparser (commit 34f6f10's magbot/domain/timewords.py), kept as the bench's
baseline: `friday 18:00`, `tomorrow`, `9pm`, `2d`, `3h`, and nothing else."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from magbot.domain.recurrence import local_to_utc

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE = re.compile(r"^(\d{1,4})\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$")
_CLOCK = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")
_UNIT = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _duration(text: str) -> timedelta | None:
    match = _RELATIVE.match(text.strip().lower())
    if not match or int(match[1]) == 0:
        return None
    return timedelta(**{_UNIT[match[2][0]]: int(match[1])})


def _clock(text: str) -> time | None:
    match = _CLOCK.match(text.strip().lower())
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2] or 0)
    if match[3]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match[3] == "pm" else 0)
    if hour > 23 or minute > 59 or (match[2] is None and match[3] is None):
        return None
    return time(hour, minute)


def _day(word: str, today: date) -> date | None:
    if word in ("today", "tomorrow"):
        return today + timedelta(days=word == "tomorrow")
    for index, name in enumerate(WEEKDAYS):
        if len(word) >= 3 and name.startswith(word):
            return today + timedelta(days=(index - today.weekday()) % 7)
    return None


def hand_read_when(text: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    words = text.strip().lower().split()
    when: datetime | None = None
    if (delta := _duration(" ".join(words))) is not None:
        when = now + delta
    elif 1 <= len(words) <= 2:
        today = now.astimezone(zone).date()
        day = _day(words[0], today)
        at = _clock(words[-1]) if len(words) == 2 or day is None else time(18, 0)
        if day is None and len(words) == 1 and at is not None:
            day = today if local_to_utc(today, at, zone) > now else today + timedelta(days=1)
        if day is not None and at is not None:
            when = local_to_utc(day, at, zone)
            if when <= now and words[0] not in ("today", "tomorrow"):
                when = local_to_utc(day + timedelta(days=7), at, zone)
    if when is None or not (now + timedelta(minutes=5) <= when <= now + timedelta(days=60)):
        return None
    return when
