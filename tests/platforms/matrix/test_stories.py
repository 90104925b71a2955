"""Every console story (tests/e2e/stories/*.txt) played on Matrix, compared with its Matrix transcript.

The same `.txt` file the console plays; `<name>.matrix.expected` is what members' Element clients showed, in
the console's line form (see story_render.py for how Matrix things are written). Rewrite them after a deliberate
change with `python -m tests.platforms.matrix.regenerate_stories` (Synapse needed), and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.platforms.matrix.conftest import ENV
from tests.platforms.matrix.story_driver import play_matrix_story
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
