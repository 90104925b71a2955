"""Rewrite the stories' Matrix transcripts: `source /tmp/syn.env; python -m tests.platforms.matrix.regenerate_stories
[name ...]` (a Synapse is needed: MAGBOT_TEST_HOMESERVER). Review the diff: every changed line is something members
on Element will see.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from pathlib import Path

from tests.matrix_admin import homeserver_from_env
from tests.platforms.matrix.story_driver import play_matrix_story
from tests.platforms.matrix.test_stories import NAMES
from tests.story import STORIES, defaults_for


async def main(names: list[str]) -> None:
    homeserver = homeserver_from_env()
    if homeserver is None:
        raise SystemExit("MAGBOT_TEST_HOMESERVER is not set (source /tmp/syn.env, or .ci/synapse.sh start)")
    logging.getLogger("nio").setLevel(logging.CRITICAL)  # members' clients can't read what came before they joined
    for name in names or NAMES:
        with tempfile.TemporaryDirectory() as folder:
            transcript = await play_matrix_story(
                homeserver, (STORIES / f"{name}.txt").read_text(), Path(folder), defaults_for(name)
            )
        (STORIES / f"{name}.matrix.expected").write_text(transcript)
        print(f"wrote {name}.matrix.expected")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
