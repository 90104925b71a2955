"""Rewrite the Telegram story transcripts: `python -m tests.regenerate_telegram_stories [name ...]`.

A story whose Telegram transcript equals the console's gets no file of its own (its `.telegram.expected` is
removed); one that differs gets `<name>.telegram.expected`, and a story with threads also gets
`<name>.telegram-forum.expected` (played in a group with topics). Review the diff: it is what members see.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from tests.platforms.telegram.test_txt_stories import ALL, THREADED, play
from tests.story import STORIES


async def main(names: list[str]) -> None:
    for name in names or ALL:
        for forum in (False, True) if name in THREADED else (False,):
            with tempfile.TemporaryDirectory() as folder:
                transcript = await play(name, Path(folder), forum=forum)
            own = STORIES / f"{name}.telegram{'-forum' if forum else ''}.expected"
            if not forum and transcript == (STORIES / f"{name}.expected").read_text():
                own.unlink(missing_ok=True)
                print(f"{name}: same as the console")
                continue
            own.write_text(transcript)
            print(f"wrote {own.name}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
