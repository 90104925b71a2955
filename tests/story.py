"""Run console stories in tests: feed lines, read the transcript."""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator
from pathlib import Path

from magbot.app import App
from magbot.config import Settings
from magbot.core.clock import ManualClock
from magbot.platforms.console import ConsolePlatform


class Story:
    def __init__(self, app: App, console: ConsolePlatform, out: io.StringIO) -> None:
        self.app, self.console, self._out = app, console, out
        self._read = 0

    async def say(self, *lines: str) -> list[str]:
        """Feed lines; return the transcript lines they produced."""
        await self.console.play(lines)
        text = self._out.getvalue()
        new, self._read = text[self._read :], len(text)
        return [line for line in new.splitlines() if line]

    @property
    def transcript(self) -> str:
        return self._out.getvalue()


@contextlib.asynccontextmanager
async def console_app(settings: Settings, clock: ManualClock) -> AsyncIterator[App]:
    app = App(settings, clock=clock)
    await app.prepare()
    out = io.StringIO()
    console = ConsolePlatform(app, out, clock, Path(settings.data_dir) / "files")
    app.add_platform(console)
    app.story = Story(app, console, out)  # type: ignore[attr-defined]
    try:
        yield app
    finally:
        await app.close()


def story(app: App) -> Story:
    return app.story  # type: ignore[attr-defined,no-any-return]
