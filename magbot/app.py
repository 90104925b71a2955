"""The one place that wires things: settings, engine, unit of work, router, dispatcher, scheduler, outbox, platforms."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable

from magbot.config import Settings
from magbot.core.clock import Clock, SystemClock
from magbot.core.context import BotPolicy
from magbot.core.dispatch import Dispatcher
from magbot.core.platform import Platform
from magbot.core.sender import OutboxSender
from magbot.domain.group_settings import default_settings
from magbot.handlers import build_features
from magbot.scheduler import Scheduler
from magbot.storage.db import make_engine, session_factory
from magbot.storage.migrate import ensure_schema
from magbot.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)


class App:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.engine = make_engine(settings.database_url)
        self.uow = UnitOfWorkFactory(session_factory(self.engine))
        self.router, jobs = build_features()
        self.policy = BotPolicy(
            setup_allowed=frozenset(settings.setup_allowed),
            founding_members=frozenset(settings.founding_members),
            defaults=default_settings(settings.defaults),
        )
        self.platforms: list[Platform] = []
        self.outbox = OutboxSender(self.uow, self.clock, [])
        self.dispatcher = Dispatcher(self.uow, self.router, self.clock, self.policy, on_outbox=self.wake_outbox)
        self.scheduler = Scheduler(self.uow, self.clock, jobs, on_outbox=self.wake_outbox)

    def add_platform(self, platform: Platform) -> None:
        self.platforms.append(platform)
        self.outbox = OutboxSender(self.uow, self.clock, [p.sender for p in self.platforms])

    def wake_outbox(self) -> None:
        self.outbox.wake()

    async def prepare(self, *, create_if_empty: bool = True) -> None:
        await ensure_schema(self.engine, create_if_empty=create_if_empty)

    async def close(self) -> None:
        for platform in self.platforms:
            await platform.close()
        await self.engine.dispose()

    async def serve(self, stop: asyncio.Event | None = None) -> None:
        """Run every platform's receive loop, the outbox sender and the scheduler until SIGINT/SIGTERM (or `stop`).

        If a receive loop or the sender dies, everything stops and the error is logged: a bot that looks alive but
        no longer reads its chat would be worse than one that exits and is restarted by its supervisor.
        """
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        signals = [sig for sig in (signal.SIGINT, signal.SIGTERM) if _on_signal(loop, sig, stop.set)]
        self.scheduler.start()
        tasks = [asyncio.create_task(p.run(self.dispatcher.dispatch, stop), name=p.name) for p in self.platforms]
        tasks.append(asyncio.create_task(self.outbox.run(stop), name="outbox"))
        stopped = asyncio.create_task(stop.wait(), name="stop")
        log.info("magbot running platforms=%s", ",".join(p.name for p in self.platforms))
        try:
            done, _ = await asyncio.wait([stopped, *tasks], return_when=asyncio.FIRST_COMPLETED)
            for task in done - {stopped}:
                error = task.exception() if not task.cancelled() else None
                log.error("%s stopped error=%s", task.get_name(), type(error).__name__ if error else "none")
        finally:
            self.scheduler.shutdown()
            stop.set()
            self.outbox.wake()
            await asyncio.gather(*tasks, stopped, return_exceptions=True)
            for sig in signals:
                loop.remove_signal_handler(sig)


def _on_signal(loop: asyncio.AbstractEventLoop, sig: signal.Signals, callback: Callable[[], None]) -> bool:
    try:
        loop.add_signal_handler(sig, callback)
    except (NotImplementedError, RuntimeError):  # not the main thread, or a platform without signals
        return False
    return True


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
