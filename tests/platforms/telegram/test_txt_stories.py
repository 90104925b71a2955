"""Every console story (tests/e2e/stories/*.txt), played on Telegram from the same file.

Each transcript is compared with `<name>.telegram.expected` where Telegram legitimately shows things otherwise
(a named poll is a native poll, and so on), else with the console's own `<name>.expected`. Stories with threads
are played twice: in a group without topics (reply chains) and in a forum group (`<name>.telegram-forum.expected`).
`python -m tests.regenerate_telegram_stories` rewrites these after a deliberate change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.platforms.telegram.story_driver import play_telegram_story
from tests.story import STORIES, defaults_for

ALL = sorted(p.stem for p in STORIES.glob("*.txt"))
THREADED = [name for name in ALL if " -> " in (STORIES / f"{name}.txt").read_text()]


def expected_path(name: str, forum: bool) -> Path:
    """The platform's own transcript when it has one; the console's otherwise (a forum always has its own)."""
    own = STORIES / f"{name}.telegram{'-forum' if forum else ''}.expected"
    return own if own.exists() or forum else STORIES / f"{name}.expected"


async def play(name: str, tmp_path: Path, *, forum: bool = False) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path}/telegram-story.db"
    return await play_telegram_story(name, url, tmp_path, defaults_for(name), forum=forum)


@pytest.mark.parametrize("name", ALL)
async def test_story_on_telegram(name: str, tmp_path: Path) -> None:
    assert await play(name, tmp_path) == expected_path(name, forum=False).read_text()


@pytest.mark.parametrize("name", THREADED)
async def test_story_in_a_telegram_forum(name: str, tmp_path: Path) -> None:
    assert await play(name, tmp_path, forum=True) == expected_path(name, forum=True).read_text()


def test_a_telegram_transcript_is_kept_only_where_it_differs() -> None:
    """A `.telegram.expected` equal to the console's would hide a future difference: it must not exist."""
    same = [
        p.name
        for p in STORIES.glob("*.telegram.expected")
        if p.read_text() == (STORIES / p.name.replace(".telegram", "")).read_text()
    ]
    assert same == []


def test_what_telegram_refused_and_calls_not_rendered_show_in_the_transcript() -> None:
    """A send the fake refused (bad entities, a too-long button) or a method the renderer does not know is a line of
    its own, so a story cannot pass over a mistake silently; a private chat not yet opened is no mistake."""
    from types import SimpleNamespace

    from tests.fakes.telegram_api import Answered
    from tests.fakes.telegram_objects import ApiError, Call
    from tests.platforms.telegram.story_render import CANNOT_WRITE_FIRST, Renderer

    answered = [
        Answered(Call("sendMessage", {"chat_id": 5001}), None, ApiError(403, CANNOT_WRITE_FIRST)),
        Answered(Call("sendMessage", {"chat_id": -1}), None, ApiError(400, "Bad Request: BUTTON_DATA_INVALID")),
        Answered(Call("pinChatMessage", {"chat_id": -1, "message_id": 3}), True, None),
    ]
    renderer = Renderer(SimpleNamespace(answered=answered), str, forum=False)  # type: ignore[arg-type]
    assert renderer.new_lines() == [
        "(telegram refused sendMessage: Bad Request: BUTTON_DATA_INVALID)",
        "(unrendered pinChatMessage)",
    ]
