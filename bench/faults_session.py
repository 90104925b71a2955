"""One fault session: a fresh database and fake, the groups set up, then `kills` SIGKILL-and-restart runs, and a
last process that drains everything before it is stopped with SIGTERM. The verdicts are in faults_check.py.

A run: start `python -m magbot run`; usually wait until it receives (sometimes not: the kill then lands in its
start-up); inject a random batch of members' actions; SIGKILL it after a random moment in `kill_window`. The
outbox may still hold messages from earlier runs (Telegram's rate limits make it queue), so kills land in
receiving, handling, sending and between "Telegram accepted" and "row deleted".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.faults_bot import WEBHOOK_SECRET, BotConfig, BotProcess, free_port, push_webhooks, session_clock_shift
from bench.faults_check import (
    Verdict,
    check_limits,
    check_logs,
    check_presses,
    check_refusals,
    check_replies,
    crashes_in,
)
from bench.faults_effects import check_database
from bench.faults_fake import FaultyTelegram
from bench.faults_world import World
from magbot.storage.db import make_engine

SETUP_LIMIT_S = 60.0
QUIET_S = 1.0  # after everything arrived, how long nothing more may arrive (a late double would show)


@dataclass(frozen=True)
class Options:
    runs: int = 200
    seed: int = 1
    platform: str = "telegram"  # telegram | matrix
    db: str = "sqlite"  # sqlite | postgres
    mode: str = "polling"  # polling | webhook
    per_session: int = 25
    batch: int = 5  # at most this many actions per run
    kill_window: float = 1.2  # seconds after the batch within which the kill lands
    early_kill: float = 0.15  # share of runs killed before the bot is receiving
    fault_rate: float = 0.05  # share of send calls that fail (429, 500, 502, dropped)
    drain_limit: float = 300.0


@dataclass
class Report:
    runs: int = 0
    crashes: int = 0
    verdict: Verdict = field(default_factory=Verdict)
    actions: dict[str, int] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=dict)
    processes: int = 0
    popups_missing: int = 0
    seconds: float = 0.0

    def add(self, other: Report) -> None:
        self.runs += other.runs
        self.crashes += other.crashes
        self.verdict.add(other.verdict)
        for mine, theirs in ((self.actions, other.actions), (self.faults, other.faults)):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value
        self.processes += other.processes
        self.popups_missing += other.popups_missing
        self.seconds += other.seconds


async def until(condition: Callable[[], object], limit_s: float, step: float = 0.02) -> bool:
    """Poll `condition` (bounded): True once it holds, False when time is up."""
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step)
    return True


class Session:
    def __init__(self, options: Options, seed: int, kills: int, workdir: Path, database_url: str) -> None:
        self.options, self.seed, self.kills = options, seed, kills
        self.rng = random.Random(seed)
        self.fake = FaultyTelegram(clock=time.time, fault_rate=options.fault_rate, seed=seed)
        self.config = BotConfig(
            workdir, database_url, options.mode, free_port(), clock_shift_s=session_clock_shift()
        )
        self.world = World(self.fake, self.rng)
        self.processes: list[BotProcess] = []
        self.outbox_left = -1

    async def spawn(self) -> BotProcess:
        self.fake.epoch = len(self.processes)  # only for a call outside the process's path (bench/faults_fake.py)
        process = BotProcess(self.config, self.fake, len(self.processes))
        self.processes.append(process)
        await process.start()
        return process

    def _services(self) -> contextlib.AbstractAsyncContextManager[object]:
        """What runs beside the bots for the whole session: the fake Bot API."""
        return self.fake

    async def _scenario(self) -> None:
        """The crash runs: set up, then `kills` runs each ending in a SIGKILL, then a drain."""
        await self._set_up()
        for _ in range(self.kills):
            await self._crash_run()
        await self._drain()

    async def run(self) -> Report:
        began = time.monotonic()
        logging.getLogger("aiohttp").setLevel(logging.CRITICAL)  # the fake's dropped connections are on purpose
        async with self._services():
            stop = asyncio.Event()
            pusher = asyncio.create_task(push_webhooks(self.fake, stop)) if self.options.mode == "webhook" else None
            try:
                await self._scenario()
            finally:
                stop.set()
                if pusher is not None:
                    await pusher
                for process in self.processes:
                    if process.running:
                        await process.kill()
        report = await self._report()
        report.seconds = time.monotonic() - began
        return report

    async def _set_up(self) -> None:
        bot = await self.spawn()
        if not await bot.wait_ready():
            raise RuntimeError(f"the bot did not start; see {bot.log_path}")
        await self._set_up_world()
        await bot.kill()  # the first kill is not counted: it only ends the set-up

    async def _set_up_world(self) -> None:
        """The groups set up, their members in, one of them gone again, by a bot that is running."""
        self.world.set_up_groups()
        if not await until(self.world.press_setup_buttons, SETUP_LIMIT_S):
            raise RuntimeError("the setup posts did not arrive")
        await until(lambda: not self._unanswered(self.world.expected.setup_presses), SETUP_LIMIT_S)
        if not await until(self.world.confirm_leaving, SETUP_LIMIT_S):
            raise RuntimeError("the /leave question did not arrive")
        await until(lambda: not self._unanswered(self.world.expected.setup_presses), SETUP_LIMIT_S)

    async def _crash_run(self) -> None:
        bot = await self.spawn()
        if self.rng.random() >= self.options.early_kill:
            await bot.wait_ready()
        for _ in range(self.rng.randint(1, self.options.batch)):
            self.world.act()
        await asyncio.sleep(self.rng.uniform(0, self.options.kill_window))  # the kill's random moment
        await bot.kill()

    async def _drain(self) -> None:
        bot = await self.spawn()
        await bot.wait_ready()
        engine = make_engine(self.config.database_url)
        try:
            deadline = time.monotonic() + self.options.drain_limit
            while time.monotonic() < deadline and bot.running:
                if self._all_arrived() and await self._outbox_rows(engine) == 0:
                    break
                await asyncio.sleep(0.2)
            count = len(self.fake.answered)
            await asyncio.sleep(QUIET_S)  # bounded: a double sent late would arrive now
            await until(lambda: len(self.fake.answered) == count, 10.0, 0.1)
        finally:
            await engine.dispose()
        await bot.stop()

    def _all_arrived(self) -> bool:
        expected, fake = self.world.expected, self.fake
        texts = [
            str(a.call.params.get("text", a.call.params.get("question", "")))
            for a, _ in fake.stamped()
            if a.error is None
        ]
        joined = "\n".join(texts)
        replies = all(token in joined for token in expected.replies)
        presses = not self._unanswered({*expected.presses, *expected.forbidden, *expected.setup_presses})
        return replies and presses and not fake.queue.deliverable(1)

    def _unanswered(self, queries: set[str]) -> set[str]:
        answered = {
            str(a.call.params.get("callback_query_id"))
            for a, _ in self.fake.stamped()
            if a.call.method == "answerCallbackQuery" and a.error is None
        }
        return queries - answered

    async def _outbox_rows(self, engine: AsyncEngine) -> int:
        async with engine.connect() as db:
            return int((await db.execute(text("SELECT count(*) FROM outbox"))).scalar_one())

    async def _report(self) -> Report:
        report = Report(runs=self.kills, processes=len(self.processes))
        verdict = report.verdict
        for check in (check_replies(self.fake, self.world.expected), check_presses(self.fake, self.world.expected)):
            verdict.add(check)
        verdict.add(check_limits(self.fake))
        verdict.add(check_refusals(self.fake, self.world.expected))
        verdict.add(await check_database(self.config.database_url, self.world.expected))
        logs = [process.log_text() for process in self.processes]
        verdict.add(check_logs(logs, [self.fake.token, self.fake.token.split(":", 1)[1], WEBHOOK_SECRET]))
        for process, log in zip(self.processes, logs, strict=True):
            errors = crashes_in(log)
            report.crashes += len(errors) + int(process.exited_by_itself)
            verdict.notes += [f"crash: process {process.number}: {line[:160]}" for line in errors]
            if process.exited_by_itself:
                verdict.notes.append(f"crash: process {process.number} exited by itself")
        report.actions = dict(self.world.actions)
        report.faults = dict(self.fake.faults)
        report.popups_missing = self._popups_missing()
        return report

    def _popups_missing(self) -> int:
        """Presses answered without their pop-up: handled, then killed before the answer; the redelivered press
        is a duplicate, answered so the spinner stops, but the pop-up's words were not kept."""
        with_text = {
            str(a.call.params.get("callback_query_id"))
            for a, _ in self.fake.stamped()
            if a.call.method == "answerCallbackQuery" and a.error is None and a.call.params.get("text")
        }
        return len({*self.world.expected.presses, *self.world.expected.forbidden} - with_text)
