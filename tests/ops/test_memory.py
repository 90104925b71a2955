"""What the bot built while starting is kept out of the collector's full passes (magbot/ops/memory.py), and
`magbot run` does it once the platforms exist, before serving."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from magbot import cli
from magbot.app import App
from magbot.config import TelegramSettings
from magbot.ops.memory import freeze_startup
from tests.conftest import settings_for, sqlite_url


def test_what_is_alive_at_start_leaves_the_generations_a_full_collection_walks() -> None:
    before = gc.get_freeze_count()
    try:
        freeze_startup()
        assert gc.get_freeze_count() > before
        assert len(gc.get_objects(generation=2)) < gc.get_freeze_count() // 10  # what is left to walk
    finally:
        gc.unfreeze()


async def test_run_freezes_once_the_platforms_are_built_and_before_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[str] = []

    async def serve(app: App) -> bool:
        steps.append(f"serve with {[p.name for p in app.platforms]}")
        return True

    monkeypatch.setattr(cli, "freeze_startup", lambda: steps.append("freeze"))
    monkeypatch.setattr(App, "serve", serve)
    telegram = TelegramSettings(token="1:a")
    settings = settings_for(sqlite_url(tmp_path), tmp_path, platforms=("telegram",), telegram=telegram)
    assert await cli.run_bot(settings) == 0
    assert steps == ["freeze", "serve with ['telegram']"]
