"""Every console story (tests/e2e/stories/*.txt) played on Matrix, compared with its Matrix transcript.

The same `.txt` file the console plays; `<name>.matrix.expected` is what members' Element clients showed, in
the console's line form (see story_render.py for how Matrix things are written). Rewrite them after a deliberate
change with `python -m tests.platforms.matrix.regenerate_stories` (Synapse needed), and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from magbot.storage.models import Base
from tests.platforms.matrix.conftest import ENV
from tests.platforms.matrix.story_driver import StoryDriver, play_matrix_story
from tests.story import STORIES

pytestmark = pytest.mark.skipif(ENV is None, reason="MAGBOT_TEST_HOMESERVER is not set")

SUPPORT_DEFAULTS = {"meeting_day": "Monday"}  # as the console plays them (tests/e2e/test_support_stories.py)
NAMES = sorted(path.stem for path in STORIES.glob("*.txt"))


def defaults_for(name: str) -> dict[str, str] | None:
    return SUPPORT_DEFAULTS if name.startswith("support_") else None


@pytest.mark.parametrize("name", NAMES)
async def test_story_on_matrix_matches_its_transcript(name: str, homeserver: tuple[str, str], tmp_path: Path) -> None:
    transcript = await play_matrix_story(
        homeserver, (STORIES / f"{name}.txt").read_text(), tmp_path, defaults_for(name)
    )
    assert transcript == (STORIES / f"{name}.matrix.expected").read_text()


async def test_no_table_keeps_an_offloads_words_once_it_expired_or_was_forgotten(
    homeserver: tuple[str, str], tmp_path: Path
) -> None:
    """After support_offloads on Matrix (an anonymous offload expires, a kept one is forgotten), no row of any
    table, the Matrix platform's own state included, holds their words; nor the named one's, once posted."""
    story = (STORIES / "support_offloads.txt").read_text()
    driver = StoryDriver(homeserver, tmp_path, SUPPORT_DEFAULTS)
    await driver.start()
    try:
        transcript = await driver.play(story)
        assert "drinking again" in transcript  # the story did run, and showed the words while they were up
        holding: list[tuple[str, str]] = []
        async with driver.bot.app.uow() as uow:
            for table in Base.metadata.sorted_tables:
                for row in await uow.session.execute(text(f"SELECT * FROM {table.name}")):
                    for words in ("court date", "drinking again", "son won't speak"):
                        if any(isinstance(value, str) and words in value for value in row):
                            holding.append((table.name, words))
        assert "platform_state" in {table.name for table in Base.metadata.sorted_tables}
        assert holding == []
    finally:
        await driver.close()
