"""Check-ins, buddies and offloads as members live them, piped through the console on SQLite and PostgreSQL.

The transcripts are the product. Around them: no check-in words or offload text ever reaches the logs, and an
anonymous offload's text is gone from every table once it expires or its author forgets it.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import text

from magbot.app import App
from magbot.core.clock import ManualClock
from magbot.storage.schema import metadata
from tests.conftest import START, settings_for
from tests.story import STORIES, console_app, play_story, story

NAMES = ("support_checkins", "support_buddies", "support_offloads")
# Meetings on Mondays keep the meeting reminders out of these stories' days (Wednesday's round, etc.).
DEFAULTS = {"meeting_day": "Monday"}
PRIVATE_WORDS = (
    "long week but okay",
    "court date",
    "hang in there",
    "drinking again",
    "call me any time",
    "thanks, I might",
    "proud of you",
    "son won't speak",
    "still thinking of you",
)


def lines_of(name: str) -> list[str]:
    return (STORIES / f"{name}.txt").read_text().splitlines()


async def play(name: str, url: str, tmp_path: Path) -> str:
    return await play_story(name, url, tmp_path, defaults=DEFAULTS)


@pytest.mark.parametrize("name", NAMES)
async def test_support_story_matches_its_transcript_and_its_logs_hold_no_words_or_names(
    name: str, database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """One playing of each story checks both its transcript and everything it logged, down to DEBUG."""
    with caplog.at_level(logging.DEBUG, logger="magbot"):
        transcript = await play(name, database_url, tmp_path)
    assert transcript == (STORIES / f"{name}.expected").read_text()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "event kind=ButtonPress" in logged  # the capture did see the story
    for words in (*PRIVATE_WORDS, "Dave", "Sam", "Tom"):
        assert words not in logged


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
    settings = settings_for(database_url, tmp_path, defaults=DEFAULTS)
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
