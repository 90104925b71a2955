"""Activities through the real dispatcher: sign-ups survive a restart and the reminder still goes once, only the
organiser calls off (by the post's button; /cancel only stops a conversation), a weekly one is posted once a week,
and /forgetme takes sign-ups."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from magbot.app import App
from magbot.core.clock import ManualClock
from magbot.handlers.activities.jobs import plan_weekly
from tests.conftest import settings_for, sqlite_url
from tests.story import console_app, story

SETUP = ("dave: /setup", "sam [I'm a member]", "tom [I'm a member]")
FOOTBALL = "dave: /activity Football | saturday 10:00 | Pollok Park | 1 places"


async def test_signups_and_the_reminder_survive_a_restart(tmp_path: Path, clock: ManualClock) -> None:
    settings = settings_for(sqlite_url(tmp_path), tmp_path)
    async with console_app(settings, clock) as app:
        lines = await story(app).say(*SETUP, FOOTBALL, "sam [I'm in]", "tom [I'm in]", "sam [Can't]")
        assert "[dm tom] Good news: a place came free, so you're in for Football, Saturday 28 November, 10:00, " \
               "Pollok Park. Can't make it after all? Press Can't on the post." in lines
    async with console_app(settings, clock) as app:  # a deploy: a new process on the same database
        lines = await story(app).say(":at 2026-11-27 10:00", ":at 2026-11-27 11:00")
        reminders = [line for line in lines if "Reminder: Football" in line]
        assert reminders == ["[dm tom] Reminder: Football tomorrow, Saturday 28 November, 10:00, Pollok Park. "
                             "See you there!"]
        async with app.uow() as uow:
            assert await uow.schedule.status_of("activity:1:remind") == "done"


async def test_only_the_organiser_calls_it_off_and_everyone_signed_up_is_told(app: App) -> None:
    await story(app).say(*SETUP, FOOTBALL, "sam [I'm in]", "tom [Maybe]")
    assert await story(app).say("sam: /cancel") == [
        "[group] There's nothing to stop: I'm not waiting for an answer from you here."
    ]
    assert await story(app).say("sam [Call it off]") == [
        "[toast sam] Only the organiser can call it off. To drop out, press Can't."
    ]
    lines = await story(app).say("dave [Call it off]", "dave [Yes]")
    called_off = "Called off by the organiser: Football, Saturday 28 November, 10:00, Pollok Park."
    assert f"[group] (edited) {called_off}" in lines
    told = [line for line in lines if line.startswith(("[dm sam]", "[dm tom]"))]
    assert told == [
        "[dm sam] Sorry, Football, Saturday 28 November, 10:00, Pollok Park is called off.",
        "[dm tom] Sorry, Football, Saturday 28 November, 10:00, Pollok Park is called off.",
    ]
    assert [line for line in await story(app).say(":at 2026-11-27 10:30") if "Football" in line] == []  # no reminder
    assert (await story(app).say("sam: /activities"))[0].startswith("[group] Nothing planned yet.")


async def test_calling_off_a_weekly_one_asks_whether_to_stop_it_every_week(app: App) -> None:
    await story(app).say(*SETUP, "tom: /activity Five-a-side | wednesday 19:00 | Sports centre | every week")
    lines = await story(app).say("tom [Call it off]", "tom [Yes]")
    assert lines[-1] == "[dm tom] Next week's will still go up. Stop it every week from now on? [Yes] [No]"
    assert await story(app).say("sam [Yes]") == ["(console) Sam can't see a [Yes] button"]  # it's tom's, in private
    assert await story(app).say("tom [Yes]") == ["[toast tom] Stopped.", "[dm tom] Done: it won't go up again."]
    posted = [line for line in await story(app).say(":at 2026-12-05 20:00") if "Five-a-side," in line]
    assert posted == []


async def test_activity_with_only_what_carries_on_and_never_mind_stops_it(app: App) -> None:
    await story(app).say(*SETUP)
    assert await story(app).say("dave: /activity Pool night") == [
        "[group] When is it? Write the day and time, like saturday 10:00, tomorrow 7pm or 28/11 19:00. [Cancel]"
    ]
    stopped = ["[group] Okay, stopped. Nothing was saved."]
    assert await story(app).say("dave: never mind", "dave: friday 19:00") == stopped  # and the next text is just text
    assert (await story(app).say("sam: /activities"))[0].startswith("[group] Nothing planned yet.")


async def test_a_weekly_activity_goes_up_once_each_week_a_few_days_ahead(app: App) -> None:
    await story(app).say(*SETUP, "tom: /activity Five-a-side | wednesday 19:00 | Sports centre | every week")
    posted: list[str] = []
    for day in ("2026-11-26 10:00", "2026-11-28 18:00", "2026-11-28 20:00", "2026-12-03 09:00", "2026-12-05 20:00"):
        posted += [line for line in await story(app).say(f":at {day}") if "Five-a-side," in line]
    assert posted == [
        "[group] Five-a-side, organised by Tom / Wednesday 2 December, 19:00, Sports centre / Every week. / "
        "Nobody's in yet. [I'm in] [Maybe] [Can't] [Call it off]",
        "[group] Five-a-side, organised by Tom / Wednesday 9 December, 19:00, Sports centre / Every week. / "
        "Nobody's in yet. [I'm in] [Maybe] [Can't] [Call it off]",
    ]


async def test_forgetme_erases_signups_and_unnames_the_organiser(app: App) -> None:
    await story(app).say(*SETUP, "zebedee [I'm a member]", "zebedee: /activity Chips | friday 19:00 | The chippy")
    await story(app).say("zebedee [I'm in]", "sam [I'm in]", "zebedee> /start", "zebedee> /mydata")
    data = json.loads((Path(app.settings.data_dir) / "files" / "my-data.json").read_text())
    held = data["groups"][0]["activities"]
    assert held["activities_organised"] == ["Chips"] and held["sign_ups"][0]["answer"] == "in"
    await story(app).say("zebedee> /forgetme", "zebedee [Yes]")
    async with app.uow() as uow:
        rows = (await uow.session.execute(text("SELECT member_id FROM activity_signups"))).all()
        organisers = (await uow.session.execute(text("SELECT organiser_id FROM activities"))).all()
    assert len(rows) == 1 and organisers == [(None,)]
    lines = await story(app).say("sam: /activities")
    assert lines == ["[group] Coming up: / 1. Chips, Friday 27 November, 19:00, The chippy: 1 in"]


async def test_the_calendar_is_an_ics_file_of_meetings_and_activities(app: App) -> None:
    lines = await story(app).say(*SETUP, FOOTBALL, "sam> /calendar")
    assert lines[-1].startswith("[dm sam] FILE calendar.ics")
    data = (Path(app.settings.data_dir) / "files" / "calendar.ics").read_bytes().decode()
    assert data.count("BEGIN:VEVENT") == 5 and "SUMMARY:Football\r\n" in data
    assert "DTSTART:20261126T183000Z" in data and "DTSTART:20261128T100000Z" in data
    assert datetime(2026, 11, 23, 10, tzinfo=UTC).strftime("DTSTAMP:%Y%m%dT%H%M%SZ") in data


async def test_a_weekly_activity_is_planned_by_its_group_two_weeks_ahead_not_by_every_tick(app: App) -> None:
    """Its post runs days before its start, when "the next one" is still that week: the week after is planned
    already, so the series carries on by itself, and no tick walks every series."""
    await story(app).say(*SETUP, "tom: /activity Five-a-side | wednesday 19:00 | Sports centre | every week")

    async def status(day: str) -> str | None:
        async with app.uow() as uow:
            return await uow.schedule.status_of(f"activity:1:{day}")

    # This Wednesday's is up already (its row finds it so); next Wednesday's waits; none further yet.
    assert [await status(day) for day in ("2026-11-25", "2026-12-02", "2026-12-09")] == ["done", "pending", None]
    await story(app).say(":at 2026-11-28 20:00")  # the post for 2 December went up: 9 December's is planned
    assert [await status(day) for day in ("2026-12-02", "2026-12-09")] == ["done", "pending"]
    planners = app.scheduler._jobs
    assert plan_weekly in planners.group_planners and plan_weekly not in planners.planners
