"""Member stories piped through the console: the transcript is the product, and it must be the same on
SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.story import STORIES, play_story


@pytest.mark.parametrize("name", ["membership", "meetings"])
async def test_story_matches_its_transcript(name: str, database_url: str, tmp_path: Path) -> None:
    transcript = await play_story(name, database_url, tmp_path)
    assert transcript == (STORIES / f"{name}.expected").read_text()
