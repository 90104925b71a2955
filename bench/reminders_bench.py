"""Bench: 1,000 groups whose meeting reminders fall due in the same minute, in one process.

Prints, side by side in one run:
- baseline: the same 1,000 messages pushed straight through the rate limiter to the same simulated platform
  (no database, no scheduler): the floor set by the platform's limits;
- magbot: the scheduler finds the 1,000 due reminders, runs each job in its own transaction, queues the
  messages in the outbox, and the outbox sender delivers them within the same limits.
The simulated platform answers each send after `--latency` ms (Telegram-like), and Telegram's limits apply
(30 messages/s overall, 1/s and 20/min per chat). Usage: python bench/reminders_bench.py [--groups 1000]

Also: how long planning every group takes (once, from the rows their setups saved; and the old way, the walk
every tick used to make, timed for comparison), the tick's own time, and the longest dispatch of a member's
/members made every 100 ms while the tick runs, beside the longest of 20 with nothing running. Ends with one
`summary key=value ...` line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import re
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's magbot, not an installed one

from magbot.app import App
from magbot.config import Settings
from magbot.core.clock import SystemClock
from magbot.core.delivery import Places, RatePolicy
from magbot.core.events import ChatRef, Command, Outgoing, Post, UserRef
from magbot.core.jobs import JobKind, NoPayload
from magbot.core.ratelimit import RateLimiter
from magbot.core.records import CardPlace
from magbot.core.sender import OutboxSender
from magbot.domain.group_settings import default_settings
from magbot.storage.models import GroupRow, MemberRow, ScheduledRow
from magbot.storage.state_repo import plan_row

MEMBERS_LIST = re.compile(r"\d+ members?:")
TELEGRAM = RatePolicy(per_chat_interval=1.0, per_group_per_minute=20, overall_per_second=30, parallel_chats=16)


class SimulatedPlatform:
    platform = "telegram"

    def __init__(self, latency: float, rate: RatePolicy) -> None:
        self.latency, self.rate, self.sent, self.answers = latency, rate, 0, 0

    async def send(self, outbox_id: int, message: Outgoing, places: Places) -> CardPlace | None:
        await asyncio.sleep(self.latency)  # a bench, not a test: this stands in for the network
        if isinstance(message, Post) and MEMBERS_LIST.match(message.text):
            self.answers += 1  # the probe's /members answers: not reminders, and not waited for
        else:
            self.sent += 1
        return CardPlace(str(self.sent), None)


async def baseline(groups: int, latency: float) -> float:
    platform, limiter, clock = SimulatedPlatform(latency, TELEGRAM), RateLimiter(TELEGRAM), SystemClock()
    gate = asyncio.Semaphore(TELEGRAM.parallel_chats)

    async def one(n: int) -> None:
        async with gate:
            while (wait := limiter.wait_needed(f"-{n}", True, clock.now())) > 0:  # noqa: ASYNC110 - real waits
                await asyncio.sleep(wait)
            limiter.record(f"-{n}", True, clock.now())
            await platform.send(n, Post(ChatRef("telegram", f"-{n}"), "reminder"), Places())

    started = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(groups)))
    return time.perf_counter() - started


async def seed(app: App, groups: int, now: datetime) -> None:
    """Groups set up a day ago, one member each, and the plan row each setup saves (`Groups.mark_set_up`),
    written in bulk: setting up 10,000 groups one by one would take longer than the run it prepares."""
    since, settings = now - timedelta(days=1), json.dumps(default_settings())
    for first in range(0, groups, 2000):
        chunk = range(first, min(groups, first + 2000))
        async with app.uow() as uow:
            made = [{"platform": "telegram", "chat_id": f"-{n}", "settings": settings} for n in chunk]
            await uow.session.execute(insert(GroupRow), [{**g, "created_at": since, "setup_at": since} for g in made])
            found = await uow.session.execute(select(GroupRow.chat_id, GroupRow.id))
            ids = {chat: group_id for chat, group_id in found}
            rows = [
                {"group_id": ids[f"-{n}"], "user_id": f"{n}", "name": f"Member {n}", "founding": True} for n in chunk
            ]
            await uow.session.execute(insert(MemberRow), [{**m, "joined_at": now} for m in rows])
            await uow.session.execute(insert(ScheduledRow), [plan_row(ids[f"-{n}"], since, "setup") for n in chunk])


class Probe:
    """Member 0's /members (private chat) every 100 ms while the tick runs: how long each dispatch takes."""

    def __init__(self, app: App) -> None:
        self.app, self.times, self._n = app, list[float](), 0

    async def once(self) -> float:
        self._n += 1
        # In his private chat: in the group its answers would go before that group's reminder (answers first)
        chat, user = ChatRef("telegram", "0", "dm"), UserRef("telegram", "0", "Member 0")
        began = time.perf_counter()
        await self.app.dispatcher.dispatch(
            Command(f"probe:{self._n}", chat, user, self.app.clock.now(), name="members")
        )
        return time.perf_counter() - began

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.times.append(await self.once())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.1)


