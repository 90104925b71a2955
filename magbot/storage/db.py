"""Engine set-up for SQLite (the default) and PostgreSQL, and the one dialect-aware upsert helper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from magbot.storage.sqlite_inline import inline_creator

SQLITE_BUSY_TIMEOUT_MS = 10_000
# SQLite files are driven on the loop's thread (sqlite_inline.py), not through aiosqlite's worker thread (a thread
# hop per driver call, the largest cost per update: docs/DECISIONS.md, "Per-update cost").
# bench/telegram_bench.py --inline measures both side by side.
INLINE_SQLITE = True


def make_engine(url: str) -> AsyncEngine:
    """An async engine. SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE for every transaction.

    BEGIN IMMEDIATE takes the write lock up front: a deferred read-then-write transaction can otherwise fail
    with "database is locked" at its first write without waiting for the busy timeout. With INLINE_SQLITE a
    file is driven on the event loop's thread (sqlite_inline.py: no thread hop per call).
    """
    if url.startswith("sqlite"):
        _ensure_sqlite_folder(url)
        path = make_url(url).database
        timeout = SQLITE_BUSY_TIMEOUT_MS / 1000
        if INLINE_SQLITE and path and path != ":memory:":
            engine = create_async_engine(url, async_creator=inline_creator(path, timeout))
            _tune_sqlite(engine, busy_timeout_ms=0)  # waits happen in sqlite_inline, never blocking the loop
        else:
            engine = create_async_engine(url, connect_args={"timeout": timeout})
            _tune_sqlite(engine, busy_timeout_ms=SQLITE_BUSY_TIMEOUT_MS)
        return engine
    return create_async_engine(url, pool_pre_ping=True)


def _ensure_sqlite_folder(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _tune_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see the "begin" hook).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # What is deleted (/forgetme, a deleted check-in) is overwritten in the file, not left in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # On the driver's cursor: every transaction begins here, and SQLAlchemy's statement machinery
        # (execution context, result) cost more than the BEGIN itself. A unit of work may have begun it on the
        # driver already (storage/direct.py), before its session needed the connection.
        if connection.connection.driver_connection.in_transaction:
            return
        cursor = connection.connection.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")
        finally:
            cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


async def insert_ignoring_duplicates(
    session: AsyncSession, model: type[Any], values: dict[str, Any] | list[dict[str, Any]], keys: list[str]
) -> bool:
    """INSERT into the mapped class's table unless a row with the same `keys` exists. True when this call
    inserted a row. A list of rows is one multi-row statement."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    builder = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = builder(model).values(values).on_conflict_do_nothing(index_elements=keys)
    return bool(rows_affected(await session.execute(statement)))


def rows_affected(result: object) -> int:
    """How many rows an UPDATE/DELETE/INSERT touched: a CursorResult's rowcount, which execute()'s type does not
    promise (it may return other results)."""
    return int(getattr(result, "rowcount", 0) or 0)
