"""Scheduled sends, built from database rows; APScheduler only decides when to look.

The `scheduled` table is the truth: each row is one send with an idempotency key, a due time and a grace
window. `tick()` runs every due row once, in its own transaction, and marks it done in that same transaction,
so a restart never doubles a send. A row found later than its grace window is skipped and logged, never sent
late. Planners (one per feature) add the next rows, e.g. next week's reminders; the housekeeping planner
prunes old event keys and expired guided flows.

In production an APScheduler AsyncIOScheduler wakes `tick()` at the next due time and once a minute as a
safety net (memory job store, nothing pickled). Tests and the console move a ManualClock with `run_until`.
What the jobs are (kinds, payloads, handlers, planners) is declared in `magbot/core/jobs.py`; this is the runtime.
A job planned with a group runs in that group's `GroupScope`; one for the whole deployment (the housekeeping,
the buddies' daily check) gets the unit of work and the time.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from magbot.core.clock import Clock, ManualClock
from magbot.core.events import Outgoing
from magbot.core.jobs import PLAN_GROUP, Due, JobRoute, Jobs
from magbot.core.records import ScheduledJob
from magbot.core.scope import GroupScope
from magbot.storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

Settle = Callable[[], Awaitable[None]]
# Due rows read at a time: each batch's read is short, and the sender is woken after each one, so the first
# messages go while the rest of a thousand groups' reminders are still being queued.
DUE_BATCH = 10
PLANNED_KEPT = 1000


async def _call(route: JobRoute, jobs: Jobs, uow: UnitOfWork, due: Due[Any], now: datetime) -> list[Outgoing]:
    if route.global_ is not None:
        return await route.global_(uow, due, now)
    group = await uow.groups.get(due.group_id) if due.group_id else None
    if route.in_group is None or group is None:  # its group is gone: nobody to send to (done, as before)
        log.info("job without its group kind=%s id=%d", due.kind, due.id)
        return []
    # The clock stands still at the tick's time: every job of a tick sees the instant it was found due at.
    out = await route.in_group(GroupScope(uow, ManualClock(now), group), due)
    if due.kind != PLAN_GROUP.name:  # one of its occurrences ran: plan the next ones, in the same transaction
        await jobs.plan_group(uow, group, now)
    return out


class Scheduler:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, jobs: Jobs, on_outbox: Callable[[], None] = lambda: None
    ) -> None:
        # The background lane: a member's dispatch goes before the tick's next transaction (storage/turn.py).
        self._uow, self._clock, self._jobs, self._on_outbox = uow.background, clock, jobs, on_outbox
        self._aps: AsyncIOScheduler | None = None
        self._waking: asyncio.Task[object] | None = None  # a production wake-up under way
        self._planned: set[str] = set()  # keys the deployment-wide planners have committed (see _remember_planned)

    async def tick(self) -> int:
        """Plan ahead, then run every due job once. Returns how many jobs sent or ran.

        Only deployment-wide planners run here (a few statements); a group's own are run by its rows (set up,
        settings changed, one of its jobs ran), so a tick costs what is due, not how many groups there are."""
        now = self._clock.now()
        async with self._uow() as uow:
            async with uow.schedule.together(self._planned) as written:
                for planner in self._jobs.planners:
                    await planner(uow, now)
        self._remember_planned(written)
        ran, tried, failed = 0, set[int](), set[int]()
        while True:  # in small batches: short reads, and the sender starts on the first messages at once
            async with self._uow() as uow:
                due = await uow.schedule.due(now, DUE_BATCH, skip=failed)
            if not due:
                break
            fresh = [job for job in due if job.id not in tried]
            failed.update(job.id for job in due if job.id in tried)  # still pending after its run: not again
            for job in fresh:
                tried.add(job.id)
                done = await self._run_one(job, now)
                if done is None:  # left pending for the next tick, not this loop
                    failed.add(job.id)
                ran += done or 0
            self._on_outbox()  # the sender starts on this batch while the next one runs
        return ran

    def _remember_planned(self, keys: list[str]) -> None:
        """Keys a tick's planners have committed: the next ticks plan them again at no cost (the console and
        the stories tick after every line). Planned keys are never deleted while a planner can still ask for
        them (they are days ahead), so a key known here is in the table."""
        if len(self._planned) > PLANNED_KEPT:
            self._planned.clear()  # planners ask for a few keys a day: a restart's worth of memory, no more
        self._planned.update(keys)

    async def _run_one(self, job: ScheduledJob, now: datetime) -> int | None:
        """1 when it ran, 0 when it was skipped or ran elsewhere, None when it failed (it stays pending)."""
        late = (now - job.due_at).total_seconds()
        try:
            async with self._uow() as uow:
                if late > job.grace_seconds:
                    if await uow.schedule.finish(job.id, "skipped", now):
                        log.warning("job skipped kind=%s id=%d late_s=%d", job.kind, job.id, late)
                        await self._plan_after(uow, job, now)  # after downtime: the next ones still get planned
                    return 0
                route = self._jobs.handlers.get(job.kind)
                due = route.kind.read(job) if route else None
                if route is not None and due is None:  # never retried: it would fail the same way every time
                    if await uow.schedule.finish(job.id, "skipped", now):
                        log.warning("job skipped kind=%s id=%d payload unreadable", job.kind, job.id)
                    return 0
                if not await uow.schedule.finish(job.id, "done", now):
                    return 0  # another instance ran it
                out = await _call(route, self._jobs, uow, due, now) if route and due else []
                await uow.outbox.add(out, now)
                log.info("job ran kind=%s id=%d out=%d", job.kind, job.id, len(out))
                return 1
        except Exception as exc:  # left pending: the next tick tries again within the grace window
            frames = "".join(traceback.format_tb(exc.__traceback__))  # frames only: the message may hold text
            log.error("job failed kind=%s id=%d error=%s\n%s", job.kind, job.id, type(exc).__name__, frames)
            return None

    async def _plan_after(self, uow: UnitOfWork, job: ScheduledJob, now: datetime) -> None:
        group = await uow.groups.get(job.group_id) if job.group_id and self._jobs.group_planners else None
        if group is not None:
            await self._jobs.plan_group(uow, group, now)

    async def next_due(self, after: datetime | None = None) -> datetime | None:
        async with self._uow() as uow:
            return await uow.schedule.next_due_at(after)

    async def run_until(self, clock: ManualClock, target: datetime, settle: Settle) -> None:
        """Move a manual clock to `target` as if the bot had been running all along (the console, story tests).

        The clock stops at each due time on the way, in order, and `settle` (tick, then deliver) runs there, so
        every job runs at its own moment and sees the messages sent before it. Jumping straight to `target`
        would find jobs past their grace windows and skip them, which is right only after real downtime.
        """
        await settle()  # planners add what falls due from here
        while (due := await self.next_due(after=clock.now())) is not None and due <= target:
            clock.set(due)
            await settle()
        if clock.now() < target:
            clock.set(target)
            await settle()

    # ---- production wake-ups

    def start(self) -> None:
        # misfire_grace_time=None: APScheduler must never drop a wake-up; our own grace windows decide.
        self._aps = AsyncIOScheduler(timezone=UTC, job_defaults={"misfire_grace_time": None, "coalesce": True})
        self._aps.add_job(self._wake, IntervalTrigger(minutes=1), id="safety-net")
        self._aps.add_job(self._wake, DateTrigger(datetime.now(UTC)), id="next")
        self._aps.start()

    async def _wake(self) -> None:
        self._waking = asyncio.current_task()
        await self.tick()
        when = await self.next_due()
        if self._aps is not None and when is not None:
            at = wake_at(when, self._clock.now(), datetime.now(UTC))
            self._aps.add_job(self._wake, DateTrigger(at), id="next", replace_existing=True)

    def shutdown(self) -> None:
        if self._aps is not None:
            self._aps.shutdown(wait=False)

    async def stop(self, limit_s: float = 10.0) -> None:
        """Stop the wake-ups, letting a tick under way finish first: APScheduler's shutdown cancels a running job
        (logged as an error, and the tick's current job is rolled back, to run at the next start)."""
        if self._aps is not None:
            self._aps.pause()
        if self._waking is not None and not self._waking.done():
            await asyncio.wait({self._waking}, timeout=limit_s)
        self.shutdown()


def wake_at(due: datetime, clock_now: datetime, machine_now: datetime) -> datetime:
    """When, by the machine's time (APScheduler's), to wake for a row due at `due` by the bot's clock: as long
    from now as the bot's clock says, never in the past. The same instant unless the clock is shifted."""
    return machine_now + max(timedelta(0), due - clock_now)
