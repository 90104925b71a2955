"""Typed group settings: every default parses, a stored value reads as its type, and a bad one falls back."""

from __future__ import annotations

import logging
from datetime import time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magbot.domain.group_settings import SPECS, SettingError, check_setting, default_settings
from magbot.domain.settings import default_group_settings, parse_settings

NAMES = [spec.name for spec in SPECS]


def test_every_default_parses_to_its_typed_value() -> None:
    s = default_group_settings()
    assert s.zone == ZoneInfo("Europe/London")
    assert (s.meeting.weekday, s.meeting.at, s.meeting.place, s.meeting.zone) == (
        3, time(18, 30), "the church hall", s.zone
    )  # fmt: skip
    assert [offset.label for offset in s.reminders] == ["1d@18:00", "2h"]
    assert (s.quorum, s.threshold) == (Fraction(1, 3), Fraction(1, 2))
    assert (s.voting_period, s.retention, s.buddy_period) == (
        timedelta(hours=48), timedelta(days=30), timedelta(days=7)
    )  # fmt: skip
    assert (s.flags_to_hide, s.checkin_day, s.checkin_at) == (2, 2, time(19, 0))
    assert s.support_contacts == "Samaritans 116 123; Breathing Space 0800 83 85 87"
    assert dict(s.text) == default_settings()


def test_stored_values_read_as_their_types() -> None:
    s = parse_settings(
        {
            "timezone": "America/New_York",
            "meeting_day": "Monday",
            "meeting_time": "07:05",
            "quorum": "40%",
            "threshold": "2/3",
            "voting_hours": "24",
            "flags_to_hide": "5",
            "retention_days": "90",
            "checkin_time": "Friday 08:15",
            "reminders": "3h",
            "buddy_days": "14",
        }
    )
    assert s.zone == s.meeting.zone == ZoneInfo("America/New_York")
    assert (s.meeting.weekday, s.meeting.at) == (0, time(7, 5))
    assert (s.quorum, s.threshold) == (Fraction(2, 5), Fraction(2, 3))
    assert (s.voting_period, s.flags_to_hide, s.retention) == (timedelta(hours=24), 5, timedelta(days=90))
    assert (s.checkin_day, s.checkin_at) == (4, time(8, 15))
    assert [(o.label, o.hours_before) for o in s.reminders] == [("3h", 3)]
    assert s.buddy_period == timedelta(days=14)
    assert s.text_of("quorum") == "40%"  # /settings shows what the group agreed, not 2/5


@given(st.sampled_from(NAMES), st.one_of(st.text(max_size=60), st.integers(), st.none()))
def test_any_stored_value_gives_its_tidy_form_or_the_default_and_never_raises(name: str, value: object) -> None:
    s = parse_settings({name: value})
    try:
        tidy = check_setting(name, str(value))
    except SettingError:
        tidy = default_settings()[name]
    assert s.text_of(name) == tidy
    others = {k: v for k, v in s.text.items() if k != name}
    assert others == {k: v for k, v in default_settings().items() if k != name}


def test_a_bad_stored_value_falls_back_to_its_default_and_the_log_names_only_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="magbot"):
        s = parse_settings({"timezone": "Mars/Olympus_Mons", "voting_hours": "forever", "support_contacts": ""})
    assert s.zone == ZoneInfo("Europe/London")
    assert s.voting_period == timedelta(hours=48)
    assert "Breathing Space 0800 83 85 87" in s.support_contacts
    assert (s.text_of("timezone"), s.text_of("voting_hours")) == ("Europe/London", "48")
    logged = caplog.text
    assert all(key in logged for key in ("timezone", "voting_hours", "support_contacts"))
    assert "Mars" not in logged and "forever" not in logged


def test_a_change_keeps_every_other_setting_and_drops_names_that_are_not_settings() -> None:
    s = parse_settings({"quorum": "1/4", "colour": "blue"})
    assert s.text_of("colour") == ""
    changed = s.with_value("threshold", "3/5")
    assert changed == {**default_settings(), "quorum": "1/4", "threshold": "3/5"}
    assert parse_settings(changed).threshold == Fraction(3, 5)


def test_the_listing_and_summary_show_the_stored_text() -> None:
    s = parse_settings({"meeting_place": "Room 2", "quorum": "25%"})
    listing = s.listing()
    assert "- At least 25% of members must vote (quorum)" in listing
    assert "- Votes stay open 48 hours (voting_hours)" in listing
    assert "- Meeting reminders: a day before at 18:00, and 2 hours before (reminders)" in listing
    for line in listing.splitlines()[1:]:  # the key only in the brackets at the end, for /propose
        said, _, key = line.rpartition(" (")
        assert key.rstrip(")") in NAMES and not any(name in said for name in NAMES if "_" in name)
    assert s.summary().startswith("Meetings: Thursdays 18:30, Room 2.\nDecisions: at least 25% of members vote")
    assert s.summary().endswith("votes stay open 48 hours.")


def test_a_number_with_a_stray_control_character_is_read_not_a_crash() -> None:
    """Found by the property above: "0" and a unit separator passed the digit check and then broke int()."""
    assert check_setting("voting_hours", "24\x1f") == "24"
    assert parse_settings({"voting_hours": "0\x1f"}).text_of("voting_hours") == default_settings()["voting_hours"]
