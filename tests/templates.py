"""Migrated SQLite databases for tests: migrate one file per session, hand each test a copy.

Running every Alembic revision for each test costs more than most tests do; a copy of a migrated, closed
file is the same database. The copy is only a test concern: `App.prepare()` still checks the schema of every
database it opens (it finds the copy at the head and leaves it alone), and production migrates or refuses an
old schema exactly as before. Tests of the first start itself ask for `tests.conftest.empty_sqlite_url`.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from magbot.storage.db import make_engine
from magbot.storage.migrate import ensure_schema

T = TypeVar("T")
_template: Path | None = None


def run_apart(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to the end on its own event loop in its own thread.

    Session fixtures set databases up from synchronous code that may be reached from inside a test's running
    loop (`request.getfixturevalue` in an async fixture), where `asyncio.run` is not allowed.
    """

    async def main() -> T:
        return await make()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


async def _migrate(path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await ensure_schema(engine)  # the app's own path: Alembic from nothing to the head
    finally:
        await engine.dispose()


def _checkpoint(path: Path) -> None:
    """Fold the write-ahead log into the file, so the file alone is the whole database."""
    connection = sqlite3.connect(path)
    try:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0, "the template is still open somewhere"
    finally:
        connection.close()
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "the template's WAL was not checkpointed"


def build_sqlite_template(folder: Path) -> Path:
    """Migrate `folder/template.db` once; `copy_sqlite_template` then hands out copies of it."""
    global _template
    path = folder / "template.db"
    run_apart(lambda: _migrate(path))
    _checkpoint(path)
    _template = path
    return path


def copy_sqlite_template(destination: Path) -> bool:
    """Copy the migrated template to `destination`. False (nothing copied) outside a test session."""
    if _template is None:
        return False
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_template, destination)
    return True
