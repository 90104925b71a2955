"""Poll rules: reading /poll lines and deadlines (never a crash, always an example), and the result text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magbot.domain.polls import PollError, PollResult, parse_poll, parse_when, result_text
from magbot.domain.timewords import parse_duration

LONDON = ZoneInfo("Europe/London")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday, London is on GMT


def test_a_poll_line_with_question_options_and_flags() -> None:
    spec = parse_poll("Football on Saturday? | Yes | No | Maybe named multi closes friday 18:00", MONDAY, LONDON)
    assert spec.question == "Football on Saturday?"
    assert spec.options == ("Yes", "No", "Maybe")
    assert spec.named and spec.multi
    assert spec.closes_at == datetime(2026, 11, 27, 18, 0, tzinfo=UTC)


def test_flags_may_come_in_any_order_or_in_their_own_part() -> None:
    spec = parse_poll("Tea? | yes | no closes 2d named", MONDAY, LONDON)
    assert (spec.options, spec.named, spec.multi) == (("yes", "no"), True, False)
    assert spec.closes_at == MONDAY + timedelta(days=2)
    spec = parse_poll("Tea? | yes | no | multi closes 3h", MONDAY, LONDON)
    assert (spec.options, spec.multi, spec.closes_at) == (("yes", "no"), True, MONDAY + timedelta(hours=3))
    plain = parse_poll("Where? | The pub | Shop closes", MONDAY, LONDON)  # a last word "closes" is just text
    assert plain.options == ("The pub", "Shop closes") and plain.closes_at is None


@pytest.mark.parametrize(
    "args",
    ["", "Just a question", "Q? | only one", "| a | b", "Q? | a | a", "Q? | a | | b", "Q? | a | b closes someday"],
)
def test_bad_poll_lines_get_an_example(args: str) -> None:
    with pytest.raises(PollError) as caught:
        parse_poll(args, MONDAY, LONDON)
    assert "like" in str(caught.value) or "Please" in str(caught.value)


def test_too_many_options_are_refused() -> None:
    with pytest.raises(PollError, match="up to 10"):
        parse_poll("Q? | " + " | ".join(f"o{n}" for n in range(11)), MONDAY, LONDON)


def test_deadlines_are_read_in_the_groups_time_zone() -> None:
    assert parse_when("friday 18:00", MONDAY, LONDON) == datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    assert parse_when("tomorrow", MONDAY, LONDON) == datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
    assert parse_when("9pm", MONDAY, LONDON) == datetime(2026, 11, 23, 21, 0, tzinfo=UTC)
    assert parse_when("09:00", MONDAY, LONDON) == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # tomorrow's
    assert parse_when("monday 09:00", MONDAY, LONDON) == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # next week
    summer = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    assert parse_when("fri 18:00", summer, LONDON) == datetime(2026, 6, 5, 17, 0, tzinfo=UTC)  # BST
    assert parse_when("2 days", MONDAY, LONDON) == MONDAY + timedelta(days=2)


@pytest.mark.parametrize("when", ["someday", "friday 25:00", "0h", "1000d", "18", "1m", "today 09:00"])
def test_unreadable_or_impossible_deadlines_explain_the_form(when: str) -> None:
    with pytest.raises(PollError, match="closes friday 18:00"):
        parse_when(when, MONDAY, LONDON)


@given(st.text(max_size=80), st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)))
def test_the_deadline_parser_never_crashes_and_always_parses_or_gives_an_example(text: str, at: datetime) -> None:
    now = at.replace(tzinfo=UTC)
    try:
        when = parse_when(text, now, LONDON)
    except PollError as exc:
        assert "closes friday 18:00" in str(exc)
    else:
        assert now < when <= now + timedelta(days=60)


@given(st.text(max_size=300))
def test_the_poll_parser_never_crashes(args: str) -> None:
    try:
        spec = parse_poll(args, MONDAY, LONDON)
    except PollError as exc:
        assert len(str(exc)) < 200
    else:
        assert spec.question and 2 <= len(spec.options) <= 10


def test_durations() -> None:
    assert parse_duration("1w") == timedelta(weeks=1)
    assert parse_duration("12 hours") == timedelta(hours=12)
    assert parse_duration("0d") is None and parse_duration("soon") is None


def test_the_result_shows_counts_and_names_only_when_named() -> None:
    anonymous = PollResult("Tea?", ("Tea", "Coffee"), (1, 2), 3)
    assert result_text(anonymous) == "Poll closed: Tea?\n- Tea: 1\n- Coffee: 2\n3 people voted."
    named = PollResult("Tea?", ("Tea", "Coffee"), (1, 0), 1, (("Sam",), ()))
    assert "- Tea: 1 (Sam)" in result_text(named) and "1 person voted." in result_text(named)
    assert result_text(PollResult("Tea?", ("a", "b"), (0, 0), 0)).endswith("Nobody voted.")


def test_the_trailing_words_may_have_parts_of_their_own() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from magbot.domain.polls import parse_poll

    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    spec = parse_poll("Tea or coffee? | Tea | Coffee | named | multi | closes 2h", now, ZoneInfo("Europe/London"))
    assert (spec.options, spec.named, spec.multi) == (("Tea", "Coffee"), True, True)
    assert spec.closes_at is not None and spec.closes_at.hour == 12
