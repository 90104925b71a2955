"""Every console story (tests/e2e/stories/*.txt) played on Matrix, compared with its Matrix transcript.

The same `.txt` file the console plays; `<name>.matrix.expected` is what members' Element clients showed, in
the console's line form (see story_render.py for how Matrix things are written). Rewrite them after a deliberate
change with `python -m tests.platforms.matrix.regenerate_stories` (Synapse needed), and review the diff.

support_offloads is the longest story on Matrix (about a minute and a half on a loaded two-core machine): one
test plays it once and checks both its transcript and that no table keeps its words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from magbot.storage.models import Base
from tests.platforms.matrix.conftest import ENV
from tests.platforms.matrix.story_driver import StoryDriver, play_matrix_story
from tests.story import STORIES, SUPPORT_DEFAULTS, defaults_for

pytestmark = pytest.mark.skipif(ENV is None, reason="MAGBOT_TEST_HOMESERVER is not set")

OFFLOADS = "support_offloads"
WORDS = ("court date", "drinking again", "son won't speak")  # what its members offload
# The support stories first: they move the clock over days and are the longest on Matrix (see tests/conftest.py).
NAMES = sorted((path.stem for path in STORIES.glob("*.txt")), key=lambda name: (not name.startswith("support_"), name))


@dataclass(frozen=True)
class Played:
    transcript: str
    tables: set[str]  # every table of the bot's database
    holding: list[tuple[str, str]]  # (table, words) for each offload's words still in a row once the story ended


async def played_offloads(homeserver: tuple[str, str], folder: Path) -> Played:
    """support_offloads played on Matrix, and every row of every table read at its end (before the bot closes)."""
    driver = StoryDriver(homeserver, folder, SUPPORT_DEFAULTS)
    await driver.start()
    try:
        transcript = await driver.play((STORIES / f"{OFFLOADS}.txt").read_text())
        holding: list[tuple[str, str]] = []
        async with driver.bot.app.uow() as uow:
            for table in Base.metadata.sorted_tables:
                for row in await uow.session.execute(text(f"SELECT * FROM {table.name}")):
                    for words in WORDS:
                        if any(isinstance(value, str) and words in value for value in row):
                            holding.append((table.name, words))
    finally:
        await driver.close()
    return Played(transcript, {table.name for table in Base.metadata.sorted_tables}, holding)


@pytest.mark.parametrize("name", [name for name in NAMES if name != OFFLOADS])
async def test_story_on_matrix_matches_its_transcript(name: str, homeserver: tuple[str, str], tmp_path: Path) -> None:
    transcript = await play_matrix_story(
        homeserver, (STORIES / f"{name}.txt").read_text(), tmp_path, defaults_for(name)
    )
    assert transcript == (STORIES / f"{name}.matrix.expected").read_text()


async def test_offloads_on_matrix_match_their_transcript_and_no_table_keeps_their_words(
    homeserver: tuple[str, str], tmp_path: Path
) -> None:
    """support_offloads on Matrix: its transcript; and at its end (an anonymous offload expired, a kept one was
    forgotten) no row of any table, the Matrix platform's own state included, holds their words; nor the named
    one's, once posted."""
    played = await played_offloads(homeserver, tmp_path)
    assert played.transcript == (STORIES / f"{OFFLOADS}.matrix.expected").read_text()
    assert "drinking again" in played.transcript  # the story did run, and showed the words while they were up
    assert "platform_state" in played.tables
    assert played.holding == []
