"""The group's settings: what each means, its default, and how a proposed value is checked.

Settings start from the operator's config (`defaults.*`) at /setup; afterwards only a group decision changes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class SettingError(ValueError):
    """A value that does not fit; the message is meant for members and carries an example."""


def _fraction(low: Fraction, high: Fraction, what: str) -> Callable[[str], str]:
    """A share such as 1/3 or 40%, from `low` to `high` (a quorum of 1/10 or a threshold under half is refused)."""

    def check(text: str) -> str:
        match = re.fullmatch(r"\s*(\d{1,3})\s*/\s*(\d{1,3})\s*", text)
        percent = re.fullmatch(r"\s*(\d{1,3})\s*%\s*", text)
        tidy, value = None, None
        if match and int(match[2]) > 0:
            tidy, value = f"{int(match[1])}/{int(match[2])}", Fraction(int(match[1]), int(match[2]))
        elif percent:
            tidy, value = f"{int(percent[1])}%", Fraction(int(percent[1]), 100)
        if tidy is not None and value is not None and low <= value <= high:
            return tidy
        raise SettingError(f"Write {what} from {_share(low)} to {_share(high)}, as a fraction or a percentage.")

    return check


def _share(value: Fraction) -> str:
    return "all" if value == 1 else f"{value.numerator}/{value.denominator}"


def _whole(low: int, high: int) -> Callable[[str], str]:
    def check(text: str) -> str:
        number = text.strip()  # str.strip takes more than int() skips (a stray control character, say)
        if number.isdecimal() and low <= int(number) <= high:
            return str(int(number))
        raise SettingError(f"Write a whole number from {low} to {high}.")

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
    """One setting: its key (what /propose takes), default, check, and how members read it.

    `state` says the value in plain words (`Votes stay open {}`), `topic` names it in a question (`Change how long
    votes stay open to 24 hours?`), `unit` follows a number (`hours`), `example` is a value that passes.
    """

    name: str
    default: str
    check: Callable[[str], str]
    example: str
    state: str
    topic: str
    unit: str = ""


_SHARE = "a share"
# Fewer than a fifth of members voting, or a Yes that beats less than half, would let a few decide for all.
SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("quorum", "1/3", _fraction(Fraction(1, 5), Fraction(1), _SHARE), "1/4",
                "At least {} of members must vote", "how many members must vote"),
    SettingSpec("threshold", "1/2", _fraction(Fraction(1, 2), Fraction(9, 10), _SHARE), "2/3",
                "A Yes needs more than {} of the votes cast", "the share of votes a Yes needs"),
    SettingSpec("voting_hours", "48", _whole(1, 336), "24", "Votes stay open {}", "how long votes stay open",
                "hours"),
    SettingSpec("flags_to_hide", "2", _whole(1, 10), "3", "Flags from {} members hide a message",
                "how many flags hide a message"),
    SettingSpec("retention_days", "30", _whole(1, 365), "14", "Offloads are kept {}", "how long offloads are kept",
                "days"),
    SettingSpec("checkin_time", "Wednesday 19:00", _day_and_time, "Thursday 19:00", "Midweek check-in round: {}",
                "the midweek check-in round"),
    SettingSpec("meeting_day", "Thursday", _weekday, "Friday", "Meetings are on {}s", "the meeting day"),
    SettingSpec("meeting_time", "18:30", _clock_time, "19:00", "Meetings start at {}", "the meeting time"),
    SettingSpec("meeting_place", "the church hall", _free_text(120), "the library", "Meetings are at {}",
                "the meeting place"),
    SettingSpec("timezone", "Europe/London", _timezone, "Europe/London", "Times are in {}", "the time zone"),
    SettingSpec("reminders", "1d@18:00, 2h", _offsets, "1d@18:00, 2h", "Meeting reminders: {}",
                "the meeting reminders"),
    SettingSpec("support_contacts", "Samaritans 116 123; Breathing Space 0800 83 85 87", _free_text(300),
                "Samaritans 116 123", "On a rough day, call: {}", "who to call on a rough day"),
    SettingSpec("buddy_days", "7", _whole(1, 60), "5", "A buddy is nudged after {} of silence",
                "how long a buddy waits before a nudge", "days"),
)
SPEC_BY_NAME = {spec.name: spec for spec in SPECS}


def check_setting(name: str, value: str) -> str:
    """The value in its tidy form, or SettingError naming the allowed settings, or the allowed values with an
    example (`How long votes stay open: write a whole number from 1 to 336 (hours). For example: ...`)."""
    spec = SPEC_BY_NAME.get(name.strip().lower())
    if spec is None:
        names = ", ".join(SPEC_BY_NAME)
        raise SettingError(f"There is no setting called '{name[:30]}'. Settings: {names}.")
    try:
        return spec.check(value)
    except SettingError as exc:
        said = str(exc)
        unit = f" ({spec.unit})" if spec.unit else ""
        said = said[:1].lower() + said[1:].rstrip(".") + unit
        raise SettingError(
            f"{spec.topic[:1].upper()}{spec.topic[1:]}: {said}. For example: /propose {spec.name} {spec.example}"
        ) from None


def default_settings(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The defaults, with the operator's config applied (each value checked like a proposal)."""
    values = {spec.name: spec.default for spec in SPECS}
    for name, value in (overrides or {}).items():
        values[name] = check_setting(name, str(value))
    return values
