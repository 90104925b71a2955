"""The group's settings: what each means, its default, and how a proposed value is checked.

Settings start from the operator's config (`defaults.*`) at /setup; afterwards only a group decision changes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class SettingError(ValueError):
    """A value that does not fit; the message is meant for members and carries an example."""


def _fraction(text: str) -> str:
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text) or re.fullmatch(r"\s*(\d{1,3})\s*%\s*", text)
    if match and len(match.groups()) == 2 and 0 < int(match[1]) <= int(match[2]):
        return f"{int(match[1])}/{int(match[2])}"
    if match and len(match.groups()) == 1 and 0 < int(match[1]) <= 100:
        return f"{int(match[1])}%"
    raise SettingError("Write a share like 1/3 or 50%.")


def _whole(low: int, high: int) -> Callable[[str], str]:
    def check(text: str) -> str:
        if text.strip().isdecimal() and low <= int(text) <= high:
            return str(int(text))
        raise SettingError(f"Write a whole number from {low} to {high}, for example {low + (high - low) // 4}.")

    return check


def _clock_time(text: str) -> str:
    match = re.fullmatch(r"\s*(\d{1,2})[:.](\d{2})\s*", text)
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return f"{int(match[1]):02d}:{match[2]}"
    raise SettingError("Write a time like 19:00.")


def weekday_index(text: str) -> int:
    word = text.strip().lower()
    for index, day in enumerate(WEEKDAYS):
        if len(word) >= 3 and day.startswith(word):
            return index
    raise SettingError("Write a day like Wednesday (or wed).")


def _weekday(text: str) -> str:
    return WEEKDAYS[weekday_index(text)].capitalize()


def _day_and_time(text: str) -> str:
    parts = text.split()
    if len(parts) != 2:
        raise SettingError("Write a day and a time, like Wednesday 19:00.")
    return f"{_weekday(parts[0])} {_clock_time(parts[1])}"


def _timezone(text: str) -> str:
    try:
        ZoneInfo(text.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingError("Write a time zone like Europe/London.") from None
    return text.strip()


def _free_text(limit: int) -> Callable[[str], str]:
    def check(text: str) -> str:
        text = " ".join(text.split())
        if not text or len(text) > limit:
            raise SettingError(f"Write between 1 and {limit} characters.")
        return text

    return check


def _offsets(text: str) -> str:
    items = [item.strip().lower() for item in text.split(",") if item.strip()]
    for item in items:
        if not re.fullmatch(r"(\d{1,2}h|\d{1,2}d@\d{1,2}:\d{2})", item):
            raise SettingError("Write reminder times like 1d@18:00, 2h (a day before at 18:00, and 2 hours before).")
    if not items:
        raise SettingError("Write reminder times like 1d@18:00, 2h.")
    return ", ".join(items)


@dataclass(frozen=True)
class SettingSpec:
    name: str
    meaning: str
    default: str
    check: Callable[[str], str]


SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("quorum", "share of members who must vote", "1/3", _fraction),
    SettingSpec("threshold", "share of votes cast a Yes needs to beat", "1/2", _fraction),
    SettingSpec("voting_hours", "how long a vote stays open", "48", _whole(1, 336)),
    SettingSpec("flags_to_hide", "flags that hide a message", "2", _whole(1, 10)),
    SettingSpec("retention_days", "days offloads are kept", "30", _whole(1, 365)),
    SettingSpec("checkin_time", "midweek check-in round", "Wednesday 19:00", _day_and_time),
    SettingSpec("meeting_day", "meeting day", "Thursday", _weekday),
    SettingSpec("meeting_time", "meeting time", "18:30", _clock_time),
    SettingSpec("meeting_place", "meeting place", "the church hall", _free_text(120)),
    SettingSpec("timezone", "time zone", "Europe/London", _timezone),
    SettingSpec("reminders", "meeting reminders", "1d@18:00, 2h", _offsets),
    SettingSpec(
        "support_contacts",
        "who to call on a rough day",
        "Samaritans 116 123; Breathing Space 0800 83 85 87",
        _free_text(300),
    ),
    SettingSpec("buddy_days", "days of silence before a buddy nudge", "7", _whole(1, 60)),
)
SPEC_BY_NAME = {spec.name: spec for spec in SPECS}


def check_setting(name: str, value: str) -> str:
    """The value in its tidy form, or SettingError naming the allowed settings or values."""
    spec = SPEC_BY_NAME.get(name.strip().lower())
    if spec is None:
        names = ", ".join(SPEC_BY_NAME)
        raise SettingError(f"There is no setting called '{name[:30]}'. Settings: {names}.")
    return spec.check(value)


def default_settings(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The defaults, with the operator's config applied (each value checked like a proposal)."""
    values = {spec.name: spec.default for spec in SPECS}
    for name, value in (overrides or {}).items():
        values[name] = check_setting(name, str(value))
    return values


def settings_text(values: Mapping[str, str]) -> str:
    lines = ["Group settings:"]
    lines += [f"- {spec.name}: {values.get(spec.name, spec.default)} ({spec.meaning})" for spec in SPECS]
    return "\n".join(lines)


def settings_summary(values: Mapping[str, str]) -> str:
    """A few lines for phones: the meeting and how decisions are made."""
    v = {spec.name: values.get(spec.name, spec.default) for spec in SPECS}
    return (
        f"Meetings: {v['meeting_day']}s {v['meeting_time']}, {v['meeting_place']}.\n"
        f"Decisions: at least {v['quorum']} of members vote; a Yes needs more than {v['threshold']} "
        f"of votes; votes stay open {v['voting_hours']} hours."
    )
