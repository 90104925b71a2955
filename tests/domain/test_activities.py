"""Activities: the one-line form never crashes (it parses or explains), the waiting list, and the .ics file."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magbot.domain.activities import (
    ActivityError,
    SignUp,
    cost_text,
    parse_activity,
    press,
    taken,
    waiting_position,
)
from magbot.domain.calendar import CalendarEvent, escape, ics

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday


def test_the_full_form() -> None:
    spec = parse_activity(
        "Football | saturday 10:00 | Pollok Park | 10 places | £3.50 | guests | every week | closes friday 18:00",
        NOW,
        LONDON,
    )
    assert (spec.what, spec.place, spec.places, spec.cost_pence, spec.guests, spec.weekly) == (
        "Football",
        "Pollok Park",
        10,
        350,
        True,
        True,
    )
    assert spec.starts_at == datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    assert spec.closes_at == datetime(2026, 11, 27, 18, 0, tzinfo=UTC)


def test_the_short_form_and_the_summer_clock() -> None:
    spec = parse_activity("Trip to the coast | tomorrow 09:00 | Largs", datetime(2026, 6, 1, 8, tzinfo=UTC), LONDON)
    assert spec.starts_at == datetime(2026, 6, 2, 8, 0, tzinfo=UTC)  # 09:00 BST
    assert (spec.places, spec.cost_pence, spec.guests, spec.weekly, spec.closes_at) == (None, None, False, False, None)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ("Football", "what, when and where"),
        ("Football | someday | the park", "can't tell when"),
        (" | saturday 10:00 | the park", "say what it is"),
        ("Football | saturday 10:00 | the park | lots", "part after the place"),
        ("Football | saturday 10:00 | the park | 0 places", "from 1 to"),
        ("Football | saturday 10:00 | the park | £-3", "£3.50"),
        ("Football | saturday 10:00 | the park | closes sunday 10:00", "close before it starts"),
    ],
)
def test_mistakes_are_explained_with_an_example(args: str, says: str) -> None:
    with pytest.raises(ActivityError) as caught:
        parse_activity(args, NOW, LONDON)
    assert says in str(caught.value)


@given(st.text(max_size=200))
def test_any_words_parse_or_are_explained(words: str) -> None:
    try:
        spec = parse_activity(words, NOW, LONDON)
    except ActivityError as exc:
        assert str(exc)
    else:
        assert spec.what and spec.place and spec.starts_at > NOW


@given(
    st.lists(
        st.sampled_from(["Football", "sat 10:00", "Park", "3 places", "£2", "guests", "free", "weekly", "x"]),
        max_size=8,
    )
)
def test_any_mix_of_parts_parses_or_is_explained(parts: list[str]) -> None:
    try:
        parse_activity(" | ".join(parts), NOW, LONDON)
    except ActivityError as exc:
        assert "For example" in str(exc) or "like" in str(exc)


def test_cost_text() -> None:
    assert [cost_text(p) for p in (None, 0, 300, 350)] == ["", "free", "£3", "£3.50"]


# ---------------------------------------------------------------- places and the waiting list


def test_full_means_waiting_in_order_and_a_drop_out_moves_the_first_in() -> None:
    signups: tuple[SignUp, ...] = ()
    for member in (1, 2, 3, 4):
        signups = press(signups, member, "in", places=2).signups
    assert [s.status for s in signups] == ["in", "in", "waiting", "waiting"]
    assert waiting_position(signups, 4) == 2
    change = press(signups, 1, "cant", places=2)
    assert change.moved_in == (3,) and change.status == "cant"
    assert taken(change.signups) == 2 and waiting_position(change.signups, 4) == 1


def test_a_guest_takes_a_place_and_giving_it_back_moves_the_waiting_in() -> None:
    signups = press((), 1, "in", places=2).signups
    signups = press(signups, 1, "guest", places=2).signups
    assert taken(signups) == 2
    assert press(signups, 2, "in", places=2).status == "waiting"
    signups = press(signups, 2, "in", places=2).signups
    assert press(signups, 1, "guest", places=2).moved_in == (2,)


def test_no_guest_when_full_or_not_in_and_pressing_twice_changes_nothing() -> None:
    signups = press(press((), 1, "in", places=1).signups, 2, "maybe", places=1).signups
    assert press(signups, 1, "guest", places=1).status == "full"
    assert press(signups, 2, "guest", places=1).signups == signups
    assert press(signups, 1, "in", places=1).signups == signups
    assert press(signups, 2, "maybe", places=1).signups == signups


def test_newcomers_queue_behind_the_waiting_even_when_a_place_is_free() -> None:
    waiting = (SignUp(1, "in", 0, 1), SignUp(2, "waiting", 0, 2))
    change = press(waiting, 3, "in", places=3)
    assert {s.member_id: s.status for s in change.signups} == {1: "in", 2: "in", 3: "in"}
    assert change.moved_in == (2, 3)


# ---------------------------------------------------------------- the calendar file


def parse_ics(data: bytes) -> list[dict[str, str]]:
    """A small reader: CRLF lines, unfolded, into one dict per VEVENT (values unescaped)."""
    text = data.decode()
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.replace("\r\n ", "").split("\r\n")[:-1]
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    events, current = [], None
    for line in lines:
        name, _, value = line.partition(":")
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            current[name] = re.sub(r"\\(.)", lambda m: "\n" if m[1] in "nN" else m[1], value)
    return events  # type: ignore[return-value]


def test_the_ics_file_parses_back() -> None:
    start = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    long_place = "The far pitch; past the café, by the river " * 3
    data = ics(
        [CalendarEvent("activity-1@magbot", start, start + timedelta(hours=2), "Football, then chips", long_place)],
        NOW,
    )
    assert all(len(line.encode()) <= 75 for line in data.decode().split("\r\n"))
    [event] = parse_ics(data)
    assert event["UID"] == "activity-1@magbot"
    assert event["DTSTART"] == "20261128T100000Z" and event["DTEND"] == "20261128T120000Z"
    assert event["DTSTAMP"] == "20261123T100000Z"
    assert event["SUMMARY"] == "Football, then chips" and event["LOCATION"] == long_place
    assert escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


@given(st.text(max_size=300))
def test_any_summary_survives_the_round_trip(summary: str) -> None:
    summary = summary.replace("\r\n", "\n").replace("\r", "\n")
    data = ics([CalendarEvent("x@magbot", NOW, NOW, summary)], NOW)
    assert all(len(line.encode()) <= 75 for line in data.decode().split("\r\n"))
    assert parse_ics(data)[0]["SUMMARY"] == summary
