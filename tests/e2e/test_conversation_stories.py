"""Guided-conversation stories: every question has its way out, and every answer a member types is taken
(PRODUCT.md "Conversations"). Their transcripts are checked with every story's, in test_console_stories.py."""

from __future__ import annotations

from tests.story import STORIES

NAMES = sorted(p.stem for p in STORIES.glob("conversations*.txt"))


def test_there_is_a_story_for_each_kind_of_conversation() -> None:
    assert NAMES == [
        "conversations", "conversations_every_command", "conversations_offload", "conversations_polls",
        "conversations_propose",
    ]  # fmt: skip
