"""Time as a dependency: all code asks a Clock, so tests and the console can move time by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock:
    """The machine's time moved by a fixed amount, running at its pace (`clock.shift` in the config).

    For tests of the real `magbot run` process: the fault suite pins each session's start at a fixed instant, so
    that what the bot does at a meeting's start or a check-in day never falls inside a run on some days and not
    others. Always 0 (the plain SystemClock) in production."""

    def __init__(self, shift: timedelta) -> None:
        self.shift = shift

    def now(self) -> datetime:
        return datetime.now(UTC) + self.shift


class ManualClock:
    """A clock that only moves when told to (tests, the console's `:advance` and `:at`)."""

    def __init__(self, start: datetime) -> None:
        # No default: a manual clock that started at the machine's "now" made tests depend on the date.
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("time only moves forward")
        self._now += delta

    def set(self, when: datetime) -> None:
        when = when.astimezone(UTC)
        if when < self._now:
            raise ValueError("time only moves forward")
        self._now = when


def as_utc(value: datetime) -> datetime:
    """Databases may hand back naive datetimes (SQLite); everything we store is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
