"""Member stories piped through the console: the transcript is the product, and it must be the same on
SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import sqlite_url
from tests.story import STORIES, play_story


@pytest.mark.parametrize("name", ["membership", "meetings", "resources", "activities"])
async def test_story_matches_its_transcript(name: str, database_url: str, tmp_path: Path) -> None:
    transcript = await play_story(name, database_url, tmp_path)
    assert transcript == (STORIES / f"{name}.expected").read_text()


@pytest.mark.parametrize(
    "name", ["membership", "meetings", "polls", "decisions", "support_offloads", "resources", "activities"]
)
async def test_every_event_delivered_twice_changes_nothing(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Platforms redeliver: play a whole story with every event dispatched twice; the transcript is the same."""
    from magbot.core.dispatch import Dispatcher

    dispatch = Dispatcher.dispatch

    async def twice(self, incoming):  # type: ignore[no-untyped-def]
        first = await dispatch(self, incoming)
        again = await dispatch(self, incoming)
        assert again.duplicate and not again.messages
        return first

    monkeypatch.setattr(Dispatcher, "dispatch", twice)
    defaults = {"meeting_day": "Monday"} if name.startswith("support") else None
    transcript = await play_story(name, sqlite_url(tmp_path), tmp_path, defaults)
    assert transcript == (STORIES / f"{name}.expected").read_text()
