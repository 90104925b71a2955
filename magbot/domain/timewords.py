"""Times as members write them, read in the group's zone: `friday 18:00`, `fri 6pm`, `tonight 7pm`, `28/11 19:00`,
`28 November 7pm`, `next saturday 10am`, `in 2 days`, `2d`, `3h`.

Pure rules, shared by polls (`closes ...`), activities (when they start) and decisions (how long a vote or a mute
lasts). Lengths (`2d`, `in 3 hours`) are read here by hand; calendar words go to dateparser, a well-kept parser,
imported on first use (it costs ~70 ms to import and ~150 ms to load its English data: docs/DECISIONS.md, and
bench/timewords_bench.py for the figures). It is handed the injected clock as its base, so nothing here reads
today's date, and it only finds the local day and clock time: the instant is made by `recurrence.local_to_utc`,
which knows the group's clock changes.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from magbot.domain.dates import duration_text
from magbot.domain.recurrence import local_to_utc

SOONEST = timedelta(minutes=5)
LATEST = timedelta(days=60)
LONGEST_TEXT = 60  # letters: a time is a few words; anything longer is not one
DEFAULT_AT = time(18, 0)  # `friday` alone: the evening, when the group meets
TONIGHT_AT = time(19, 0)
_RELATIVE = re.compile(
    r"^(?:in\s+|for\s+)?(?:(\d{1,4})\s*|(?:an?|one)\s+)(m|min|mins|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$"
)
_UNIT = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
# A clock time in the words: 19:00, 7.30, 7pm, 7 pm, noon, midnight. Without one, a day means DEFAULT_AT.
_HAS_CLOCK = re.compile(r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s*[ap]\.?m\b|\bnoon\b|\bmidday\b|\bmidnight\b")
_HAS_YEAR = re.compile(r"\b\d{4}\b|/\d{2,4}/|\b\d{1,2}/\d{1,2}/\d{2}\b")
# Short day names dateparser does not know (it knows mon, tue, wed, thu, fri, sat, sun and the full names).
_SHORT_DAYS = {"tues": "tuesday", "weds": "wednesday", "thur": "thursday", "thurs": "thursday"}
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Only these of dateparser's parsers: its `timestamp` one reads 1700000000 as a date, `no-spaces-time` reads 1911.
_PARSERS = ["relative-time", "absolute-time"]


class TimeProblem(Enum):
    """Why a time was not taken; `problem_text` says it to the member."""

    UNREADABLE = "unreadable"
    GONE = "gone"
    TOO_SOON = "too soon"
    TOO_FAR = "too far"


def parse_duration(text: str) -> timedelta | None:
    """`2d`, `3h`, `45m`, `1w`, `2 days`, `in 2 days`, `a day`, `an hour` -> a timedelta; None if it is not one."""
    match = _RELATIVE.match(" ".join(text.lower().split()))
    if not match:
        return None
    amount = int(match[1]) if match[1] else 1  # `a day`, `an hour`, `one week`
    return timedelta(**{_UNIT[match[2][0]]: amount}) if amount > 0 else None


def _dateparser_parse(text: str, base: datetime) -> datetime | None:
    """dateparser, imported on first use (it is heavy, and most events never read a time)."""
    import dateparser

    settings: dict[str, Any] = {
        "RELATIVE_BASE": base,
        "DATE_ORDER": "DMY",  # 28/11 is the 28th of November, as written in the UK
        "PREFER_DATES_FROM": "future",  # `friday` is the coming one
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PARSERS": _PARSERS,
    }
    found = dateparser.parse(text, languages=["en"], settings=settings)
    return found


def _local_moment(words: str, base: datetime) -> datetime | None:
    """The local (naive) day and clock time the words name, `base` being now on the group's clock."""
    if words.isdecimal():
        return None  # a bare number like "18" is too easy to misread
    words = " ".join(_SHORT_DAYS.get(word, word) for word in words.split())
    found = _dateparser_parse(words, base)
    if found is None or not _same_day_name(words, found):
        return None
    if not _HAS_CLOCK.search(words) and not words.startswith("in "):  # `in a week` keeps the clock time
        found = datetime.combine(found.date(), TONIGHT_AT if "tonight" in words else DEFAULT_AT)
    found = found.replace(second=0, microsecond=0)
    week_early = found - timedelta(days=7)
    if _names_a_day(words) and "next" not in words.split() and week_early.date() == base.date() and week_early > base:
        return week_early  # `friday 18:00` said on a Friday morning is this evening (dateparser skips today)
    return found


def _day_names(words: str) -> set[int]:
    return {index for index, name in enumerate(_DAY_NAMES) for word in words.split()
            if len(word) >= 3 and name.startswith(word)}


def _names_a_day(words: str) -> bool:
    return bool(_day_names(words))


def _same_day_name(words: str, found: datetime) -> bool:
    """A day named in the words is the day found: `wed at 7` must not become Monday the 7th."""
    named = _day_names(words)
    return not named or named == {found.weekday()}


def read_time(
    text: str, now: datetime, zone: ZoneInfo, *, soonest: timedelta = SOONEST, latest: timedelta = LATEST
) -> datetime | TimeProblem:
    """The UTC instant the member means, between `soonest` and `latest` from now, or why not."""
    words = " ".join(text.lower().split())
    if not words or len(words) > LONGEST_TEXT:
        return TimeProblem.UNREADABLE
    if _RELATIVE.match(words):  # a length (`2d`, `in 3 hours`); `0h` is no time at all
        if (length := parse_duration(words)) is None:
            return TimeProblem.UNREADABLE
        when = now + length
    else:
        local = _local_moment(words, now.astimezone(zone).replace(tzinfo=None))
        if local is None:
            return TimeProblem.UNREADABLE
        when = local_to_utc(local.date(), local.time(), zone)
        if when > now + latest and not _HAS_YEAR.search(words):
            # `28/11` read on 2 December is next year's to dateparser: the member meant the nearer one, just gone.
            try:
                last_year = local_to_utc(local.date().replace(year=local.year - 1), local.time(), zone)
            except ValueError:  # 29 February
                last_year = when
            if last_year <= now and now - last_year < when - now:
                return TimeProblem.GONE
    if when <= now:
        return TimeProblem.GONE
    if when < now + soonest:
        return TimeProblem.TOO_SOON
    if when > now + latest:
        return TimeProblem.TOO_FAR
    return when


def problem_text(
    problem: TimeProblem, example: str, *, soonest: timedelta = SOONEST, latest: timedelta = LATEST
) -> str:
    """What to tell the member, with an example of what works (`example` reads like `friday 18:00`)."""
    if problem is TimeProblem.GONE:
        return f"That's already gone. Write a time still to come, like {example}."
    if problem is TimeProblem.TOO_SOON:
        return f"That's very soon: make it at least {duration_text(soonest)} from now, like {example}."
    if problem is TimeProblem.TOO_FAR:
        return f"That's too far ahead: at most {duration_text(latest)} from now, like {example}."
    return f"I can't tell when that is. Write it like {example}."
