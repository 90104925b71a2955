"""Member stories piped through the console: the transcript is the product, and it must be the same on
SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import sqlite_url
from tests.story import STORIES, play_story


@pytest.mark.parametrize(
    "name", ["membership", "meetings", "resources", "activities", "console", "notices_and_times", "forgetme"]
)
async def test_story_matches_its_transcript(name: str, database_url: str, tmp_path: Path) -> None:
    transcript = await play_story(name, database_url, tmp_path)
    assert transcript == (STORIES / f"{name}.expected").read_text()


TWICE = [
    "membership", "meetings", "polls", "decisions", "support_offloads", "resources", "activities", "console",
    "notices_and_times", "conversations", "conversations_polls",
]


@pytest.mark.parametrize("name", [*TWICE, "forgetme"])
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


@pytest.mark.parametrize("name", sorted(p.stem for p in STORIES.glob("*.txt")))
async def test_every_scheduled_post_runs_at_its_own_moment(name: str, tmp_path: Path) -> None:
    """Moving the console's clock by days runs what falls due on the way, each at its due time, none skipped."""
    from sqlalchemy import select

    from magbot.core.clock import as_utc
    from magbot.storage.db import make_engine
    from magbot.storage.models import ScheduledRow

    url = f"sqlite+aiosqlite:///{tmp_path}/moments.db"
    defaults = {"meeting_day": "Monday"} if name.startswith("support") else None
    await play_story(name, url, tmp_path, defaults)
    engine = make_engine(url)
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(ScheduledRow.key, ScheduledRow.status, ScheduledRow.due_at, ScheduledRow.done_at)
            )
        ).all()
    await engine.dispose()
    ran = [row for row in rows if row.status != "pending"]
    assert ran, "the story moved time past nothing scheduled"
    assert [row.key for row in ran if row.status == "skipped"] == []
    late = [row.key for row in ran if row.status == "done" and as_utc(row.done_at) != as_utc(row.due_at)]
    assert late == []
