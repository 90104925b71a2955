"""Scheduled sends: exactly once across restarts, never late past the grace window, right across DST."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magbot.app import App
from magbot.core.clock import ManualClock
from magbot.core.events import ChatRef, Post
from magbot.core.jobs import Due, JobHandler, JobKind, Jobs, decode, encode
from magbot.domain.recurrence import next_weekly
from magbot.scheduler import Scheduler, wake_at
from magbot.storage.uow import UnitOfWork
from tests.conftest import START, settings_for, sqlite_url

LONDON = ZoneInfo("Europe/London")
GROUP = ChatRef("console", "group")


@dataclass(frozen=True)
class Week:
    week: str


NOTE = JobKind("note", Week)


async def weekly_note(uow: UnitOfWork, job: Due[Week], now: datetime) -> list:
    return [Post(GROUP, f"note for {job.payload.week}")]


async def plan_weekly(uow: UnitOfWork, now: datetime) -> None:
    """A test planner like the meeting reminder's: the next Thursday 18:00 London time."""
    due = next_weekly(now - timedelta(hours=1), 3, time(18, 0), LONDON)
    for when in (due, next_weekly(due, 3, time(18, 0), LONDON)):  # this one and the next
        week = when.astimezone(LONDON).date().isoformat()
        await NOTE.plan(uow, f"note:{week}", when, Week(week), grace_seconds=3600)


def jobs(handler: JobHandler[Week] = weekly_note) -> Jobs:
    made = Jobs()
    made.on(NOTE, handler)
    made.plan_with(plan_weekly)
    return made


async def sent_notes(app: App) -> list[str]:
    async with app.uow() as uow:
        rows = await uow.session.execute(__import__("sqlalchemy").text("SELECT payload FROM outbox"))
        return [r[0] for r in rows if "note for" in r[0]]


async def test_a_weekly_send_goes_once_a_week_at_local_time_across_both_dst_changes(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 3, 16, 12, 0, tzinfo=UTC))
    app = App(settings_for(sqlite_url(tmp_path), tmp_path), clock=clock)
    await app.prepare()
    scheduler = Scheduler(app.uow, clock, jobs())
    fired: list[datetime] = []
    await scheduler.tick()
    while clock.now() < datetime(2026, 11, 5, tzinfo=UTC):
        # Jump to the next due time, as APScheduler's wake-up would, and a little past it.
        due = await scheduler.next_due()
        assert due is not None
        clock.set(max(due, clock.now()) + timedelta(seconds=30))
        before = len(await sent_notes(app))
        await scheduler.tick()
        if len(await sent_notes(app)) > before:
            fired.append(due)
    local = [f.astimezone(LONDON) for f in fired]
    assert all((t.weekday(), t.hour, t.minute) == (3, 18, 0) for t in local)
    weeks = [t.isocalendar()[1] for t in local]
    assert weeks == list(range(weeks[0], weeks[0] + len(weeks)))  # one a week, none missed or doubled
    assert {t.utcoffset() for t in local} == {timedelta(0), timedelta(hours=1)}  # both sides of DST
    await app.close()


async def test_a_restart_never_doubles_a_send_and_catches_up_within_grace(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 11, 26, 17, 0, tzinfo=UTC))  # Thursday, before 18:00 London
    settings = settings_for(sqlite_url(tmp_path), tmp_path)
    first = App(settings, clock=clock)
    await first.prepare()
    await Scheduler(first.uow, clock, jobs()).tick()
    await first.close()  # down over the due time ...
    clock.advance(timedelta(hours=1, minutes=40))  # ... back up 40 minutes after the due time
    second = App(settings, clock=clock)
    assert await Scheduler(second.uow, clock, jobs()).tick() == 1
    third = App(settings, clock=clock)  # and a second restart at once sends nothing again
    assert await Scheduler(third.uow, clock, jobs()).tick() == 0
    assert len(await sent_notes(third)) == 1
    for made in (second, third):
        await made.close()


