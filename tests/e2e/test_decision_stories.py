"""Poll and group-decision stories piped through the console, on SQLite and PostgreSQL (with restarts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.story import STORIES, play_story


@pytest.mark.parametrize("name", ["polls", "decisions", "mutes"])
async def test_decision_story_matches_its_transcript(name: str, database_url: str, tmp_path: Path) -> None:
    transcript = await play_story(name, database_url, tmp_path)
    assert transcript == (STORIES / f"{name}.expected").read_text()
