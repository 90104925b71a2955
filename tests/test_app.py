"""The app's serve loop: a receive loop that dies stops the whole bot (to be restarted), and says so."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from magbot.app import App
from magbot.core.delivery import RatePolicy
from tests.conftest import settings_for, sqlite_url
from tests.fakes.sender import ScriptedSender


class BrokenPlatform:
    name = "broken"

    def __init__(self) -> None:
        self.sender = ScriptedSender(platform="broken", rate=RatePolicy())

    async def run(self, dispatch, stop):  # type: ignore[no-untyped-def]
        raise ConnectionError("the homeserver is gone")

    async def check(self) -> str:
        return "broken"

    async def close(self) -> None:
        return None


async def test_a_dead_receive_loop_stops_the_bot_and_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = App(settings_for(sqlite_url(tmp_path), tmp_path))
    await app.prepare()
    app.add_platform(BrokenPlatform())  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="magbot"):
        await asyncio.wait_for(app.serve(asyncio.Event()), timeout=20)
    assert "broken stopped error=ConnectionError" in caplog.text
    await app.close()
