"""Member stories piped through the console: the transcript is the product, and it must be the same on
SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from magbot.core.clock import ManualClock
from tests.conftest import START, settings_for
from tests.story import console_app, story

STORIES = Path(__file__).parent / "stories"


async def play(name: str, url: str, tmp_path: Path) -> str:
    lines = (STORIES / f"{name}.txt").read_text().splitlines()
    async with console_app(settings_for(url, tmp_path), ManualClock(START)) as app:
        await story(app).say(*lines)
        return story(app).transcript


@pytest.mark.parametrize("name", ["membership", "meetings"])
async def test_story_matches_its_transcript(name: str, database_url: str, tmp_path: Path) -> None:
    transcript = await play(name, database_url, tmp_path)
    assert transcript == (STORIES / f"{name}.expected").read_text()
