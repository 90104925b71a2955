"""The production entry: `App.serve()` with the configured platforms, as `magbot run` starts it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from magbot.app import App, make_platforms
from tests.fakes.telegram_api import FakeTelegramServer
from tests.platforms.telegram.conftest import DAVE, GROUP, make_settings


async def test_magbot_run_receives_answers_and_stops_cleanly(tmp_path: Path, fake: FakeTelegramServer) -> None:
    settings = make_settings(tmp_path, fake)
    app = App(settings)  # the system clock, as in production
    await app.prepare()
    [platform] = make_platforms(app)
    app.add_platform(platform)
    answered = asyncio.Event()
    send = platform.sender.send

    async def send_and_tell(*args):  # type: ignore[no-untyped-def]
        landed = await send(*args)
        answered.set()
        return landed

    platform.sender.send = send_and_tell  # type: ignore[method-assign]
    stop = asyncio.Event()
    serving = asyncio.create_task(app.serve(stop))
    fake.inject_message(GROUP, DAVE, "/setup", first_name="Dave")
    await asyncio.wait_for(answered.wait(), timeout=20)
    stop.set()
    await asyncio.wait_for(serving, timeout=20)
    assert any("Welcome to the group's space" in str(call.params.get("text")) for call in fake.sent_messages(GROUP))
    await app.close()
