"""Meeting rules: next meeting, reminder offsets, agenda ranking, topic cleaning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from magbot.domain.meetings import (
    MEETING_LENGTH,
    Suggestion,
    clean_topic,
    parse_offsets,
    ranked,
    when_text,
)
from magbot.domain.settings import default_group_settings

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_next_meeting_is_the_one_under_way_until_it_ends() -> None:
    schedule = default_group_settings().meeting
    start = datetime(2026, 11, 26, 18, 30, tzinfo=UTC)
    assert schedule.next_start(NOW) == start
    assert schedule.next_start(start + timedelta(hours=1)) == start
    assert schedule.next_start(start + timedelta(hours=2, minutes=1)) == start + timedelta(days=7)


def test_offsets_give_the_day_before_at_local_time_and_hours_before() -> None:
    start = datetime(2026, 3, 26, 18, 30, tzinfo=UTC)  # GMT: the Thursday before the clocks change
    day_before, two_hours = parse_offsets("1d@18:00, 2h")
    assert day_before.due(start, LONDON) == datetime(2026, 3, 25, 18, 0, tzinfo=UTC)
    assert two_hours.due(start, LONDON) == datetime(2026, 3, 26, 16, 30, tzinfo=UTC)
    summer = datetime(2026, 4, 2, 17, 30, tzinfo=UTC)  # 18:30 BST
    assert day_before.due(summer, LONDON) == datetime(2026, 4, 1, 17, 0, tzinfo=UTC)


def test_a_whole_year_of_meetings_keeps_local_time_across_both_dst_changes() -> None:
    """Meeting after meeting through 2026, as the scheduler rolls from one to the next: every week's reminders,
    agenda and "covered?" question fall at the same local times, on both sides of each clock change."""
    schedule, offsets = default_group_settings().meeting, default_group_settings().reminders
    start, weeks, offsets_seen = schedule.next_start(datetime(2026, 1, 1, tzinfo=UTC)), [], set()
    while start.year == 2026:
        due = [o.due(start, LONDON) for o in offsets] + [start, start + MEETING_LENGTH]
        local = [d.astimezone(LONDON) for d in due]
        assert [t.strftime("%a %H:%M") for t in local] == ["Wed 18:00", "Thu 16:30", "Thu 18:30", "Thu 20:30"]
        # A job checks, when it runs, that its meeting is still the one on (the "covered?" question looks back
        # over the meeting's length): each of this week's times must point at this week's meeting.
        assert all(schedule.next_start(d) == start for d in due[:-1])
        assert schedule.next_start(due[-1] - MEETING_LENGTH) == start
        weeks.append(local[2].isocalendar()[1])
        offsets_seen.add(local[2].utcoffset())
        start = schedule.next_start(start + MEETING_LENGTH + timedelta(seconds=1))  # the meeting is over
    assert weeks == list(range(1, 54))  # one meeting each ISO week of 2026, none skipped or doubled
    assert offsets_seen == {timedelta(0), timedelta(hours=1)}


def test_when_text_speaks_like_a_person() -> None:
    start = datetime(2026, 11, 26, 18, 30, tzinfo=UTC)
    assert when_text(start, LONDON, NOW) == "Thursday 26 November, 18:30"
    assert when_text(start, LONDON, start - timedelta(days=1)) == "tomorrow, Thursday 26 November, 18:30"
    assert when_text(start, LONDON, start - timedelta(hours=3)) == "today, 18:30"


def test_agenda_is_most_plus_ones_first_then_oldest() -> None:
    items = [
        Suggestion(1, "a", 1, False, 0, NOW),
        Suggestion(2, "b", 1, False, 2, NOW + timedelta(minutes=1)),
        Suggestion(3, "c", 1, False, 2, NOW),
    ]
    assert [s.id for s in ranked(items)] == [3, 2, 1]


@given(st.text(max_size=300))
def test_topics_are_one_tidy_line_or_refused(raw: str) -> None:
    topic = clean_topic(raw, 200)
    assert topic is None or (0 < len(topic) <= 200 and "\n" not in topic and topic == topic.strip())