async def test_too_late_is_skipped_and_logged_not_sent(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    clock = ManualClock(datetime(2026, 11, 26, 17, 0, tzinfo=UTC))
    app = App(settings_for(sqlite_url(tmp_path), tmp_path), clock=clock)
    await app.prepare()
    scheduler = Scheduler(app.uow, clock, jobs())
    await scheduler.tick()
    clock.advance(timedelta(hours=3))  # 2 hours past the due time, grace is 1 hour
    with caplog.at_level(logging.WARNING, logger="magbot"):
        assert await scheduler.tick() == 0
    assert "job skipped kind=note" in caplog.text
    assert await sent_notes(app) == []
    async with app.uow() as uow:
        assert await uow.schedule.status_of("note:2026-11-26") == "skipped"
    await app.close()


async def test_housekeeping_forgets_old_event_keys(app: App, clock: ManualClock) -> None:
    async with app.uow() as uow:
        assert await uow.events.claim("old", clock.now())
    clock.advance(timedelta(days=8))
    await app.scheduler.tick()  # plans tomorrow's housekeeping
    clock.advance(timedelta(days=1))
    await app.scheduler.tick()
    async with app.uow() as uow:
        assert await uow.events.claim("old", clock.now())  # the key was pruned, so it can be claimed again


async def test_run_until_runs_each_due_job_at_its_own_moment_in_order(tmp_path: Path) -> None:
    """What the console's `:advance 3w` does: three weekly notes, each sent at its own Thursday 18:00, none skipped,
    although a plain jump to the end would find all but the last past their one-hour grace."""
    clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # a Monday
    app = App(settings_for(sqlite_url(tmp_path), tmp_path), clock=clock)
    await app.prepare()
    seen: list[datetime] = []

    async def note_at_its_time(uow: UnitOfWork, job: Due[Week], now: datetime) -> list:
        seen.append(now)
        return await weekly_note(uow, job, now)

    made = jobs(note_at_its_time)
    scheduler = Scheduler(app.uow, clock, made)
    settles: list[datetime] = []

    async def settle() -> None:
        await scheduler.tick()
        settles.append(clock.now())

    await scheduler.run_until(clock, clock.now() + timedelta(weeks=3), settle)
    thursdays = [
        datetime(2026, 11, 26, 18, 0, tzinfo=UTC),
        datetime(2026, 12, 3, 18, 0, tzinfo=UTC),
        datetime(2026, 12, 10, 18, 0, tzinfo=UTC),
    ]
    assert seen == thursdays
    # Once where it starts (the planners look ahead from there), at each Thursday, and at the end.
    assert settles == [datetime(2026, 11, 23, 10, 0, tzinfo=UTC), *thursdays, datetime(2026, 12, 14, 10, 0, tzinfo=UTC)]
    async with app.uow() as uow:
        statuses = await uow.session.execute(__import__("sqlalchemy").text("SELECT status FROM scheduled"))
        assert "skipped" not in {row[0] for row in statuses}
    await app.close()


async def test_run_until_passes_over_a_failing_job_instead_of_looping(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 11, 26, 17, 0, tzinfo=UTC))
    app = App(settings_for(sqlite_url(tmp_path), tmp_path), clock=clock)
    await app.prepare()

    async def broken(uow: UnitOfWork, job: Due[Week], now: datetime) -> list:
        raise RuntimeError("a bug in a feature")

    made = jobs(broken)
    scheduler = Scheduler(app.uow, clock, made)

    async def settle() -> None:
        await scheduler.tick()

    await scheduler.run_until(clock, clock.now() + timedelta(days=1), settle)
    assert clock.now() == datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # got there: the broken job stays pending
    await app.close()


@dataclass(frozen=True)
class Everything:
    row: int
    word: str
    flag: bool
    at: datetime


EVERYTHING = JobKind("everything", Everything)


@given(
    st.integers(1, 2**63 - 1),
    st.text(max_size=20),
    st.booleans(),
    st.datetimes(timezones=st.just(UTC)),
)
def test_a_payload_round_trips_as_the_json_it_always_was(row: int, word: str, flag: bool, at: datetime) -> None:
    payload = Everything(row, word, flag, at)
    stored = encode(payload)
    assert stored == {"row": row, "word": word, "flag": flag, "at": at.isoformat()}
    assert decode(Everything, json.loads(json.dumps(stored))) == payload


def test_a_payload_that_could_not_be_read_back_is_refused_when_planned() -> None:
    for bad in (Everything(0, "", False, START), Everything(2**63, "", False, START),
                Everything(1, "", False, START.replace(tzinfo=None))):  # fmt: skip
        with pytest.raises(ValueError):
            encode(bad)
    with pytest.raises(TypeError):
        JobKind("floaty", float)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "raw",
    [{}, {"poll_id": 2**63}, {"poll_id": 0}, {"poll_id": -1}, {"poll_id": "5"}, {"poll_id": True}, {"poll_id": 1.5}],
)
async def test_a_forged_or_broken_payload_is_skipped_and_never_retried(
    app: App, clock: ManualClock, caplog: pytest.LogCaptureFixture, raw: dict[str, object]
) -> None:
    async with app.uow() as uow:
        await uow.schedule.plan("poll:x:close", "poll_close", clock.now(), payload=raw)
    with caplog.at_level(logging.WARNING, logger="magbot"):
        await app.scheduler.tick()
    assert "payload unreadable" in caplog.text and "job failed" not in caplog.text
    async with app.uow() as uow:
        assert await uow.schedule.status_of("poll:x:close") == "skipped"


