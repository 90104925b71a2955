"""A group's settings as typed values, read once when the group is loaded.

`group_settings.py` says what each setting means, its default and how a proposed value is checked; this module
turns the stored text of every setting into the value the rest of the code uses (a zone, a duration, a count),
so no handler restates a default. A stored value that no longer passes its check (an edited database, a rule
tightened in a later version) is replaced by its default and logged by key: the group keeps working.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from fractions import Fraction
from types import MappingProxyType
from typing import TypeVar
from zoneinfo import ZoneInfo

from magbot.domain.checkins import round_time
from magbot.domain.decisions import share
from magbot.domain.group_settings import SPEC_BY_NAME, SPECS, weekday_index
from magbot.domain.meetings import ReminderOffset, Schedule, parse_offsets
from magbot.domain.setting_words import settings_summary, settings_text

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class GroupSettings:
    """Every setting, typed. `text` keeps each one's stored text for /settings, /propose and a passed change."""

    zone: ZoneInfo
    meeting: Schedule
    reminders: tuple[ReminderOffset, ...]
    quorum: Fraction
    threshold: Fraction
    voting_period: timedelta
    flags_to_hide: int
    retention: timedelta
    checkin_day: int  # 0 is Monday
    checkin_at: time  # local time in `zone`
    support_contacts: str
    buddy_period: timedelta
    text: Mapping[str, str]

    def text_of(self, name: str) -> str:
        """A setting as the group last agreed it (empty for a name that is not a setting)."""
        return self.text.get(name, "")

    def with_value(self, name: str, value: str) -> dict[str, str]:
        """The settings to store once a decision changed one (the value was checked when proposed)."""
        return {**self.text, name: value}

    def listing(self) -> str:
        """/settings: every setting, its value and what it means."""
        return settings_text(self.text)

    def summary(self) -> str:
        return settings_summary(self.text)


def _read(stored: Mapping[str, object], name: str, parse: Callable[[str], T], texts: dict[str, str]) -> T:
    """One setting, typed; its default when the stored text is missing or no longer fits."""
    spec = SPEC_BY_NAME[name]
    try:
        tidy = spec.check(str(stored.get(name, spec.default)))
        value = parse(tidy)
    except (ValueError, KeyError):  # SettingError is a ValueError; an unknown zone is a KeyError
        # The key only: a value could be anything somebody typed.
        log.warning("group setting %s is unreadable; using its default", name)
        tidy = spec.default
        value = parse(tidy)
    texts[name] = tidy
    return value


def _days(text: str) -> timedelta:
    return timedelta(days=int(text))


def _hours(text: str) -> timedelta:
    return timedelta(hours=int(text))


def _clock(text: str) -> time:
    hours, _, minutes = text.partition(":")
    return time(int(hours), int(minutes))


def parse_settings(stored: Mapping[str, object]) -> GroupSettings:
    """The typed settings from the stored text (a missing setting has its default)."""
    texts: dict[str, str] = {}
    zone = _read(stored, "timezone", ZoneInfo, texts)
    meeting = Schedule(
        weekday=_read(stored, "meeting_day", weekday_index, texts),
        at=_read(stored, "meeting_time", _clock, texts),
        place=_read(stored, "meeting_place", str, texts),
        zone=zone,
    )
    checkin_day, checkin_at = _read(stored, "checkin_time", round_time, texts)
    return GroupSettings(
        zone=zone,
        meeting=meeting,
        reminders=_read(stored, "reminders", lambda text: tuple(parse_offsets(text)), texts),
        quorum=_read(stored, "quorum", share, texts),
        threshold=_read(stored, "threshold", share, texts),
        voting_period=_read(stored, "voting_hours", _hours, texts),
        flags_to_hide=_read(stored, "flags_to_hide", int, texts),
        retention=_read(stored, "retention_days", _days, texts),
        checkin_day=checkin_day,
        checkin_at=checkin_at,
        support_contacts=_read(stored, "support_contacts", str, texts),
        buddy_period=_read(stored, "buddy_days", _days, texts),
        text=MappingProxyType({spec.name: texts[spec.name] for spec in SPECS}),
    )


def default_group_settings() -> GroupSettings:
    """The built-in defaults, typed (a group made before /setup, and tests)."""
    return parse_settings({})
