"""Failover on PostgreSQL: three `magbot run` instances, the leader SIGKILLed mid-stream; nothing lost or doubled.

    python bench/failover.py --runs 5          # needs MAGBOT_TEST_PG_URL; one fresh database per run

Each run: three instances start on one fresh database with a health server each; one becomes the leader (it
polls the fake Bot API and sends) and the groups are set up (the fault suite's world: bench/faults_world.py).
Members act in a steady stream; in the middle of it the leader is SIGKILLed, and the stream goes on.
Takeover is the time from the kill to the first getUpdates of the new leader (polling), or to its first send
(webhook mode: `--mode webhook`, a balancer in front sends each update to a random live instance, so the
followers go on receiving while nobody leads). At the end the survivors drain
and are stopped with SIGTERM, and the fault suite's checks run (lost, doubled, resent, order, limits, leaks,
crashes). It prints `runs N, lost L, doubled D, resent K, crashes C` and the takeover seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench`, `magbot` and `tests` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from bench.faults_bot import BotProcess, free_port
from bench.faults_fake import OUTBOX_METHODS
from bench.faults_session import Options, Report, Session, until

INSTANCES = 3
LEADS = "leader: this instance leads"
START_LIMIT_S = 60.0
TAKEOVER_LIMIT_S = 30.0  # what the issue promises
# A new leader's platform starts after it takes over: /healthz says "starting" (503) until it serves. Each
# survivor is asked again until it answers 200 with its role, for at most this long.
READY_LIMIT_S = 30.0


@dataclass
class FailoverReport:
    report: Report = field(default_factory=Report)
    takeovers: list[float] = field(default_factory=list)
    health: list[str] = field(default_factory=list)  # problems seen on /healthz or /metrics
    stopped_codes: list[int | None] = field(default_factory=list)


class Balancer:
    """The proxy in front of the instances in webhook mode: each POST goes to a random live instance; one that
    refuses (killed) is answered 502, so Telegram's side delivers the update again, as a real proxy would."""

    def __init__(self, rng: random.Random) -> None:
        self.port, self.rng = free_port(), rng
        self.targets: list[int] = []
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> Balancer:
        app = web.Application()
        app.router.add_post("/telegram", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        port = self.rng.choice(self.targets)
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-telegram")}
        url, body = f"http://127.0.0.1:{port}/telegram", await request.read()
        try:
            async with ClientSession(timeout=ClientTimeout(total=30)) as http, http.post(
                url, data=body, headers=headers
            ) as answer:
                return web.Response(status=answer.status)
        except (ClientError, OSError, TimeoutError):
            return web.Response(status=502)


class FailoverSession(Session):
    def __init__(self, options: Options, seed: int, workdir: Path, url: str, actions: int = 16) -> None:
        super().__init__(options, seed, 1, workdir, url)
        self.actions = actions
        self.health_ports: dict[int, int] = {}
        self.result = FailoverReport()
        self.balancer = Balancer(random.Random(seed))

    async def spawn_instance(self) -> BotProcess:
        number = len(self.processes)
        port = free_port()
        extra = {"MAGBOT_HEALTH_LISTEN": f"127.0.0.1:{port}"}
        if self.options.mode == "webhook":  # each listens on its own port, behind the one public address
            listen = free_port()
            self.balancer.targets.append(listen)
            extra.update(MAGBOT_TELEGRAM_LISTEN=f"127.0.0.1:{listen}",
                         MAGBOT_TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{self.balancer.port}/telegram")
        config = replace(self.config, extra=extra)
        process = BotProcess(config, self.fake, number)
        self.processes.append(process)
        self.health_ports[number] = port
        await process.start()
        return process

    @contextlib.asynccontextmanager
    async def _services(self) -> AsyncIterator[object]:
        """The fake Bot API and the balancer in front of the instances' webhooks."""
        async with self.fake, self.balancer:
            yield self

    async def _scenario(self) -> None:
        """Three instances; the leader killed halfway through the stream; the survivors drain."""
        instances = [await self.spawn_instance() for _ in range(INSTANCES)]
        leader = await self._leader(instances, START_LIMIT_S)
        await self._set_up_world()  # the fault suite's groups and members, by the three of them
        await self._stream(self.actions // 2)
        await self._fail_over(leader, instances)
        await self._stream(self.actions - self.actions // 2)
        survivors = [p for p in instances if p is not leader]
        await self._check_health(survivors)
        await self._drain_all(survivors)

    async def run(self) -> Report:
        report = await super().run()
        self.result.report = report
        return report

    async def _leader(self, instances: list[BotProcess], limit_s: float) -> BotProcess:
        found: list[BotProcess] = []

        def leads() -> bool:
            found[:] = [p for p in instances if p.running and LEADS in p.log_text()]
            return bool(found)

        if not await until(leads, limit_s):
            raise RuntimeError("no instance became the leader")
        return found[0]

    async def _stream(self, count: int) -> None:
        for _ in range(count):
            self.world.act()
            await asyncio.sleep(self.rng.uniform(0.05, 0.25))  # members write now and then, not all at once

    async def _fail_over(self, leader: BotProcess, instances: list[BotProcess]) -> None:
        calls_before = len(self.fake.calls)
        killed_at = time.monotonic()
        await leader.kill()
        self.world._dm()  # a member writes while nobody leads: his reply is the new leader's first send
        # Polling: the new leader's first getUpdates. Webhook: followers go on receiving, so its first send.
        methods = {"getupdates"} if self.options.mode == "polling" else OUTBOX_METHODS
        polled = await until(
            lambda: any(c.method.lower() in methods for c in self.fake.calls[calls_before:]), TAKEOVER_LIMIT_S, 0.01
        )
        if not polled:
            raise RuntimeError(f"no instance took over within {TAKEOVER_LIMIT_S:.0f}s")
        self.result.takeovers.append(time.monotonic() - killed_at)
        await self._leader([p for p in instances if p is not leader], TAKEOVER_LIMIT_S)

    async def _check_health(self, survivors: list[BotProcess]) -> None:
        from tests.ops.processes import get

        roles = []
        for process in survivors:
            port = self.health_ports[process.number]
            answer = await self._ready(process, port)
            if answer is None:
                continue
            status, body = answer
            leads = LEADS in process.log_text()
            roles.append("role: leader" in body)
            if status != 200 or ("role: leader" in body) != leads:
                self.result.health.append(f"process {process.number}: /healthz {status} {body!r}")
            _, metrics = await get(port, "/metrics")
            if f"magbot_leader {1.0 if leads else 0.0}" not in metrics:
                self.result.health.append(f"process {process.number}: /metrics has no right magbot_leader")
        if sum(roles) != 1:
            self.result.health.append(f"{sum(roles)} instances say they lead")

    async def _ready(self, process: BotProcess, port: int) -> tuple[int, str] | None:
        """Its /healthz once it answers 200 and says the role its log shows (or its last answer after
        READY_LIMIT_S); None, with the problem noted, when it does not answer at all."""
        from tests.ops.processes import get

        deadline = time.monotonic() + READY_LIMIT_S
        while True:
            try:
                status, body = await get(port, "/healthz")
            except OSError as exc:
                tail = process.log_text().splitlines()[-3:]
                self.result.health.append(f"process {process.number} (running {process.running}): {exc!r} {tail}")
                return None
            settled = status == 200 and ("role: leader" in body) == (LEADS in process.log_text())
            if settled or time.monotonic() > deadline:
                return status, body
            await asyncio.sleep(0.2)

    async def _drain_all(self, survivors: list[BotProcess]) -> None:
        from magbot.storage.db import make_engine

        engine = make_engine(self.config.database_url)
        try:
            deadline = time.monotonic() + self.options.drain_limit
            while time.monotonic() < deadline and all(p.running for p in survivors):
                if self._all_arrived() and await self._outbox_rows(engine) == 0:
                    break
                await asyncio.sleep(0.2)
            count = len(self.fake.answered)
            await asyncio.sleep(1.0)  # bounded: a double sent late would arrive now
            await until(lambda: len(self.fake.answered) == count, 10.0, 0.1)
        finally:
            await engine.dispose()
        # Followers first: a leader stopped first would hand over to one of them, which would start sending.
        ordered = sorted(survivors, key=lambda p: LEADS in p.log_text())
        self.result.stopped_codes = [await p.stop() for p in ordered]


async def run_failover(options: Options, runs: int, workroot: Path | None = None) -> FailoverReport:
    from bench.faults import database

    total = FailoverReport()
    for index in range(runs):
        with tempfile.TemporaryDirectory(dir=workroot) as tmp:
            async with database("postgres", Path(tmp)) as url:
                session = FailoverSession(options, options.seed * 1000 + index, Path(tmp), url)
                await session.run()
        total.report.add(session.result.report)
        total.takeovers += session.result.takeovers
        total.health += session.result.health
        total.stopped_codes += session.result.stopped_codes
    return total


def summary(result: FailoverReport) -> str:
    report, v = result.report, result.report.verdict
    takeover = f"takeover max {max(result.takeovers):.1f}s" if result.takeovers else "no takeover"
    return (f"runs {report.runs}, lost {v.lost}, doubled {v.doubled}, resent {v.resent}, crashes {report.crashes}, "
            f"{takeover}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--mode", choices=("polling", "webhook"), default="polling")
    args = parser.parse_args(argv)
    if not os.environ.get("MAGBOT_TEST_PG_URL"):
        raise SystemExit("needs MAGBOT_TEST_PG_URL")
    options = Options(seed=args.seed, db="postgres", mode=args.mode, fault_rate=args.fault_rate, drain_limit=120)
    result = asyncio.run(run_failover(options, args.runs))
    print(summary(result))
    print("takeover seconds: " + ", ".join(f"{t:.2f}" for t in result.takeovers))
    for note in [*result.report.verdict.notes[:20], *result.health]:
        print(f"  {note}")
    v = result.report.verdict
    bad = v.lost or v.doubled or result.report.crashes or v.order or v.limits or v.leaks or result.health
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
