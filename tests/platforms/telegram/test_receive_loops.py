"""The receive loops as `magbot run` drives them: long polling until stop, backoff, and webhook mode."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest

from magbot.app import App, make_platforms
from magbot.config import ConfigError
from magbot.core.clock import ManualClock
from magbot.core.dispatch import DispatchResult
from magbot.core.events import Incoming
from magbot.platforms.telegram import TelegramPlatform
from magbot.platforms.telegram import platform as platform_module
from tests.fakes.telegram_api import FakeTelegramServer
from tests.platforms.telegram.conftest import DAVE, GROUP, World, make_settings

SECRET = "s3cret-Token_for-tests"


async def until(condition: Callable[[], bool], tries: int = 20_000) -> None:
    """Let the loop run (no sleeping) until `condition` holds."""
    for _ in range(tries):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition not reached")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_run_polls_until_stopped_and_the_outbox_delivers(world: World) -> None:
    stop = asyncio.Event()
    dispatched = asyncio.Event()

    async def dispatch(incoming: Incoming) -> DispatchResult:
        result = await world.dispatch(incoming)
        dispatched.set()
        return result

    platform = TelegramPlatform(
        world.settings.telegram, world.app.uow, world.app.router, clock=world.clock, poll_timeout=30
    )
    world.app.platforms.clear()
    world.app.add_platform(platform)
    tasks = [asyncio.create_task(platform.run(dispatch, stop)), asyncio.create_task(world.app.outbox.run(stop))]
    await asyncio.wait_for(platform.ready.wait(), 5)
    world.say(DAVE, "/members")
    await asyncio.wait_for(dispatched.wait(), 5)
    await until(lambda: bool(world.texts(GROUP)))
    assert world.texts(GROUP)[0].endswith("\n- Dave")
    stop.set()
    world.app.outbox.wake()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)  # the 30 s long poll is cancelled at once
    assert world.fake.calls_to("getUpdates")[-1]["timeout"] == 30
    async with world.app.uow() as u:
        assert await u.state.get("tg:offset") == "100000002"  # the first update id is 100000001
    await platform.close()


async def test_network_errors_back_off_instead_of_spinning(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    stop = asyncio.Event()
    delays: list[float] = []

    async def fake_pause(seconds: float, stop_event: asyncio.Event) -> None:
        delays.append(seconds)
        if len(delays) == 3:
            stop_event.set()

    monkeypatch.setattr(platform_module, "pause", fake_pause)
    world.fake.fail_next("getUpdates", 502, times=10)
    await asyncio.wait_for(world.platform.run(world.dispatch, stop), 5)
    assert delays == [1.0, 2.0, 4.0]
    assert len(world.fake.calls_to("getUpdates")) == 3


@pytest.fixture
async def webhook_app(tmp_path: Path, fake: FakeTelegramServer, clock: ManualClock) -> AsyncIterator[App]:
    port = free_port()
    settings = make_settings(
        tmp_path,
        fake,
        mode="webhook",
        listen=f"127.0.0.1:{port}",
        webhook_url=f"http://127.0.0.1:{port}/tg/hook",
        webhook_secret=SECRET,
    )
    app = App(settings, clock=clock)
    await app.prepare()
    for made in make_platforms(app):
        app.add_platform(made)
    try:
        yield app
    finally:
        await app.close()


async def test_webhook_checks_the_secret_and_answers_after_the_commit(
    webhook_app: App, fake: FakeTelegramServer
) -> None:
    app, stop = webhook_app, asyncio.Event()
    platform = app.platforms[0]
    assert isinstance(platform, TelegramPlatform)
    fail = {"on": True}

    async def dispatch(incoming: Incoming) -> DispatchResult:
        if fail["on"]:
            raise RuntimeError("database is locked")
        return await app.dispatcher.dispatch(incoming)

    task = asyncio.create_task(platform.run(dispatch, stop))
    await asyncio.wait_for(platform.ready.wait(), 5)
    assert fake.webhook["secret_token"] == SECRET and fake.webhook["url"].endswith("/tg/hook")
    update = fake.inject_message(GROUP, DAVE, "/members", first_name="Dave")

    async with aiohttp.ClientSession() as session:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with session.post(fake.webhook["url"], json=update, headers=headers) as response:
                assert response.status == 403

    assert await fake.push_webhook() == 500  # not committed: Telegram will send it again
    async with app.uow() as u:
        assert await u.outbox.count() == 0
    fail["on"] = False
    assert await fake.push_webhook() == 200
    async with app.uow() as u:  # the reply was in the outbox before the 200
        assert await u.outbox.count() == 1
    assert not fake.pending_updates
    await app.outbox.flush()
    (reply,) = [c.params["text"] for c in fake.sent_messages(GROUP)]
    assert reply.endswith("\n- Dave")
    stop.set()
    await asyncio.wait_for(task, 5)


def test_webhook_mode_needs_a_secret(tmp_path: Path, fake: FakeTelegramServer, clock: ManualClock) -> None:
    settings = make_settings(tmp_path, fake, mode="webhook", webhook_url="https://bot.example.org/tg")
    app = App(settings, clock=clock)
    with pytest.raises(ConfigError, match="MAGBOT_TELEGRAM_WEBHOOK_SECRET"):
        make_platforms(app)


async def test_check_reports_without_sending(world: World) -> None:
    summary = await world.platform.check()
    assert summary.startswith("telegram: ok, bot @magbot_test_bot") and world.fake.token not in summary
    assert not world.fake.sent_messages()


async def test_a_refused_command_menu_does_not_stop_the_bot(world: World) -> None:
    world.fake.fail_next("setMyCommands", 400, times=3)
    world.say(DAVE, "/members")
    assert await world.step() == 1
    assert world.texts(GROUP)[0].endswith("\n- Dave")