@dataclass
class Figures:
    planning: float  # the plan rows of every group's setup, run as due rows
    walk: float  # what every tick did before: every group's planners, in one transaction
    tick: float  # the tick that finds the reminders due: due -> queued
    total: float  # due -> all sent
    sent: int
    idle_dispatch: float  # the longest of 20 dispatches with nothing else running
    longest_dispatch: float  # the longest dispatch while the tick ran
    dispatches: int


async def magbot_run(groups: int, latency: float, folder: Path, walk: bool) -> Figures:
    app = App(Settings(database_url=f"sqlite+aiosqlite:///{folder}/bench.db", data_dir=str(folder)))
    await app.prepare()
    start = datetime.now(UTC)
    await seed(app, groups, start)
    began = time.perf_counter()
    await app.scheduler.tick()  # each group's plan row: planned once, as at its setup
    planning = time.perf_counter() - began
    walked = await walk_every_group(app, start) if walk else 0.0
    platform = SimulatedPlatform(latency, TELEGRAM)
    app.outbox = OutboxSender(app.uow, app.clock, [platform])
    async with app.uow() as uow:
        every = await uow.groups.all_set_up()
    for first in range(0, len(every), 1000):  # one multi-row statement per thousand (SQLite's variable limit)
        async with app.uow() as uow, uow.schedule.together():
            for group in every[first : first + 1000]:
                await uow.schedule.plan(
                    f"reminder:{group.id}:bench", "meeting_reminder_bench", start, group_id=group.id
                )

    async def reminder(uow, job, now):  # type: ignore[no-untyped-def]
        from magbot.core.clock import ManualClock
        from magbot.core.scope import GroupScope
        from magbot.handlers.meeting_cards import next_meeting
        from magbot.handlers.meetings import reminder_post

        group = await uow.groups.get(job.group_id)
        return [await reminder_post(GroupScope(uow, ManualClock(now), group), next_meeting(group, now))]

    app.scheduler._jobs.on(JobKind("meeting_reminder_bench", NoPayload), reminder)
    probe = Probe(app)
    idle = max([await probe.once() for _ in range(20)])
    probe.times.clear()
    # As in production: the outbox sender runs beside the scheduler and is woken after each batch of jobs.
    app.scheduler._on_outbox = app.outbox.wake
    stop, ticking = asyncio.Event(), asyncio.Event()
    sending = asyncio.create_task(app.outbox.run(stop))
    probing = asyncio.create_task(probe.run(ticking))
    began = time.perf_counter()
    await app.scheduler.tick()
    queued = time.perf_counter() - began
    ticking.set()
    await probing
    while platform.sent < groups:  # noqa: ASYNC110 - a bench watching a real-time process
        await asyncio.sleep(0.05)
    total = time.perf_counter() - began
    stop.set()
    app.outbox.wake()
    await sending
    await app.close()
    longest = max(probe.times, default=0.0)
    return Figures(planning, walked, queued, total, platform.sent, idle, longest, len(probe.times))


async def walk_every_group(app: App, now: datetime) -> float:
    """The old tick's planning: every set-up group's planners, in one transaction (keys exist: adds nothing)."""
    began = time.perf_counter()
    async with app.uow() as uow:
        for group in await uow.groups.all_set_up():
            await app.scheduler._jobs.plan_group(uow, group, now)
    return time.perf_counter() - began


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=40.0, help="ms per platform call")
    parser.add_argument("--no-baseline", action="store_true", help="take the platform floor as the baseline")
    parser.add_argument("--no-walk", action="store_true", help="skip timing the old every-group planning walk")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    latency = args.latency / 1000
    with tempfile.TemporaryDirectory() as folder:
        base = args.groups / TELEGRAM.overall_per_second if args.no_baseline else await baseline(args.groups, latency)
        f = await magbot_run(args.groups, latency, Path(folder), not args.no_walk)
    floor = args.groups / TELEGRAM.overall_per_second
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"groups={args.groups} latency={args.latency:.0f}ms limit={TELEGRAM.overall_per_second:.0f}/s")
    print(f"{'':34}{'baseline':>12}{'magbot':>12}")
    print(f"{'all reminders sent (s)':34}{base:12.1f}{f.total:12.1f}   ratio {f.total / base:.2f}")
    print(f"{'messages/s':34}{args.groups / base:12.1f}{f.sent / f.total:12.1f}")
    print(f"{'tick: due -> queued (s)':34}{'-':>12}{f.tick:12.1f}")
    print(f"{'planning every group (s)':34}{f.walk:12.1f}{f.planning:12.1f}   (old: each tick; now: once)")
    print(
        f"{'longest dispatch (ms)':34}{f.idle_dispatch * 1000:12.1f}{f.longest_dispatch * 1000:12.1f}"
        f"   (idle vs during the tick, {f.dispatches} dispatches)"
    )
    print(f"platform floor {floor:.1f}s; RSS {rss:.0f} MB")
    print(
        f"summary groups={args.groups} floor_s={floor:.1f} baseline_s={base:.1f} total_s={f.total:.1f} "
        f"floor_ratio={f.total / floor:.2f} tick_s={f.tick:.1f} old_walk_s={f.walk:.1f} planning_s={f.planning:.1f} "
        f"longest_dispatch_ms={f.longest_dispatch * 1000:.0f} idle_dispatch_ms={f.idle_dispatch * 1000:.0f} "
        f"rss_mb={rss:.0f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
