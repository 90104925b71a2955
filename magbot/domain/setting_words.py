"""The group's settings in plain words: "Votes stay open 48 hours", "Change how long votes stay open to 24 hours?".

Members never see a setting's key except in /settings, beside each line, because it is what /propose takes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta

from magbot.domain.dates import duration_text
from magbot.domain.group_settings import SPEC_BY_NAME, SPECS, SettingSpec


def _reminder_words(value: str) -> str:
    """`1d@18:00, 2h` -> `a day before at 18:00, and 2 hours before`."""
    said = []
    for item in (part.strip() for part in value.split(",") if part.strip()):
        if match := re.fullmatch(r"(\d{1,2})d@(\d{1,2}:\d{2})", item):
            said.append(f"{duration_text(timedelta(days=int(match[1])))} before at {match[2]}")
        elif match := re.fullmatch(r"(\d{1,2})h", item):
            said.append(f"{duration_text(timedelta(hours=int(match[1])))} before")
        else:
            said.append(item)
    return ", and ".join(said)


def value_words(spec: SettingSpec, value: str) -> str:
    """A setting's value as members read it: `48 hours`, `a week`, `a day before at 18:00`."""
    if spec.unit and value.isdecimal():  # said in the setting's own unit: `48 hours`, as the group wrote it
        return f"{'an' if spec.unit == 'hours' else 'a'} {spec.unit[:-1]}" if value == "1" else f"{value} {spec.unit}"
    if spec.name == "reminders":
        return _reminder_words(value)
    return value


def setting_line(name: str, value: str) -> str:
    """`Votes stay open 48 hours`."""
    spec = SPEC_BY_NAME.get(name)
    if spec is None:  # a decision kept from a version that had another setting
        return f"{name} is {value}"
    return spec.state.format(value_words(spec, value))


def change_question(name: str, value: str) -> str:
    """`Change how long votes stay open to 24 hours?` (a ballot's question)."""
    spec = SPEC_BY_NAME.get(name)
    if spec is None:  # a decision kept from a version that had another setting
        return f"Change {name} to {value}?"
    return f"Change {spec.topic} to {value_words(spec, value)}?"


def settings_text(values: Mapping[str, str]) -> str:
    """/settings: each setting in plain words, with the word /propose takes in brackets."""
    lines = ["Group settings (the word in brackets is what /propose takes):"]
    lines += [f"- {setting_line(spec.name, values.get(spec.name, spec.default))} ({spec.name})" for spec in SPECS]
    return "\n".join(lines)


def settings_summary(values: Mapping[str, str]) -> str:
    """A few lines for phones: the meeting and how decisions are made."""
    v = {spec.name: values.get(spec.name, spec.default) for spec in SPECS}
    return (
        f"Meetings: {v['meeting_day']}s {v['meeting_time']}, {v['meeting_place']}.\n"
        f"Decisions: at least {v['quorum']} of members vote; a Yes needs more than {v['threshold']} "
        f"of votes; {setting_line('voting_hours', v['voting_hours']).lower()}."
    )
