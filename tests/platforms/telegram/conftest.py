"""A real App with the Telegram platform, talking to the local fake Bot API server (loopback only).

`world.step()` is one getUpdates batch (dispatched and confirmed) followed by one outbox flush: the whole
path a member's message takes, deterministic and without sleeping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from magbot.app import App
from magbot.config import Settings, TelegramSettings
from magbot.core.clock import ManualClock
from magbot.core.delivery import RatePolicy
from magbot.core.dispatch import DispatchResult
from magbot.core.events import Incoming
from magbot.platforms.telegram import TelegramPlatform
from tests.conftest import sqlite_url
from tests.fakes.telegram_api import FakeTelegramServer

GROUP = -1001234567890
DAVE, SAM, TOM, STRANGER = 5001, 5002, 5003, 6666
BOT_USERNAME = "magbot_test_bot"


@dataclass
class World:
    app: App
    fake: FakeTelegramServer
    clock: ManualClock
    platform: TelegramPlatform
    settings: Settings
    seen: list[Incoming] = field(default_factory=list)
    results: list[DispatchResult] = field(default_factory=list)

    async def dispatch(self, incoming: Incoming) -> DispatchResult:
        """The app's dispatcher, recording what the platform handed it."""
        self.seen.append(incoming)
        result = await self.app.dispatcher.dispatch(incoming)
        self.results.append(result)
        return result

    async def step(self) -> int:
        """Receive what is waiting (one batch), then send what may go now."""
        count = await self.platform.poll_once(self.dispatch)
        await self.app.outbox.flush()
        return count

    async def flush(self) -> float | None:
        return await self.app.outbox.flush()

    async def restart(self) -> TelegramPlatform:
        """A new platform on the same database, as after a crash and a restart of the process."""
        await self.platform.close()
        self.platform = make_platform(self.app, self.settings, self.clock)
        self.app.platforms.clear()
        self.app.add_platform(self.platform)
        return self.platform

    async def restart_app(self) -> TelegramPlatform:
        """A new process: a new App and platform on the same database (nothing kept in memory)."""
        await self.app.close()
        self.app = App(self.settings, clock=self.clock)
        await self.app.prepare()
        self.platform = make_platform(self.app, self.settings, self.clock)
        self.app.add_platform(self.platform)
        return self.platform

    async def at(self, when: datetime) -> None:
        """Move the clock as the console's `:at` does: each due job at its own moment, its messages sent there."""
        await self.app.scheduler.run_until(self.clock, when, self._settle)

    async def _settle(self) -> None:
        await self.app.scheduler.tick()
        await self.flush()

    def say(self, user: int, text: str, chat: int = GROUP, name: str | None = None, **extra: Any) -> dict[str, Any]:
        return self.fake.inject_message(chat, user, text, first_name=name or NAMES.get(user), **extra)

    def sent(self, chat: int | None = None, method: str | None = None) -> list[dict[str, Any]]:
        calls = self.fake.sent_messages(chat)
        return [c.params for c in calls if method is None or c.method == method]

    def texts(self, chat: int | None = None) -> list[str]:
        return [str(p.get("text", "")) for p in self.sent(chat, "sendMessage")]

    def last_message(self, chat: int) -> dict[str, Any]:
        return self.fake.messages(chat)[-1]

    async def member_ids(self) -> set[str]:
        async with self.app.uow() as u:
            group = await u.groups.by_chat("telegram", str(GROUP))
            if group is None:
                return set()
            return {m.user_id for m in await u.members.of_group(group.id) if m.active}

    async def setup_group(self) -> None:
        """Dave runs /setup; Sam presses "I'm a member"; both open their private chats with the bot."""
        self.say(DAVE, "/setup")
        await self.step()
        setup_post = self.last_message(GROUP)
        self.fake.inject_callback_query(SAM, "setup:join", GROUP, setup_post["message_id"], first_name="Sam")
        self.say(DAVE, "/start", chat=DAVE)
        self.say(SAM, "/start", chat=SAM)
        await self.step()

    async def setup_three(self) -> None:
        """`setup_group`, and Tom too presses "I'm a member" and opens his private chat."""
        await self.setup_group()
        setup_post = self.fake.messages(GROUP)[0]
        self.fake.inject_callback_query(TOM, "setup:join", GROUP, setup_post["message_id"], first_name="Tom")
        self.say(TOM, "/start", chat=TOM)
        await self.step()
        assert await self.member_ids() == {str(DAVE), str(SAM), str(TOM)}


NAMES = {DAVE: "Dave", SAM: "Sam", TOM: "Tom", STRANGER: "Stranger"}


def make_settings(tmp_path: Path, fake: FakeTelegramServer, **telegram: Any) -> Settings:
    return Settings(
        platforms=("telegram",),
        data_dir=str(tmp_path / "data"),
        database_url=sqlite_url(tmp_path),
        telegram=TelegramSettings(
            token=fake.token, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot", **telegram
        ),
    )


def make_platform(app: App, settings: Settings, clock: ManualClock) -> TelegramPlatform:
    return TelegramPlatform(settings.telegram, app.uow, app.router, clock=clock, rate=RatePolicy())


@pytest.fixture
async def fake(clock: ManualClock) -> AsyncIterator[FakeTelegramServer]:
    """The fake server, dating its messages by the test's clock."""
    async with FakeTelegramServer(bot_username=BOT_USERNAME, clock=lambda: clock.now().timestamp()) as server:
        yield server


@pytest.fixture
async def world(tmp_path: Path, fake: FakeTelegramServer, clock: ManualClock) -> AsyncIterator[World]:
    settings = make_settings(tmp_path, fake)
    app = App(settings, clock=clock)
    await app.prepare()
    platform = make_platform(app, settings, clock)
    app.add_platform(platform)
    world = World(app, fake, clock, platform, settings)
    try:
        yield world
    finally:
        await world.app.close()
