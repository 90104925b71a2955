"""The SQLite driver on the loop's thread (bench/telegram_bench.py --inline): a lock held elsewhere is awaited
without stopping the loop and given up with "database is locked" at its deadline; and a ridden write goes with
the next commit (on the driver in use)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from magbot.storage import db
from magbot.storage.db import make_engine, session_factory
from magbot.storage.sqlite_inline import inline_creator
from magbot.storage.uow import Rider, UnitOfWork, UnitOfWorkFactory
from tests.conftest import START, sqlite_url


def _path(url: str) -> str:
    return url.split("///", 1)[1]


async def test_a_lock_held_by_another_connection_is_awaited_while_the_loop_runs_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "INLINE_SQLITE", True)  # off in production (docs/DECISIONS.md); the bench's --inline
    url = sqlite_url(tmp_path)
    engine = make_engine(url)
    uow = UnitOfWorkFactory(session_factory(engine))
    other = sqlite3.connect(_path(url), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process's writer holds the file
    ticks = 0

    async def write() -> None:
        async with uow() as u:
            await u.state.put("k", "v")

    writer = asyncio.create_task(write())
    while ticks < 20:  # the loop keeps running other tasks while the writer waits for the lock
        await asyncio.sleep(0)
        ticks += 1
    assert not writer.done()
    other.execute("COMMIT")
    await writer
    async with uow() as u:
        assert await u.state.get("k") == "v"
    other.close()
    await uow.close()
    await engine.dispose()


async def test_a_lock_never_freed_ends_in_database_is_locked_at_the_deadline(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    other = sqlite3.connect(_path(url), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    connection = await inline_creator(_path(url), 0.05)()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        await connection.execute("BEGIN IMMEDIATE")
    await connection.close()
    other.execute("ROLLBACK")
    other.close()


async def test_a_ridden_write_goes_with_the_next_commit_and_waits_out_a_rollback(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path))
    uow = UnitOfWorkFactory(session_factory(engine))
    written: list[str] = []

    def rider(value: str) -> Rider:
        async def write(u: UnitOfWork) -> None:
            written.append(value)
            await u.state.put("tg:offset", value)

        return write

    uow.ride("tg:offset", rider("5"))
    uow.ride("tg:offset", rider("7"))  # replaces the older one still waiting
    with contextlib.suppress(RuntimeError):
        async with uow() as u:
            await u.events.claim("k1", START)
            raise RuntimeError("the handler failed")
    assert uow.riding and written == []  # a rolled-back transaction carried nothing
    async with uow() as u:
        await u.events.claim("k2", START)
    assert not uow.riding and written == ["7"]
    async with engine.connect() as connection:
        stored = (await connection.execute(text("SELECT value FROM platform_state WHERE key = 'tg:offset'"))).all()
    assert stored == [("7",)]
    await uow.close()
    await engine.dispose()
