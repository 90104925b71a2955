"""Who runs what must run once: the leader, chosen by a PostgreSQL advisory lock held on its own connection.

Several `magbot run` instances may share one PostgreSQL. Each keeps one dedicated connection (autocommit, so it
never holds a snapshot) and tries `pg_try_advisory_lock` on it every `interval` seconds; the one that gets it
leads and runs the Telegram polling loop, the Matrix sync loop, the scheduler and the outbox sender (see
runner.py). The lock lives as long as that connection: when the leader dies, PostgreSQL ends its session and
frees the lock, and the next try by another instance wins (takeover in about `interval` seconds plus the new
leader's start-up). A leader whose machine vanishes without closing the socket is found by TCP keepalives set
on the session (about 20 s). The leader checks its connection every `interval`; if it is gone it stops at
once (exit status 1: its supervisor restarts it as a follower), so two leaders overlap for at most a moment,
and the outbox's per-chat claims (storage/claims.py) keep even that moment from doubling a message.

Followers handle webhook updates too; their replies go to the outbox, and `nudge` tells the leader at once with
NOTIFY on the same connection (the leader LISTENs), instead of at its next 30-second look.
On SQLite there is one process and it always leads (`Solo`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from magbot.storage.claims import LEADER, is_postgres

log = logging.getLogger(__name__)

INTERVAL_S = 3.0
CHANNEL = "magbot_outbox"
# The server drops the session of a leader that vanished without a word after 10 + 3 * 3 = 19 s of silence.
KEEPALIVES = ("SET tcp_keepalives_idle = 10", "SET tcp_keepalives_interval = 3", "SET tcp_keepalives_count = 3")


class LeadershipLost(Exception):
    """The leader's lock connection is gone: another instance may lead by now."""


class Leadership(Protocol):
    leading: bool

    async def lead(self, stop: asyncio.Event) -> bool:
        """Wait until this instance leads (True) or `stop` is set (False)."""
        ...

    async def hold(self, stop: asyncio.Event) -> None:
        """While leading: return when `stop` is set; raise LeadershipLost when the lock may be lost."""
        ...

    def nudge(self) -> None:
        """There is new work in the outbox (tell the leader, if it is another instance)."""
        ...

    def on_nudge(self, callback: Callable[[], None]) -> None: ...

    async def close(self) -> None: ...


class Solo:
    """SQLite: the only process leads from the start."""

    leading = True

    async def lead(self, stop: asyncio.Event) -> bool:
        return not stop.is_set()

    async def hold(self, stop: asyncio.Event) -> None:
        await stop.wait()

    def nudge(self) -> None:
        return None

    def on_nudge(self, callback: Callable[[], None]) -> None:
        return None

    async def close(self) -> None:
        return None


class PgLeadership:
    def __init__(self, url: str, interval: float = INTERVAL_S) -> None:
        self._engine: AsyncEngine = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self._interval = interval
        self._connection: AsyncConnection | None = None
        self._busy = asyncio.Lock()  # one query at a time on the one connection
        self._on_nudge: Callable[[], None] = lambda: None
        self._notifying: asyncio.Task[None] | None = None
        self._again = False
        self.leading = False
        self.tries = 0  # lock attempts made (tests and logs)

    def on_nudge(self, callback: Callable[[], None]) -> None:
        self._on_nudge = callback

    async def _query(self, sql: str) -> Any:
        async with self._busy:
            if self._connection is None:
                self._connection = await self._engine.connect()
                for setting in KEEPALIVES:
                    await self._connection.execute(text(setting))
            return (await self._connection.execute(text(sql))).scalar()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()

    async def lead(self, stop: asyncio.Event) -> bool:
        while not stop.is_set():
            try:
                self.tries += 1
                if await self._query(f"SELECT pg_try_advisory_lock({LEADER}, 1)"):
                    await self._listen()
                    self.leading = True
                    log.info("leader: this instance leads")
                    return True
            except Exception as exc:  # the database is away: keep trying, as a follower
                log.warning("leader: election try failed error=%s", type(exc).__name__)
                await self._drop()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._interval)
        return False

    async def _listen(self) -> None:
        assert self._connection is not None
        raw: Any = (await self._connection.get_raw_connection()).driver_connection
        if hasattr(raw, "add_listener"):  # asyncpg; another driver falls back to the sender's own wake-ups
            await raw.add_listener(CHANNEL, lambda *_: self._on_nudge())

    async def hold(self, stop: asyncio.Event) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._interval)
            if stop.is_set():
                return
            try:
                await asyncio.wait_for(self._query("SELECT 1"), self._interval * 2)
            except Exception as exc:
                self.leading = False
                log.error("leader: the lock's connection is gone error=%s; stopping", type(exc).__name__)
                raise LeadershipLost from None

    def nudge(self) -> None:
        if self.leading:
            return
        self._again = True  # a NOTIFY already on its way may predate this commit: one more follows it
        if self._notifying is None or self._notifying.done():
            self._notifying = asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        while self._again:
            self._again = False
            try:
                await self._query(f"SELECT pg_notify('{CHANNEL}', '')")
            except Exception as exc:  # the leader still looks at the outbox on its own every 30 s
                log.warning("leader: outbox nudge failed error=%s", type(exc).__name__)
                await self._drop()
                return

    async def close(self) -> None:
        if self._notifying is not None:
            with contextlib.suppress(Exception):
                await self._notifying
        await self._drop()  # ending the session frees the lock at once
        await self._engine.dispose()


def leadership_for(url: str) -> Leadership:
    return PgLeadership(url) if is_postgres(url) else Solo()
