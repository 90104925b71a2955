"""Shared fixtures: the network guard, a fresh database per test, a manual clock, a running app."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from magbot.app import App
from magbot.config import Settings
from magbot.core.clock import ManualClock
from tests import netguard

netguard.install()

PG_URL = os.environ.get("MAGBOT_TEST_PG_URL", "")
START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/magbot.db"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Each storage test runs on SQLite, and on PostgreSQL too when MAGBOT_TEST_PG_URL is set."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    if not PG_URL:
        pytest.skip("MAGBOT_TEST_PG_URL is not set")
    from tests.pg import fresh_database

    async with fresh_database(PG_URL) as url:
        yield url


def settings_for(url: str, tmp_path: Path, **overrides: object) -> Settings:
    return Settings(database_url=url, data_dir=str(tmp_path / "data"), **overrides)  # type: ignore[arg-type]


@pytest.fixture
async def app(tmp_path: Path, clock: ManualClock) -> AsyncIterator[App]:
    """An app on a fresh SQLite file with the console platform, for handler tests."""
    from tests.story import console_app

    async with console_app(settings_for(sqlite_url(tmp_path), tmp_path), clock) as made:
        yield made
