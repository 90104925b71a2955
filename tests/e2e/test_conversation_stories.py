"""Guided-conversation stories piped through the console, on SQLite and PostgreSQL: every question has its way
out, and every answer a member types is taken (PRODUCT.md "Conversations")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.story import STORIES, play_story

NAMES = sorted(p.stem for p in STORIES.glob("conversations*.txt"))


def test_there_is_a_story_for_each_kind_of_conversation() -> None:
    assert NAMES == [
        "conversations", "conversations_every_command", "conversations_offload", "conversations_polls",
        "conversations_propose",
    ]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
async def test_conversation_story_matches_its_transcript(name: str, database_url: str, tmp_path: Path) -> None:
    transcript = await play_story(name, database_url, tmp_path)
    assert transcript == (STORIES / f"{name}.expected").read_text()
