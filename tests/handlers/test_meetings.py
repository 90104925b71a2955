"""Meeting reminders: once each, at the intended local time right across DST, never after a cancellation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from magbot.app import App
from magbot.core.clock import ManualClock
from tests.conftest import settings_for, sqlite_url
from tests.story import console_app, story

LONDON = ZoneInfo("Europe/London")


async def reminders_sent(app: App) -> list[tuple[str, datetime]]:
    """(kind, due time) of every meeting job that ran."""
    async with app.uow() as uow:
        rows = await uow.session.execute(
            text("SELECT kind, due_at FROM scheduled WHERE status = 'done' AND kind LIKE 'meeting_%' ORDER BY due_at")
        )
        return [(kind, due if isinstance(due, datetime) else datetime.fromisoformat(due)) for kind, due in rows]


@pytest.mark.parametrize(
    "monday",
    [datetime(2026, 3, 23, 12, 0, tzinfo=UTC), datetime(2026, 10, 19, 12, 0, tzinfo=UTC)],
    ids=["spring", "autumn"],
)
async def test_one_reminder_per_offset_per_week_at_local_time_across_a_dst_change(
    tmp_path: Path, monday: datetime
) -> None:
    """The real planner, scheduler and meeting jobs over the two meetings either side of a clock change.

    The rule itself (local times all year, both changes) is tests/domain/test_meetings.py's; this is the wiring:
    each job planned once, run once, and still taken for its own meeting when it runs.
    """
    clock = ManualClock(monday)
    async with console_app(settings_for(sqlite_url(tmp_path), tmp_path), clock) as app:
        await story(app).say("dave: /setup")
        while clock.now() < monday + timedelta(days=11):  # to the Friday after the second meeting
            due = await app.scheduler.next_due()
            assert due is not None
            clock.set(max(due, clock.now()) + timedelta(seconds=20))
            await app.scheduler.tick()
        sent = await reminders_sent(app)
    by_week: dict[int, list[tuple[str, str]]] = {}
    for kind, due in sent:
        local = due.replace(tzinfo=UTC).astimezone(LONDON)
        by_week.setdefault(local.isocalendar()[1], []).append((kind, local.strftime("%a %H:%M")))
    expected = [
        ("meeting_reminder", "Wed 18:00"),
        ("meeting_reminder", "Thu 16:30"),
        ("meeting_start", "Thu 18:30"),
        ("meeting_after", "Thu 20:30"),
    ]
    first = monday.isocalendar()[1]
    assert by_week == {first: expected, first + 1: expected}  # DST weeks 13 and 43: the clocks change on Sunday
    offsets = {due.replace(tzinfo=UTC).astimezone(LONDON).utcoffset() for _, due in sent}
    assert offsets == {timedelta(0), timedelta(hours=1)}  # the two meetings are on either side of the change


async def test_a_restart_across_reminder_time_sends_it_once(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    settings = settings_for(sqlite_url(tmp_path), tmp_path)
    async with console_app(settings, clock) as app:
        await story(app).say("dave: /setup")
    clock.set(datetime(2026, 11, 25, 18, 40, tzinfo=UTC))  # down at 18:00, back 40 minutes later
    async with console_app(settings, clock) as app:
        lines = await story(app).say(":advance 1m")
        assert sum("Reminder: our meeting is tomorrow" in line for line in lines) == 1
    async with console_app(settings, clock) as app:  # and once more at once: nothing doubled
        assert await story(app).say(":advance 1m") == []


async def test_a_reminder_missed_by_more_than_an_hour_is_skipped_not_sent_late(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    settings = settings_for(sqlite_url(tmp_path), tmp_path)
    async with console_app(settings, clock) as app:
        await story(app).say("dave: /setup")
    clock.set(datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
    async with console_app(settings, clock) as app:
        assert not any("Reminder" in line for line in await story(app).say(":advance 1m"))
        async with app.uow() as uow:
            assert await uow.schedule.status_of("reminder:1:2026-11-26:1d@18:00") == "skipped"


async def test_a_changed_schedule_drops_reminders_planned_for_the_old_time(app: App, clock: ManualClock) -> None:
    await story(app).say("dave: /setup")
    async with app.uow() as uow:  # what a passed group decision does
        group = await uow.groups.by_chat("console", "group")
        assert group is not None
        await uow.groups.save_settings(group.id, group.settings.with_value("meeting_day", "Friday"))
    old_times = await story(app).say(":at 2026-11-25 18:00", ":at 2026-11-26 16:30")
    assert not any("Reminder" in line for line in old_times)
    new_time = await story(app).say(":at 2026-11-26 18:00")
    assert any("Reminder: our meeting is tomorrow, Friday 27 November, 18:30" in line for line in new_time)


async def test_mydata_and_forgetme_cover_the_agenda(app: App) -> None:
    await story(app).say("dave: /setup", "sam [I'm a member]", "sam: /suggest Bus passes", "dave [+1]")
    await story(app).say("sam> /start", "sam> /mydata")
    data = json.loads((Path(app.settings.data_dir) / "files" / "my-data.json").read_text())
    assert data["groups"][0]["meetings_and_agenda"]["suggestions"] == ["Bus passes"]
    await story(app).say("sam> /forgetme", "sam [Yes]")
    assert "Bus passes" not in (await story(app).say("dave: /agenda"))[0]


async def test_pressing_on_the_meeting_card_keeps_it_a_meeting_card(app: App) -> None:
    await story(app).say("dave: /setup", "sam [I'm a member]")
    await story(app).say("sam: /meeting")
    [edited] = [line for line in await story(app).say("sam [I'll be there]") if "(edited)" in line]
    assert edited.startswith("[group] (edited) Next meeting: Thursday 26 November, 18:30")
    assert "Reminder" not in edited and "Sam" in edited
