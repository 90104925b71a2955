"""The hot statements (storage/hot.py) run straight on SQLite's driver, below SQLAlchemy's execution layer.

Each event and each send runs the same few statements, and SQLAlchemy's machinery around them (the session's
execute, the connection's execution context, events, the result object and a greenlet per call) cost about a
third of the CPU of an update against 2% for SQLite itself (docs/DECISIONS.md, "The hot path below SQLAlchemy
..."). So a `Direct` statement is compiled once per dialect by SQLAlchemy, its parameters put in order and
converted by the same type processors SQLAlchemy would use, and run on the loop's own sqlite3 connection
(storage/sqlite_inline.py) inside the unit of work's transaction: the same SQL, the same values, the same rows.

Anything else (PostgreSQL, aiosqlite's :memory: databases) goes through `session.execute` as before, and the
answer has the same shape: plain tuples, and a row count. tests/storage/test_direct.py holds both ways to the
same results. Only statements this can run faithfully are accepted: all values given (no Python-side defaults
to fill in), no expanding IN lists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Delete, Insert, Select, Update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.sql.compiler import SQLCompiler

from magbot.storage.db import rows_affected
from magbot.storage.sqlite_inline import InlineConnection

Params = Mapping[str, Any]
Statement = Select[Any] | Insert | Update | Delete
DRIVER = "magbot.direct.driver"  # the session.info key of the unit of work's inline connection


@dataclass(frozen=True)
class _Compiled:
    """One statement as its dialect's SQL: positional parameter names, their defaults and converters, and a
    converter per result column (None where the value goes as it is)."""

    sql: str
    names: tuple[str, ...]
    defaults: Mapping[str, Any]
    binds: tuple[Callable[[Any], Any] | None, ...]
    results: tuple[Callable[[Any], Any] | None, ...]

    def arguments(self, params: Params) -> list[Any]:
        values = []
        for name, convert in zip(self.names, self.binds, strict=True):
            value = params[name] if name in params else self.defaults[name]
            values.append(value if convert is None or value is None else convert(value))
        return values

    def rows(self, found: list[Any]) -> list[tuple[Any, ...]]:
        if not any(self.results):
            return [tuple(row) for row in found]
        converters = self.results
        return [
            tuple(v if c is None or v is None else c(v) for v, c in zip(row, converters, strict=True))
            for row in found
        ]


def _compile(statement: Statement, dialect: Dialect, column_keys: Sequence[str] | None) -> _Compiled:
    compiled = statement.compile(dialect=dialect, column_keys=list(column_keys) if column_keys else None)
    assert isinstance(compiled, SQLCompiler)
    if compiled.positiontup is None:
        raise TypeError(f"direct statements need a positional paramstyle, not {dialect.paramstyle}")
    if compiled.insert_prefetch or compiled.update_prefetch or compiled.post_compile_params:
        raise TypeError("a direct statement must be given every value (no defaults to fill, no expanding lists)")
    names = tuple(compiled.positiontup)
    binds = tuple(compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names)
    defaults = {name: compiled.binds[name].effective_value for name in names if not compiled.binds[name].required}
    columns = getattr(statement, "selected_columns", ())
    results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
    return _Compiled(compiled.string, names, defaults, binds, results)


class Direct:
    """A Core statement of the hot path, run straight on the driver where it is SQLite's inline connection.
    `column_keys`: an INSERT's columns, every one given each time (the order of its values). `postgresql`: the
    statement as PostgreSQL needs it, where it differs (an upsert's dialect form)."""

    def __init__(
        self, statement: Statement, column_keys: Sequence[str] | None = None, postgresql: Statement | None = None
    ) -> None:
        self.statement, self._keys = statement, tuple(column_keys) if column_keys else None
        self._postgresql = postgresql if postgresql is not None else statement
        self._compiled: dict[str, _Compiled] = {}

    def _through_sqlalchemy(self, session: AsyncSession) -> Statement:
        return self._postgresql if _dialect(session).name == "postgresql" else self.statement

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = _compile(self.statement, dialect, self._keys)
        return found

    async def rows(self, session: AsyncSession, params: Params) -> list[tuple[Any, ...]]:
        """The statement's rows as plain tuples (its columns in order, converted as SQLAlchemy would)."""
        driver = _driver(session)
        if driver is None:
            return [tuple(row) for row in await session.execute(self._through_sqlalchemy(session), params)]
        compiled = self.compiled(_dialect(session))
        found, _ = await driver.run(compiled.sql, [compiled.arguments(params)], many=False)
        return compiled.rows(found)

    async def run(self, session: AsyncSession, params: Params) -> int:
        """An INSERT, UPDATE or DELETE: the number of rows it touched."""
        driver = _driver(session)
        if driver is None:
            return rows_affected(await session.execute(self._through_sqlalchemy(session), params))
        compiled = self.compiled(_dialect(session))
        return (await driver.run(compiled.sql, [compiled.arguments(params)], many=False))[1]

    async def run_many(self, session: AsyncSession, sets: Sequence[Params]) -> None:
        """The statement once for each parameter set (executemany; PostgreSQL's driver counts no rows then)."""
        driver = _driver(session)
        if driver is None:
            await session.execute(self._through_sqlalchemy(session), list(sets))
            return
        compiled = self.compiled(_dialect(session))
        await driver.run(compiled.sql, [compiled.arguments(one) for one in sets], many=True)


def _dialect(session: AsyncSession) -> Dialect:
    assert session.bind is not None
    return session.bind.dialect


def _driver(session: AsyncSession) -> InlineConnection | None:
    """The inline SQLite connection the unit of work runs its transaction on (`DriverLine`), or None."""
    found: InlineConnection | None = session.info.get(DRIVER)
    return found


class DriverLine:
    """The connection a process's units of work on a SQLite file run their transactions on, held for good.

    They already take turns (storage/turn.py), one at a time, so one connection serves them all. A unit of work
    begins its transaction here on the driver and runs its hot statements on it; SQLAlchemy's session is bound
    to the same connection and joins in only if the work needs it, and then commits for both. Through the
    session and the pool, beginning and committing cost 0.4-0.5 ms of Python; here 0.03 ms.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._held: tuple[AsyncConnection, InlineConnection] | None = None

    @staticmethod
    def serves(engine: AsyncEngine) -> bool:
        return engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:")

    async def begin(self) -> tuple[AsyncConnection, InlineConnection] | None:
        """The held connection with a transaction begun on its driver; None where the driver is not inline."""
        if self._held is None:
            connection = await self._engine.connect()
            driver = (await connection.get_raw_connection()).driver_connection
            if not isinstance(driver, InlineConnection):  # aiosqlite's (INLINE_SQLITE off)
                await connection.close()
                return None
            self._held = connection, driver
        await self._held[1].begin()
        return self._held

    async def settled(self) -> None:
        """Once a checkpoint of the file in flight is over (storage/checkpoints.py)."""
        if self._held is not None:
            await self._held[1].checkpoints.settled()

    async def drop(self) -> None:
        """Let the connection go (its state is in doubt, or the engine is closing); the next begin takes another."""
        held, self._held = self._held, None
        if held is not None:
            await held[0].invalidate() if held[1].in_transaction else await held[0].close()


class LazySession:
    """A unit of work's session on the driver line, made the first time the work asks it for anything.

    Most units of work on the hot path never do (their statements are `Direct`), and making and closing an
    `AsyncSession` each time cost about 5% of an update's CPU. Until then it answers what the unit of work and the
    `Direct` statements ask of it (`info`, `bind`, `in_transaction`, `close`) without one; after, everything goes
    to the real session, bound to the line's connection (it joins the driver's transaction: see `DriverLine`).
    """

    def __init__(self, make: Callable[[], AsyncSession], bind: AsyncConnection, driver: InlineConnection) -> None:
        self._make, self.bind = make, bind
        self._real: AsyncSession | None = None
        self.info: dict[str, Any] = {DRIVER: driver}

    def __getattr__(self, name: str) -> Any:  # only for what is not defined here: the real session's
        if self._real is None:
            self._real = self._make()
            self._real.info.update(self.info)
        return getattr(self._real, name)

    def in_transaction(self) -> bool:
        return self._real is not None and self._real.in_transaction()

    async def close(self) -> None:
        if self._real is not None:
            await self._real.close()
