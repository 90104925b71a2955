"""Times as members write them (PRODUCT.md "Conversations"), read in the group's zone on the injected clock."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from magbot.domain.activities import parse_activity
from magbot.domain.dates import day_text, duration_text, moment_text, soon_text
from magbot.domain.timewords import TimeProblem, problem_text, read_time

LONDON = ZoneInfo("Europe/London")
WEDNESDAY = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # noon, Wednesday 2 December 2026


def local(text: str, now: datetime = WEDNESDAY) -> str:
    when = read_time(text, now, LONDON)
    return when.value if isinstance(when, TimeProblem) else f"{when.astimezone(LONDON):%a %d/%m %H:%M}"


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("friday 18:00", "Fri 04/12 18:00"),
        ("fri 6pm", "Fri 04/12 18:00"),
        ("fri 7pm", "Fri 04/12 19:00"),
        ("tonight 7pm", "Wed 02/12 19:00"),
        ("tonight 19:00", "Wed 02/12 19:00"),
        ("tonight", "Wed 02/12 19:00"),
        ("tomorrow 19:30", "Thu 03/12 19:30"),
        ("tomorrow", "Thu 03/12 18:00"),  # a day alone is the evening
        ("next saturday 10am", "Sat 05/12 10:00"),
        ("next saturday 7pm", "Sat 05/12 19:00"),
        ("28/12 19:00", "Mon 28/12 19:00"),  # day/month, as written in the UK
        ("3/12 19:00", "Thu 03/12 19:00"),
        ("28 December 7pm", "Mon 28/12 19:00"),
        ("28 December 19:00", "Mon 28/12 19:00"),
        ("thurs 7pm", "Thu 03/12 19:00"),
        ("in 2 days", "Fri 04/12 12:00"),
        ("2d", "Fri 04/12 12:00"),
        ("3h", "Wed 02/12 15:00"),
        ("18:00", "Wed 02/12 18:00"),
        ("09:00", "Thu 03/12 09:00"),  # a time alone: its next occurrence
        ("wednesday 09:00", "Wed 09/12 09:00"),  # today's is gone: next week's
        ("wednesday 19:00", "Wed 02/12 19:00"),  # today's is still to come
    ],
)
def test_the_forms_people_write_are_read(text: str, meant: str) -> None:
    assert local(text) == meant


@pytest.mark.parametrize("text", ["yesterday 19:00", "28/11 19:00", "28 November 19:00", "today 09:00", "1/12 10:00"])
def test_a_time_in_the_past_is_already_gone(text: str) -> None:
    assert read_time(text, WEDNESDAY, LONDON) is TimeProblem.GONE
    assert problem_text(TimeProblem.GONE, "friday 18:00") == (
        "That's already gone. Write a time still to come, like friday 18:00."
    )


@pytest.mark.parametrize("text", ["someday", "18", "wed at 7", "0h", "friday 25:00", "", "x" * 61, "1700000000"])
def test_unreadable_words_are_refused(text: str) -> None:
    assert read_time(text, WEDNESDAY, LONDON) is TimeProblem.UNREADABLE


def test_too_soon_and_too_far_say_the_limits() -> None:
    assert read_time("2m", WEDNESDAY, LONDON) is TimeProblem.TOO_SOON
    assert read_time("1000d", WEDNESDAY, LONDON) is TimeProblem.TOO_FAR
    assert read_time("28/4 19:00", WEDNESDAY, LONDON) is TimeProblem.TOO_FAR  # next April is nearer than last
    assert "at most 60 days" in problem_text(TimeProblem.TOO_FAR, "friday 18:00")
    assert "at least 5 minutes" in problem_text(TimeProblem.TOO_SOON, "friday 18:00")


def test_the_injected_clock_is_the_only_today() -> None:
    # The same words on two fixed days give two answers: nothing reads the machine's date.
    assert local("tomorrow 19:00", datetime(2026, 3, 2, 12, 0, tzinfo=UTC)) == "Tue 03/03 19:00"
    assert local("tomorrow 19:00", datetime(2031, 7, 9, 12, 0, tzinfo=UTC)) == "Thu 10/07 19:00"
    assert local("28/11 19:00", datetime(2030, 11, 20, 12, 0, tzinfo=UTC)) == "Thu 28/11 19:00"


def test_times_are_local_across_the_clock_changes() -> None:
    before_spring = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # Friday; clocks go forward on Sunday 29 March
    assert read_time("sunday 10:00", before_spring, LONDON) == datetime(2026, 3, 29, 9, 0, tzinfo=UTC)  # BST
    assert read_time("sunday 01:30", before_spring, LONDON) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # the gap
    assert read_time("fri 18:00", before_spring, LONDON) == datetime(2026, 3, 27, 18, 0, tzinfo=UTC)  # tonight
    before_autumn = datetime(2026, 10, 23, 12, 0, tzinfo=UTC)
    assert read_time("26/10 19:00", before_autumn, LONDON) == datetime(2026, 10, 26, 19, 0, tzinfo=UTC)  # GMT
    assert read_time("sunday 01:30", before_autumn, LONDON) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # first


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40), st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)))
def test_any_words_give_a_time_to_come_or_a_reason(text: str, at: datetime) -> None:
    now = at.replace(tzinfo=UTC)
    when = read_time(text, now, LONDON)
    assert isinstance(when, TimeProblem) or now + timedelta(minutes=5) <= when <= now + timedelta(days=60)


def test_an_activity_series_takes_its_first_time_from_the_when_part() -> None:
    spec = parse_activity("Football | every week saturday 10:00 | Pollok Park", WEDNESDAY, LONDON)
    assert spec.weekly and spec.starts_at == datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    assert parse_activity("Walk | every sunday 11am | the park", WEDNESDAY, LONDON).weekly
    assert not parse_activity("Walk | sunday 11am | the park", WEDNESDAY, LONDON).weekly


def test_importing_the_rules_does_not_load_the_parser() -> None:
    # dateparser is heavy: it loads on the first time read, not when the bot starts.
    code = "import sys, magbot.domain.timewords, magbot.domain.polls; print('dateparser' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_one_date_style_everywhere() -> None:
    thursday = datetime(2026, 12, 3, 18, 30, tzinfo=UTC)
    assert moment_text(thursday, LONDON) == "Thursday 3 December, 18:30"
    assert day_text(thursday.date()) == "Thursday 3 December"
    assert day_text(thursday.date(), year=True) == "Thursday 3 December 2026"
    assert soon_text(thursday, LONDON, WEDNESDAY) == "tomorrow, Thursday 3 December, 18:30"
    assert soon_text(thursday, LONDON, thursday - timedelta(hours=2)) == "today, 18:30"
    assert moment_text(datetime(2026, 7, 2, 17, 30, tzinfo=UTC), LONDON) == "Thursday 2 July, 18:30"  # BST
    assert [duration_text(timedelta(hours=h)) for h in (1, 2, 24, 48, 168)] == [
        "an hour", "2 hours", "a day", "2 days", "a week"
    ]  # fmt: skip


def test_the_machines_own_time_zone_changes_nothing() -> None:
    # dateparser asks the machine for its zone (tzlocal); the answer must come from the group's zone alone.
    code = (
        "from datetime import UTC, datetime; from zoneinfo import ZoneInfo; "
        "from magbot.domain.timewords import read_time; "
        "print(read_time('tonight 11pm', datetime(2026, 11, 23, 22, 30, tzinfo=UTC), ZoneInfo('Europe/London')))"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ, "TZ": zone}
        ).stdout
        for zone in ("UTC", "Asia/Tokyo", "America/Los_Angeles")
    }
    assert seen == {"2026-11-23 23:00:00+00:00\n"}
