"""Check-in and buddy rules: moods, the round's time, the summary line, who is nudged and when, names."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magbot.domain.checkins import (
    MOODS,
    WORDS_LIMIT,
    BuddyPair,
    CheckIn,
    find_by_name,
    mood_label,
    nudge_text,
    nudges_due,
    parse_mood,
    round_time,
    shared_text,
    summary,
    tidy_words,
)
from magbot.domain.group_settings import SettingError

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
WEEK = timedelta(days=7)  # the default buddy period


def checkin(n: int, mood: int, days: float = 0) -> CheckIn:
    return CheckIn(n, 1, 1, mood, False, T0 + timedelta(days=days))


def test_moods_are_the_five_fixed_labels_and_only_1_to_5_parse() -> None:
    assert MOODS == ("Rough", "Not great", "Okay", "Good", "Great")
    assert [mood_label(n) for n in (1, 3, 5)] == ["Rough", "Okay", "Great"]
    assert [parse_mood(raw) for raw in ("1", "5", "0", "6", "x", "", "²")] == [1, 5, None, None, None, None, None]


def test_the_round_time_setting_reads_as_weekday_and_local_time() -> None:
    assert round_time("Wednesday 19:00") == (2, time(19, 0))
    assert round_time("Sunday 07:30") == (6, time(7, 30))
    with pytest.raises(SettingError):
        round_time("Someday 19:00")


def test_shared_text_quotes_the_words_only_when_there_are_some() -> None:
    assert shared_text("Dave", 3, "") == "Dave checked in: Okay"
    assert shared_text("Dave", 4, "new job") == 'Dave checked in: Good\n"new job"'


@given(st.text(max_size=2000))
def test_words_are_one_short_paragraph(raw: str) -> None:
    words = tidy_words(raw)
    assert len(words) <= WORDS_LIMIT and "\n" not in words and words == words.strip()


def test_summary_counts_the_most_common_and_the_latest_mood() -> None:
    assert summary([]).startswith("No check-ins in the last 8 weeks")
    line = summary([checkin(1, 3), checkin(2, 3, 2), checkin(3, 5, 9)])
    assert line == "You checked in 3 times in the last 8 weeks. Most often: Okay. Latest: Great."
    assert summary([checkin(1, 2)]).startswith("You checked in once")
    # Two at the same moment: the later one (by id) is the latest.
    assert summary([checkin(1, 3), checkin(2, 1)]).endswith("Latest: Rough.")


def pair(status: str = "active", first_seen: float = 0, second_seen: float = 0, **nudged: bool) -> BuddyPair:
    return BuddyPair(
        7, 1, 10, 20, status, T0, T0 + timedelta(days=first_seen), T0 + timedelta(days=second_seen),
        nudged.get("first", False), nudged.get("second", False),
    )  # fmt: skip


def test_a_quiet_buddy_is_reported_to_the_other_once_per_silence_and_only_when_both_agreed() -> None:
    now = T0 + timedelta(days=7)
    assert nudges_due(pair(second_seen=3), now, WEEK) == [(20, 10)]  # tell 20 that 10 went quiet
    assert nudges_due(pair(second_seen=3), now - timedelta(minutes=1), WEEK) == []
    assert nudges_due(pair(second_seen=3, first=True), now, WEEK) == []  # already told about this silence
    assert nudges_due(pair(), now, WEEK) == [(20, 10), (10, 20)]
    assert nudges_due(pair(status="asked"), now + timedelta(days=30), WEEK) == []
    assert nudge_text("Sam") == "You haven't heard from Sam in a while. Maybe drop him a message."
    assert pair().other(10) == 20 and pair().other(20) == 10


def test_names_match_exactly_or_by_a_unique_start() -> None:
    names = {1: "Dave", 2: "Davie", 3: "Sam", 4: "sam b"}
    assert find_by_name(names, "dave") == 1
    assert find_by_name(names, "@Sam") == 3
    assert find_by_name(names, "davi") == 2
    assert find_by_name(names, "da") is None  # two could be meant
    assert find_by_name(names, "") is None
    assert find_by_name(names, "tom") is None


@given(st.text(max_size=80))
def test_name_lookup_never_crashes(wanted: str) -> None:
    assert find_by_name({1: "Dave", 2: "Sam"}, wanted) in (None, 1, 2)