async def test_a_tick_costs_what_is_due_not_how_many_groups_exist(app: App, clock: ManualClock) -> None:
    """Ten times the groups, nothing due: the same statements. A group's own planning after a job: one."""
    statements: list[str] = []
    event = __import__("sqlalchemy").event

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    async def set_up(first: int, last: int) -> None:
        async with app.uow() as uow:
            for n in range(first, last):
                group = await uow.groups.create("console", f"group-{n}", {}, clock.now())
                await uow.groups.mark_set_up(group.id, clock.now())
        await app.scheduler.tick()  # their setups' plan rows: each group planned once

    async def quiet_tick() -> int:
        clock.advance(timedelta(minutes=1))
        statements.clear()
        await app.scheduler.tick()
        return len(statements)

    event.listen(app.engine.sync_engine, "before_cursor_execute", count)
    await set_up(0, 3)
    few = await quiet_tick()
    # The deployment-wide planners' keys (housekeeping, buddy check) were written by an earlier tick: a quiet
    # tick only looks for due rows (the console and every story tick after each line).
    assert [s.split()[0] for s in statements] == ["SELECT"]
    await set_up(3, 30)
    assert await quiet_tick() == few
    clock.advance(timedelta(days=1))  # a new day: tomorrow's housekeeping and the next buddy check are planned
    statements.clear()
    await app.scheduler.tick()
    assert any(s.split()[0] == "INSERT" for s in statements)
    async with app.uow() as uow:
        day = (clock.now() + timedelta(days=1)).date().isoformat()
        assert await uow.schedule.status_of(f"housekeeping:{day}") == "pending"
    async with app.uow() as uow:
        group = await uow.groups.get(1)
        assert group is not None
        statements.clear()
        await app.scheduler._jobs.plan_group(uow, group, clock.now())
    # The group's weekly activities read, then its meetings', check-ins' and activities' rows in one statement.
    assert [s.split()[0] for s in statements] == ["SELECT", "INSERT"]
    event.remove(app.engine.sync_engine, "before_cursor_execute", count)


async def test_failing_jobs_by_the_dozen_do_not_keep_the_tick_from_the_rest(tmp_path: Path) -> None:
    clock = ManualClock(START)
    app = App(settings_for(sqlite_url(tmp_path), tmp_path), clock=clock)
    await app.prepare()
    ran: list[str] = []

    async def sometimes(uow: UnitOfWork, job: Due[Week], now: datetime) -> list:
        if job.payload.week.startswith("broken"):
            raise RuntimeError("a bug in a feature")
        ran.append(job.payload.week)
        return []

    made = Jobs()
    made.on(NOTE, sometimes)
    scheduler = Scheduler(app.uow, clock, made)
    async with app.uow() as uow:  # the broken ones come first: due earlier
        for n in range(35):
            await NOTE.plan(uow, f"broken:{n}", START - timedelta(minutes=30), Week(f"broken {n}"))
        for n in range(5):
            await NOTE.plan(uow, f"fine:{n}", START, Week(f"fine {n}"))
    assert await scheduler.tick() == 5
    assert ran == [f"fine {n}" for n in range(5)]
    async with app.uow() as uow:
        assert await uow.schedule.status_of("broken:0") == "pending"  # tried again at the next tick
    await app.close()


def test_a_wake_up_is_as_far_ahead_by_the_machines_time_as_by_the_bots_clock() -> None:
    """With a shifted clock (`clock.shift`: the fault suite's bots live in January) APScheduler, on the machine's
    time, must still wake when the row is due by the bot's; a row already due wakes it at once."""
    machine = datetime(2026, 12, 3, 18, 45, tzinfo=UTC)
    bots = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert wake_at(bots + timedelta(minutes=5), bots, machine) == machine + timedelta(minutes=5)
    assert wake_at(bots - timedelta(minutes=5), bots, machine) == machine
    assert wake_at(machine + timedelta(seconds=2), machine, machine) == machine + timedelta(seconds=2)
