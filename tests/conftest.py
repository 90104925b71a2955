"""Shared fixtures: the network guard, a fresh database per test, a manual clock, a running app.

A test's database is fresh but already migrated: a copy of a SQLite file migrated once per session, or (on
PostgreSQL) one database migrated once per session and emptied before each test. See tests/templates.py.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from magbot.app import App
from magbot.config import Settings
from magbot.core.clock import ManualClock
from tests import netguard, templates
from tests.pg import MigratedDatabase, fresh_database

netguard.install()

PG_URL = os.environ.get("MAGBOT_TEST_PG_URL", "")
START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def empty_sqlite_url(tmp_path: Path) -> str:
    """Where a new, empty SQLite file would be: for tests of the first start (migrating from nothing)."""
    return f"sqlite+aiosqlite:///{tmp_path}/magbot.db"


def sqlite_url(tmp_path: Path) -> str:
    """This test's SQLite file, already migrated (a copy of the session's template, made on the first call).

    A second call with the same folder is the same database, as after a restart.
    """
    path = tmp_path / "magbot.db"
    if not path.exists():
        templates.copy_sqlite_template(path)  # outside a pytest session the app migrates the empty file
    return empty_sqlite_url(tmp_path)


# The longest tests (they wait on Synapse, the fake Bot API or real processes), slowest first. `.ci/test` runs
# pytest-xdist workers, which take tests in collection order: these start at once and the short ones fill the
# other workers beside them, instead of the long ones starting last and running on alone.
SLOW_FIRST = (
    "tests/platforms/matrix/test_stories.py",
    "tests/faults/test_faults.py",
    "tests/platforms/telegram/test_txt_stories.py",
    "tests/platforms/matrix/",
    "tests/e2e/",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return next((n for n, prefix in enumerate(SLOW_FIRST) if path.startswith(prefix)), len(SLOW_FIRST))

    items.sort(key=rank)  # stable: within a rank, the files' own order


@pytest.fixture(scope="session", autouse=True)
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return templates.build_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_migrated() -> Iterator[MigratedDatabase]:
    """One migrated PostgreSQL database for the whole session, dropped at its end."""
    if not PG_URL:
        pytest.skip("MAGBOT_TEST_PG_URL is not set")
    database = MigratedDatabase(PG_URL)
    templates.run_apart(database.create)
    yield database
    templates.run_apart(database.drop)


@pytest.fixture(autouse=True)
def no_ca_bundle(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every telegram.Bot builds two httpx clients, and each loads the whole CA bundle (about 30 ms): waste in tests,
    which speak plain HTTP on loopback only (netguard). An empty certificate folder is read only if a TLS
    connection is ever made, and then trusts nothing."""
    if not os.environ.get("SSL_CERT_FILE"):  # that one would win over the folder: leave it be
        empty = tmp_path_factory.getbasetemp() / "no-certificates"
        empty.mkdir(exist_ok=True)
        monkeypatch.setenv("SSL_CERT_DIR", str(empty))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: each storage test runs on SQLite, and on PostgreSQL too when
    MAGBOT_TEST_PG_URL is set."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    database: MigratedDatabase = request.getfixturevalue("postgres_migrated")
    await database.clean()
    return database.url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A new database with nothing in it, not even a schema: for tests of the first start."""
    if request.param == "sqlite":
        yield empty_sqlite_url(tmp_path)
        return
    if not PG_URL:
        pytest.skip("MAGBOT_TEST_PG_URL is not set")
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
