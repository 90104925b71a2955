"""SQLite for SQLAlchemy's asyncio engine, run on the event loop's own thread (no aiosqlite worker thread).

aiosqlite runs every driver call (cursor, execute, fetchall, close, commit) in its worker thread and wakes the
event loop when it is done: three or four thread hops per statement, each a pair of context switches that a
busy 2-core machine makes cost far more than the statement (the same 7 statements take 0.034 ms in sqlite3).
SQLAlchemy's own Python work already runs on the loop's thread; only the C call moved. So this driver makes
the calls inline, as coroutines that finish without suspending, and the loop never waits on another thread.

What could block the loop is SQLite waiting for a lock held by another connection. The busy timeout is
therefore 0 on these connections, and a statement refused with SQLITE_BUSY is retried here, awaiting between
tries (growing to 20 ms), until the same 10 s deadline the busy timeout gave: other tasks (the connection
holding the lock among them) run meanwhile. In this process every write transaction already queues on the
unit of work's lock (storage/uow.py) and takes the write lock up front (BEGIN IMMEDIATE), so a wait only
happens against another process or a second engine on the same file.

Without a thread hop a transaction would also run from BEGIN to COMMIT without the loop running anything else:
a long one (a planner walking every group) would hold up every send in flight, where aiosqlite let them run at
each statement. So a statement yields to the loop once YIELD_AFTER has passed since the driver last did; a
dispatch (about a millisecond) rarely does, and nothing waits on the database for longer than that.

A commit that checkpoints the write-ahead log would fsync on the loop's thread (and freeze every send in
flight meanwhile), so these connections never checkpoint themselves (`wal_autocheckpoint=0`): every
CHECKPOINT_EVERY commits, a PASSIVE checkpoint runs on its own connection in a worker thread, which neither
waits for nor blocks the writers.

The COMMIT runs inline too. With `synchronous=NORMAL` in WAL mode it writes the transaction's pages to the
log without an fsync (that waits for the checkpoint, in its thread). It once ran in a worker thread, on the
suspicion that a throttled write(2) held sends back; the cause was the fault check's stamps, and the hop cost
a sixth of the bench's throughput (docs/DECISIONS.md, "... the COMMIT on the loop's thread").

The interface is the part of aiosqlite's that SQLAlchemy's aiosqlite dialect calls (given to the engine as
`async_creator`): `cursor()`, `execute`, `executemany`, `fetch*`, `close`, `commit`, `rollback`,
`create_function`, `stop`, and `_conn`/`_tx` for its isolation level setter.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from magbot.storage.checkpoints import Checkpoints

BUSY_CODES = {sqlite3.SQLITE_BUSY, getattr(sqlite3, "SQLITE_BUSY_SNAPSHOT", 517)}
FIRST_PAUSE, MOST_PAUSE = 0.001, 0.02
YIELD_AFTER = 0.005  # seconds of database work before the loop gets a turn


class _Turns:
    last = 0.0  # when the driver last let the loop run others (one loop per process)


async def _fair() -> None:
    if time.monotonic() - _Turns.last >= YIELD_AFTER:
        await asyncio.sleep(0)
        _Turns.last = time.monotonic()


def _busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) in BUSY_CODES


async def _patiently(call: Callable[[], Any], patience: float) -> Any:
    """`call()`, tried again while SQLite answers SQLITE_BUSY, awaiting between tries (in growing steps), up to
    `patience` s from the first refusal: other tasks, the lock's holder among them, run meanwhile."""
    deadline, pause = None, FIRST_PAUSE
    while True:
        try:
            return call()
        except sqlite3.OperationalError as error:
            if not _busy(error):
                raise
            now = time.monotonic()
            deadline = deadline if deadline is not None else now + patience
            if now >= deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(MOST_PAUSE, pause * 2)


class InlineCursor:
    """An aiosqlite-shaped cursor over a sqlite3 cursor, every call made at once on the calling thread."""

    def __init__(self, cursor: sqlite3.Cursor, timeout: float) -> None:
        self._cursor, self._timeout = cursor, timeout

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        cursor = self._cursor
        await _patiently(lambda: cursor.execute(sql, parameters or ()), self._timeout)
        await _fair()
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        rows = list(parameters)  # a retry must see them all again
        cursor = self._cursor
        await _patiently(lambda: cursor.executemany(sql, rows), self._timeout)
        await _fair()
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _RunNow:
    """Stands in for aiosqlite's queue to its worker thread: SQLAlchemy's isolation-level setter puts a
    (future, function) pair there; here the function runs at once."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as error:  # handed to whoever awaits the future, as aiosqlite does
            if future is not None and not future.done():
                future.set_exception(error)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection:
    """An aiosqlite-shaped connection over a sqlite3 connection in autocommit mode (SQLAlchemy begins)."""

    def __init__(self, connection: sqlite3.Connection, timeout: float, checkpoints: Checkpoints) -> None:
        self._connection: sqlite3.Connection | None = connection
        self._timeout, self.checkpoints = timeout, checkpoints
        self._tx = _RunNow()

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @property
    def in_transaction(self) -> bool:
        return self._connection is not None and self._connection.in_transaction

    async def begin(self) -> None:
        """BEGIN IMMEDIATE straight on the driver (a unit of work's own transaction, storage/direct.py)."""
        connection = self._conn
        await _patiently(lambda: connection.execute("BEGIN IMMEDIATE"), self._timeout)

    def cursor(self) -> InlineCursor:
        """Entered with `async with` or awaited `__aenter__`, as SQLAlchemy does with aiosqlite's."""
        return InlineCursor(self._conn.cursor(), self._timeout)

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def run(self, sql: str, sets: list[Sequence[Any]], *, many: bool) -> tuple[list[Any], int]:
        """One statement straight on the driver (storage/direct.py), once per parameter set when `many`: the
        rows it returned and the rows it touched."""
        cursor = self._conn.cursor()
        try:
            run = (lambda: cursor.executemany(sql, sets)) if many else (lambda: cursor.execute(sql, sets[0]))
            await _patiently(run, self._timeout)
            found = cursor.fetchall() if cursor.description else []
            count = cursor.rowcount
        finally:
            cursor.close()
        await _fair()
        return found, count

    async def commit(self) -> None:
        connection = self._conn
        if not connection.in_transaction:
            return
        await _patiently(connection.commit, self._timeout)
        self.checkpoints.committed()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def inline_creator(path: str, timeout: float) -> Callable[[], Any]:
    """The engine's `async_creator`: a connection that waits for locks cooperatively (busy timeout 0) and
    leaves checkpoints to a worker thread."""
    checkpoints = Checkpoints(path)

    async def create() -> InlineConnection:
        # check_same_thread off as aiosqlite has it: a test may build a database from a helper thread's loop.
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA busy_timeout=0")
        connection.execute("PRAGMA wal_autocheckpoint=0")
        return InlineConnection(connection, timeout, checkpoints)

    return create
