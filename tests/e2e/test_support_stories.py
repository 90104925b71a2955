"""Offloads as members live them, on SQLite and PostgreSQL: an anonymous offload's text is gone from every table
once it expires or its author forgets it. (The support stories' transcripts, and their logs holding no words or
names, are checked with every story's in test_console_stories.py.)
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from magbot.app import App
from magbot.core.clock import ManualClock
from magbot.storage.schema import metadata
from tests.conftest import START, settings_for
from tests.story import STORIES, SUPPORT_DEFAULTS, console_app, story


def lines_of(name: str) -> list[str]:
    return (STORIES / f"{name}.txt").read_text().splitlines()


async def rows_holding(app: App, words: str) -> list[str]:
    found: list[str] = []
    async with app.uow() as uow:
        for table in metadata.sorted_tables:
            for row in await uow.session.execute(text(f"SELECT * FROM {table.name}")):
                if any(isinstance(value, str) and words in value for value in row):
                    found.append(table.name)
    return found


async def test_expiry_purges_an_anonymous_offloads_text_from_the_database(database_url: str, tmp_path: Path) -> None:
    lines = lines_of("support_offloads")
    cut = lines.index(":advance 31d")
    settings = settings_for(database_url, tmp_path, defaults=SUPPORT_DEFAULTS)
    async with console_app(settings, ManualClock(START), every_dm_open=False) as app:
        await story(app).say(*lines[:cut])
        assert await rows_holding(app, "drinking again") == ["offloads"]  # kept while replies are relayed
        assert await rows_holding(app, "court date") == []  # a named offload's words go once posted
        said = await story(app).say(":advance 31d")
        # The words, his answer, the header; the month's meeting reminders and rounds go out on the way.
        assert [line for line in said if "deleted" in line] == ["[group] (message deleted)"] * 3
        assert await rows_holding(app, "drinking again") == []
        assert await rows_holding(app, "son won't speak") == ["offloads"]  # its author pressed Keep
        await story(app).say(*lines[cut + 1 :])
        assert await rows_holding(app, "son won't speak") == []  # until he forgot it
