"""Bench: 1,000 groups whose meeting reminders fall due in the same minute, in one process.

Prints, side by side in one run:
- baseline: the same 1,000 messages pushed straight through the rate limiter to the same simulated platform
  (no database, no scheduler): the floor set by the platform's limits;
- magbot: the scheduler finds the 1,000 due reminders, runs each job in its own transaction, queues the
  messages in the outbox, and the outbox sender delivers them within the same limits.
The simulated platform answers each send after `--latency` ms (Telegram-like), and Telegram's limits apply
(30 messages/s overall, 1/s and 20/min per chat). Usage: python bench/reminders_bench.py [--groups 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from magbot.app import App
from magbot.config import Settings
from magbot.core.clock import SystemClock
from magbot.core.delivery import Places, RatePolicy
from magbot.core.events import ChatRef, Outgoing, Post
from magbot.core.jobs import JobKind, NoPayload
from magbot.core.ratelimit import RateLimiter
from magbot.core.records import CardPlace
from magbot.core.sender import OutboxSender
from magbot.domain.group_settings import default_settings

TELEGRAM = RatePolicy(per_chat_interval=1.0, per_group_per_minute=20, overall_per_second=30, parallel_chats=16)


class SimulatedPlatform:
    platform = "telegram"

    def __init__(self, latency: float, rate: RatePolicy) -> None:
        self.latency, self.rate, self.sent = latency, rate, 0

    async def send(self, outbox_id: int, message: Outgoing, places: Places) -> CardPlace | None:
        await asyncio.sleep(self.latency)  # a bench, not a test: this stands in for the network
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
    settings = default_settings()
    async with app.uow() as uow:
        for n in range(groups):
            group = await uow.groups.create("telegram", f"-{n}", settings, now - timedelta(days=1))
            await uow.groups.mark_set_up(group.id, now - timedelta(days=1))
            await uow.members.add(group.id, f"{n}", f"Member {n}", founding=True, now=now)


async def magbot_run(groups: int, latency: float, folder: Path) -> tuple[float, float, int]:
    app = App(Settings(database_url=f"sqlite+aiosqlite:///{folder}/bench.db", data_dir=str(folder)))
    await app.prepare()
    # Plan the reminders with the clock set before they are due, then move to the minute they all fall due.
    start = datetime.now(UTC)
    await seed(app, groups, start)
    platform = SimulatedPlatform(latency, TELEGRAM)
    app.outbox = OutboxSender(app.uow, app.clock, [platform])
    async with app.uow() as uow:
        for group in await uow.groups.all_set_up():
            await uow.schedule.plan(f"reminder:{group.id}:bench", "meeting_reminder_bench", start, group_id=group.id)

    async def reminder(uow, job, now):  # type: ignore[no-untyped-def]
        from magbot.handlers.meeting_cards import next_meeting
        from magbot.handlers.meetings import reminder_post

        group = await uow.groups.get(job.group_id)
        return [await reminder_post(uow, group, next_meeting(group, now), now)]

    app.scheduler._jobs.on(JobKind("meeting_reminder_bench", NoPayload), reminder)
    # As in production: the outbox sender runs beside the scheduler and is woken after each batch of jobs.
    app.scheduler._on_outbox = app.outbox.wake
    stop = asyncio.Event()
    sending = asyncio.create_task(app.outbox.run(stop))
    began = time.perf_counter()
    await app.scheduler.tick()
    queued = time.perf_counter() - began
    while platform.sent < groups:  # noqa: ASYNC110 - a bench watching a real-time process
        await asyncio.sleep(0.05)
    total = time.perf_counter() - began
    stop.set()
    app.outbox.wake()
    await sending
    await app.close()
    return queued, total, platform.sent


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=40.0, help="ms per platform call")
    args = parser.parse_args()
    latency = args.latency / 1000
    with tempfile.TemporaryDirectory() as folder:
        base = await baseline(args.groups, latency)
        queued, total, sent = await magbot_run(args.groups, latency, Path(folder))
    floor = args.groups / TELEGRAM.overall_per_second
    print(f"groups={args.groups} latency={args.latency:.0f}ms limit={TELEGRAM.overall_per_second:.0f}/s")
    print(f"{'':28}{'baseline':>12}{'magbot':>12}")
    print(f"{'all reminders sent (s)':28}{base:12.1f}{total:12.1f}   ratio {total / base:.2f}")
    print(f"{'messages/s':28}{args.groups / base:12.1f}{sent / total:12.1f}")
    print(f"{'scheduler: due -> queued (s)':28}{'-':>12}{queued:12.1f}")
    print(f"platform floor {floor:.1f}s; within 60 s: {'yes' if total < 60 else 'NO'}")


if __name__ == "__main__":
    asyncio.run(main())
