"""Pure rules: settings checks, member lists, weekly times across DST, the console's command parser."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magbot.domain.group_settings import SPECS, SettingError, check_setting, default_settings
from magbot.domain.members import Member, clean_name, member_list_text
from magbot.domain.recurrence import local_to_utc, next_weekly
from magbot.platforms.console import parse_command

LONDON = ZoneInfo("Europe/London")


@given(st.text(max_size=200))
def test_command_parser_never_crashes_and_names_are_clean(text: str) -> None:
    parsed = parse_command(text)
    if parsed is not None:
        name, args = parsed
        assert name.isascii() and name == name.lower() and 1 <= len(name) <= 32
        assert args == args.strip()


def test_command_parser_reads_bot_suffixes_and_args() -> None:
    assert parse_command("/Poll@magbot_bot Tea? | yes | no") == ("poll", "Tea? | yes | no")
    assert parse_command("!help") == ("help", "")
    assert parse_command("hello /help") is None


@given(st.sampled_from([s.name for s in SPECS]), st.text(max_size=60))
def test_every_setting_either_accepts_a_value_or_explains_with_an_example(name: str, value: str) -> None:
    try:
        tidy = check_setting(name, value)
    except SettingError as exc:
        # The allowed range, then a value that passes, for the key /propose takes.
        assert f"For example: /propose {name} " in str(exc) and len(str(exc)) < 200
    else:
        assert check_setting(name, tidy) == tidy  # a tidy value is stable


def test_setting_errors_name_the_allowed_values() -> None:
    with pytest.raises(SettingError, match="Settings: quorum"):
        check_setting("colour", "blue")
    assert check_setting("meeting_day", "thu") == "Thursday"
    assert check_setting("quorum", "40%") == "40%"
    assert default_settings({"voting_hours": "24"})["voting_hours"] == "24"


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("threshold", "1/10", "The share of votes a Yes needs: write a share from 1/2 to 9/10"),
        ("threshold", "95%", "from 1/2 to 9/10"),
        ("quorum", "1/10", "How many members must vote: write a share from 1/5 to all"),
        ("voting_hours", "400", "How long votes stay open: write a whole number from 1 to 336 (hours)"),
        ("flags_to_hide", "0", "from 1 to 10"),
    ],
)
def test_each_setting_states_and_checks_its_range(name: str, value: str, said: str) -> None:
    with pytest.raises(SettingError, match=re.escape(said)):
        check_setting(name, value)


def test_values_inside_the_range_are_taken() -> None:
    assert [check_setting("threshold", v) for v in ("1/2", "2/3", "90%")] == ["1/2", "2/3", "90%"]
    assert [check_setting("quorum", v) for v in ("1/5", "1/1", "100%")] == ["1/5", "1/1", "100%"]


@given(st.text())
def test_names_are_one_short_line(raw: str) -> None:
    name = clean_name(raw)
    assert 1 <= len(name) <= 40 and "\n" not in name


def test_member_list_counts_only_active_members() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    people = [
        Member(1, 1, "a", "Dave", "active", True, now),
        Member(2, 1, "b", "Sam", "left", True, now),
    ]
    assert member_list_text(people) == "1 member:\n- Dave"


def test_spring_forward_gap_moves_on_and_autumn_repeat_takes_the_first() -> None:
    assert local_to_utc(date(2026, 3, 29), time(1, 30), LONDON) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert local_to_utc(date(2026, 10, 25), time(1, 30), LONDON) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)), st.integers(0, 6))
def test_next_weekly_is_the_next_such_wall_clock_time(after: datetime, weekday: int) -> None:
    after = after.replace(tzinfo=UTC)
    when = next_weekly(after, weekday, time(18, 0), LONDON)
    local = when.astimezone(LONDON)
    assert when > after and when - after <= timedelta(days=7, hours=1)
    assert (local.weekday(), local.hour, local.minute) == (weekday, 18, 0)
