"""Polls: reading `/poll Question? | A | B [named] [multi] [closes <when>]`, deadlines, and results.

Pure rules only: no storage, no platform. Times are read in the group's own time zone and handed back in UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from magbot.domain.group_settings import WEEKDAYS
from magbot.domain.recurrence import local_to_utc

MAX_OPTIONS = 10  # Telegram's limit for a native poll
MAX_OPTION = 100
MAX_QUESTION = 300
DEFAULT_OPEN = timedelta(days=7)  # a poll without "closes" still ends, a week later
LONGEST_OPEN = timedelta(days=60)
SHORTEST_OPEN = timedelta(minutes=5)
FLAG_WORDS = ("named", "multi")

POLL_EXAMPLE = "/poll Football on Saturday? | Yes | No | Maybe closes friday 18:00"
WHEN_EXAMPLE = "closes friday 18:00, closes 2d (two days) or closes 3h (three hours)"
_RELATIVE = re.compile(r"^(\d{1,4})\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$")
_CLOCK = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")
_UNIT = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class PollError(ValueError):
    """Input that does not make a poll; the message is for members and carries an example."""


@dataclass(frozen=True)
class PollSpec:
    question: str
    options: tuple[str, ...]
    named: bool = False
    multi: bool = False
    closes_at: datetime | None = None


def parse_duration(text: str) -> timedelta | None:
    """`2d`, `3h`, `45m`, `1w`, `2 days` -> a timedelta; None if it is not one."""
    match = _RELATIVE.match(text.strip().lower())
    if not match:
        return None
    amount = int(match[1])
    return timedelta(**{_UNIT[match[2][0]]: amount}) if amount > 0 else None


def _clock_time(text: str) -> time | None:
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


def _day(word: str, today: date) -> date | None:
    word = word.lower()
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    for index, name in enumerate(WEEKDAYS):
        if len(word) >= 3 and name.startswith(word):
            return today + timedelta(days=(index - today.weekday()) % 7)
    return None


def parse_when(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """When a poll closes: `friday 18:00`, `tomorrow`, `18:00`, `2d`, `3h` -> UTC. PollError otherwise."""
    words = text.strip().lower().split()
    when: datetime | None = None
    if (delta := parse_duration(" ".join(words))) is not None:
        when = now + delta if delta <= LONGEST_OPEN else None
    elif 1 <= len(words) <= 2:
        today = now.astimezone(zone).date()
        day = _day(words[0], today)
        at = _clock_time(words[-1]) if len(words) == 2 or day is None else time(18, 0)
        if day is None and len(words) == 1 and at is not None:  # just a time: its next occurrence
            day = today if local_to_utc(today, at, zone) > now else today + timedelta(days=1)
        if day is not None and at is not None:
            when = local_to_utc(day, at, zone)
            if when <= now and words[0] not in ("today", "tomorrow"):  # "friday" on a Friday evening
                when = local_to_utc(day + timedelta(days=7), at, zone)
    if when is None or not (now + SHORTEST_OPEN <= when <= now + LONGEST_OPEN):
        raise PollError(f"I can't tell when that is. Write it like {WHEN_EXAMPLE}.")
    return when


def _split_tail(segment: str) -> tuple[str, set[str], str | None]:
    """Strip the trailing words `named`, `multi`, `closes <when>` off the last part of a poll."""
    tokens = segment.split()
    lowered = [t.lower() for t in tokens]
    flags: set[str] = set()
    when: str | None = None
    if "closes" in lowered[:-1]:
        at = len(lowered) - 1 - lowered[::-1].index("closes")
        tokens, rest = tokens[:at], tokens[at + 1 :]
        while rest and rest[-1].lower() in FLAG_WORDS:
            flags.add(rest.pop().lower())
        when = " ".join(rest)
    while tokens and tokens[-1].lower() in FLAG_WORDS:
        flags.add(tokens.pop().lower())
    return " ".join(tokens), flags, when


def parse_poll(args: str, now: datetime, zone: ZoneInfo) -> PollSpec:
    """`Question? | A | B [| ...] [named] [multi] [closes <when>]` -> PollSpec, or PollError with an example."""
    parts = [" ".join(p.split()) for p in args.split("|")]
    if len(parts) < 2:
        raise PollError(f"Write the question and the options with | between them, like: {POLL_EXAMPLE}")
    flags: set[str] = set()
    when: str | None = None
    while True:  # the words may share the last option's part, or have parts of their own: "| named | closes 2d"
        last, more, last_when = _split_tail(parts[-1])
        flags |= more
        when = when if last_when is None else last_when
        parts[-1] = last
        if last or len(parts) <= 2:
            break
        parts.pop()
    question, options = parts[0], tuple(parts[1:])
    if not question:
        raise PollError(f"The poll needs a question first, like: {POLL_EXAMPLE}")
    if len(options) < 2 or any(not o for o in options):
        raise PollError(f"A poll needs at least two options, like: {POLL_EXAMPLE}")
    if len(options) > MAX_OPTIONS:
        raise PollError(f"A poll can have up to {MAX_OPTIONS} options. Please leave some out.")
    if len(question) > MAX_QUESTION or any(len(o) > MAX_OPTION for o in options):
        raise PollError(f"Please keep the question short, and each option under {MAX_OPTION} characters.")
    if len({o.lower() for o in options}) != len(options):
        raise PollError("Two options are the same. Please make each one different.")
    closes_at = parse_when(when, now, zone) if when is not None else None
    return PollSpec(question, options, "named" in flags, "multi" in flags, closes_at)


@dataclass(frozen=True)
class PollResult:
    question: str
    options: tuple[str, ...]
    counts: tuple[int, ...]
    voters: int
    names: tuple[tuple[str, ...], ...] = field(default=())  # per option, for named polls only


def result_text(result: PollResult) -> str:
    """The closing post: counts per option, most first is left to the reader; names for named polls."""
    people = f"{result.voters} {'person' if result.voters == 1 else 'people'} voted"
    lines = [f"Poll closed: {result.question}"]
    for index, (option, count) in enumerate(zip(result.options, result.counts, strict=True)):
        line = f"- {option}: {count}"
        if result.names and result.names[index]:
            line += f" ({', '.join(result.names[index])})"
        lines.append(line)
    lines.append(f"{people}." if result.voters else "Nobody voted.")
    return "\n".join(lines)


def when_text(when: datetime, zone: ZoneInfo) -> str:
    """A deadline as members read it: `Friday 27 Nov, 18:00` in the group's zone."""
    local = when.astimezone(zone)
    return f"{local:%A} {local.day} {local:%b}, {local:%H:%M}"


def default_close(now: datetime) -> datetime:
    return (now + DEFAULT_OPEN).astimezone(UTC)


@dataclass(frozen=True)
class Poll:
    """A poll as stored: open until `closes_at` (or /endpoll), then only its counts are kept."""

    id: int
    group_id: int
    creator_id: int | None
    question: str
    options: tuple[str, ...]
    multi: bool
    named: bool
    status: str
    opened_at: datetime
    closes_at: datetime
    counts: tuple[int, ...] = ()
    voters: int = 0

    @property
    def card(self) -> str:
        return f"poll:{self.id}"

    @property
    def is_open(self) -> bool:
        return self.status == "open"
