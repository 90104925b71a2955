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
async def console_app(settings: Settings, clock: ManualClock, *, every_dm_open: bool = True) -> AsyncIterator[App]:
    """A console app. Handler tests start as if every member had opened his private chat with the bot; stories
    (`play_story`) start as the console does, where each must write privately or press the button first."""
    app = App(settings, clock=clock)
    await app.prepare()
    out = io.StringIO()
    console = ConsolePlatform(app, out, clock, Path(settings.data_dir) / "files", every_dm_open=every_dm_open)
    app.add_platform(console)
    app.story = Story(app, console, out)  # type: ignore[attr-defined]
    try:
        yield app
    finally:
        await app.close()


def story(app: App) -> Story:
    return app.story  # type: ignore[attr-defined,no-any-return]


STORIES = Path(__file__).parent / "e2e" / "stories"
# Meetings on Mondays keep the meeting reminders out of the support stories' days (Wednesday's round, etc.).
SUPPORT_DEFAULTS = {"meeting_day": "Monday"}


def defaults_for(name: str) -> dict[str, str] | None:
    """The group settings a story is played with, on every platform."""
    return SUPPORT_DEFAULTS if name.startswith("support_") else None


RESTART = "# -- restart --"


async def play_story(name: str, url: str, tmp_path: Path, defaults: dict[str, str] | None = None) -> str:
    """Play `stories/<name>.txt` from 23 November 2026 10:00 UTC and return its transcript.

    At a line `# -- restart --` the app is closed and a new one opens on the same database, as after a crash
    or a deploy; the transcript goes on.
    """
    from tests.conftest import START, settings_for

    settings = settings_for(url, tmp_path, defaults=defaults or {})
    clock, transcript = ManualClock(START), ""
    for part in (STORIES / f"{name}.txt").read_text().split(RESTART):
        async with console_app(settings, clock, every_dm_open=False) as app:
            await story(app).say(*part.splitlines())
            transcript += story(app).transcript
    return transcript
