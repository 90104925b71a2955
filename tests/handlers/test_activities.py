"""Activities through the real dispatcher: sign-ups survive a restart and the reminder still goes once, only the
organiser calls off, /cancel works on a reply, a weekly one is posted once a week, and /forgetme takes sign-ups."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from magbot.app import App
from magbot.core.clock import ManualClock
from magbot.core.events import ChatRef, Command, MessageRef, UserRef
from tests.conftest import settings_for, sqlite_url
from tests.story import console_app, story

SETUP = ("dave: /setup", "sam [I'm a member]", "tom [I'm a member]")
FOOTBALL = "dave: /activity Football | saturday 10:00 | Pollok Park | 1 places"


async def test_signups_and_the_reminder_survive_a_restart(tmp_path: Path, clock: ManualClock) -> None:
    settings = settings_for(sqlite_url(tmp_path), tmp_path)
    async with console_app(settings, clock) as app:
        lines = await story(app).say(*SETUP, FOOTBALL, "sam [I'm in]", "tom [I'm in]", "sam [Can't]")
        assert (
            "[dm tom] Good news: a place came free, so you're in for Football, Saturday 28 November at 10:00, "
            "Pollok Park. Can't make it after all? Press Can't on the post." in lines
        )
    async with console_app(settings, clock) as app:  # a deploy: a new process on the same database
        lines = await story(app).say(":at 2026-11-27 10:00", ":at 2026-11-27 11:00")
        reminders = [line for line in lines if "Reminder: Football" in line]
        assert reminders == [
            "[dm tom] Reminder: Football tomorrow (Saturday 28 November) at 10:00, Pollok Park. See you there!"
        ]
        async with app.uow() as uow:
            assert await uow.schedule.status_of("activity:1:remind") == "done"


async def test_only_the_organiser_calls_it_off_and_everyone_signed_up_is_told(app: App) -> None:
    await story(app).say(*SETUP, FOOTBALL, "sam [I'm in]", "tom [Maybe]")
    assert await story(app).say("sam: /cancel") == [
        "[group] You have no activities coming up to call off. /activities shows what's on."
    ]
    lines = await story(app).say("dave: /cancel", "dave [Call off: Football, Sat 28 Nov]")
    called_off = "Called off by the organiser: Football, Saturday 28 November at 10:00, Pollok Park."
    assert f"[group] (edited) {called_off}" in lines
    told = [line for line in lines if line.startswith("[dm ")]
    assert told == [
        "[dm sam] Sorry, Football, Saturday 28 November at 10:00, Pollok Park is called off.",
        "[dm tom] Sorry, Football, Saturday 28 November at 10:00, Pollok Park is called off.",
    ]
    assert [line for line in await story(app).say(":at 2026-11-27 10:30") if "Football" in line] == []  # no reminder
    assert (await story(app).say("sam: /activities"))[0].startswith("[group] Nothing planned yet.")


async def test_cancel_on_a_reply_to_the_post(app: App) -> None:
    await story(app).say(*SETUP, FOOTBALL)
    async with app.uow() as uow:
        card = await uow.cards.find("console", "group", "activity:1")
    assert card is not None
    chat = ChatRef("console", "group")
    for who, expected in (("sam", "Only the organiser can call it off"), ("dave", "Done. It's called off")):
        command = Command(
            f"test:{who}",
            chat,
            UserRef("console", who, who.title()),
            app.clock.now(),
            name="cancel",
            reply_to=MessageRef(chat, card.message_id),
        )
        await app.dispatcher.dispatch(command)
        lines = await story(app).say(":advance 1m")  # the console sends what is in the outbox
        assert any(expected in line for line in lines), (who, lines)


async def test_a_weekly_activity_goes_up_once_each_week_a_few_days_ahead(app: App) -> None:
    await story(app).say(*SETUP, "tom: /activity Five-a-side | wednesday 19:00 | Sports centre | every week")
    posted: list[str] = []
    for day in ("2026-11-26 10:00", "2026-11-28 18:00", "2026-11-28 20:00", "2026-12-03 09:00", "2026-12-05 20:00"):
        posted += [line for line in await story(app).say(f":at {day}") if "Five-a-side," in line]
    assert posted == [
        "[group] Five-a-side, organised by Tom / Wednesday 2 December at 19:00, Sports centre / Every week. / "
        "Nobody's in yet. [I'm in] [Maybe] [Can't] [Call it off]",
        "[group] Five-a-side, organised by Tom / Wednesday 9 December at 19:00, Sports centre / Every week. / "
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
    assert lines == ["[group] Coming up: / 1. Chips, Friday 27 November at 19:00, The chippy: 1 in"]


async def test_the_calendar_is_an_ics_file_of_meetings_and_activities(app: App) -> None:
    lines = await story(app).say(*SETUP, FOOTBALL, "sam> /calendar")
    assert lines[-1].startswith("[dm sam] FILE calendar.ics")
    data = (Path(app.settings.data_dir) / "files" / "calendar.ics").read_bytes().decode()
    assert data.count("BEGIN:VEVENT") == 5 and "SUMMARY:Football\r\n" in data
    assert "DTSTART:20261126T183000Z" in data and "DTSTART:20261128T100000Z" in data
    assert datetime(2026, 11, 23, 10, tzinfo=UTC).strftime("DTSTAMP:%Y%m%dT%H%M%SZ") in data
