"""The one place that wires things: settings, engine, unit of work, router, dispatcher, scheduler, outbox, platforms."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

from magbot.config import Settings
from magbot.core.clock import Clock, ShiftedClock, SystemClock
from magbot.core.context import BotPolicy
from magbot.core.dispatch import Dispatcher
from magbot.core.platform import Platform
from magbot.core.sender import OutboxSender
from magbot.domain.group_settings import default_settings
from magbot.handlers import build_features
from magbot.ops.health import HealthServer, Probes
from magbot.ops.leader import leadership_for
from magbot.ops.metrics import Metrics
from magbot.ops.runner import Loop, Runner
from magbot.scheduler import Scheduler
from magbot.storage.claims import ChatClaims, is_postgres
from magbot.storage.db import make_engine, session_factory
from magbot.storage.migrate import ensure_schema
from magbot.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)


def _machine_clock(settings: Settings) -> Clock:
    return ShiftedClock(timedelta(seconds=settings.clock_shift_s)) if settings.clock_shift_s else SystemClock()


class App:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or _machine_clock(settings)
        self.engine = make_engine(settings.database_url)
        self.uow = UnitOfWorkFactory(session_factory(self.engine))
        self.router, jobs = build_features()
        self.policy = BotPolicy(
            setup_allowed=frozenset(settings.setup_allowed),
            founding_members=frozenset(settings.founding_members),
            defaults=default_settings(settings.defaults),
        )
        self.platforms: list[Platform] = []
        self.metrics = Metrics()
        self.claims = ChatClaims(settings.database_url) if is_postgres(settings.database_url) else None
        self.outbox = OutboxSender(self.uow, self.clock, [], self.claims)
        self.wake_hooks: list[Callable[[], None]] = []  # e.g. telling the leader, when another instance leads
        self.health: HealthServer | None = None
        self.dispatcher = Dispatcher(
            self.uow, self.router, self.clock, self.policy, on_outbox=self.wake_outbox
        )
        self.scheduler = Scheduler(self.uow, self.clock, jobs, on_outbox=self.wake_outbox)

    def add_platform(self, platform: Platform) -> None:
        self.platforms.append(platform)
        senders = [self.metrics.counted(p.sender) for p in self.platforms]
        self.outbox = OutboxSender(self.uow, self.clock, senders, self.claims)

    def wake_outbox(self) -> None:
        self.outbox.wake()
        for hook in self.wake_hooks:
            hook()

    async def prepare(self, *, create_if_empty: bool = True) -> None:
        await ensure_schema(self.engine, create_if_empty=create_if_empty)

    async def close(self) -> None:
        for platform in self.platforms:
            await platform.close()
        if self.claims is not None:
            await self.claims.close()
        await self.uow.close()
        await self.engine.dispose()

    async def serve(self, stop: asyncio.Event | None = None) -> bool:
        """Run until SIGINT/SIGTERM (or `stop`); False when a loop died meanwhile (magbot/ops/runner.py).

        If a receive loop or the sender dies, everything stops and the error is logged: a bot that looks alive but
        no longer reads its chat would be worse than one that exits and is restarted by its supervisor.
        """
        leadership = leadership_for(self.settings.database_url)
        leadership.on_nudge(self.outbox.wake)
        self.wake_hooks.append(leadership.nudge)
        runner = Runner(self.platforms, self.metrics.timed(self.dispatcher.dispatch), self.outbox, self.scheduler,
                        leadership)
        extra: dict[str, Loop] = {}
        if self.settings.health_listen:
            self.health = HealthServer(
                self.settings.health_listen,
                Probes(self.uow, self.clock, self.metrics, runner.receiving, lambda: leadership.leading),
            )
            extra["health"] = self.health.run
        try:
            return await runner.serve(stop or asyncio.Event(), extra)
        finally:
            self.wake_hooks.remove(leadership.nudge)
            await leadership.close()


def make_platforms(app: App) -> list[Platform]:
    """The configured chat platforms; each library is imported only when its platform is used."""
    made: list[Platform] = []
    for name in app.settings.platforms:
        if name == "telegram":
            from magbot.platforms.telegram import TelegramPlatform

            made.append(TelegramPlatform(app.settings.telegram, app.uow, app.router, clock=app.clock))
        elif name == "matrix":
            from magbot.platforms.matrix import MatrixPlatform

            made.append(MatrixPlatform(app.settings.matrix, app.uow, app.settings.data_dir, clock=app.clock))
    return made
