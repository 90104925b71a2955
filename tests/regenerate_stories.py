"""Rewrite the stories' expected transcripts after a deliberate change of wording: `python -m tests.regenerate_stories`.

Review the diff before committing: every changed line is a change members will see.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from tests.story import STORIES, defaults_for, play_story


async def main(names: list[str]) -> None:
    for name in names or sorted(p.stem for p in STORIES.glob("*.txt")):
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{folder}/story.db"
            transcript = await play_story(name, url, Path(folder), defaults_for(name))
        (STORIES / f"{name}.expected").write_text(transcript)
        print(f"wrote {name}.expected")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
