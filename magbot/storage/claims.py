"""Claims that let several magbot processes share one PostgreSQL without doing the same work twice.

A chat's outbox queue is drained by one sender at a time: `ChatClaims.hold` takes a transaction-scoped
advisory lock on the chat on a connection of its own, with `pg_try_advisory_xact_lock`, and keeps it for the
whole drain; a second sender (by mistake, or an old leader that has not noticed it lost) skips that chat
instead of sending its head message again. A lock on the outbox row itself would have to be held by the
transaction that deletes it, that is a transaction open across the network call, which on SQLite would stop
every other writer. On SQLite there is one process (see magbot/ops/single.py), so every claim is granted.

The key spaces (the two-int form of the advisory lock functions): LEADER for the leader's session lock
(magbot/ops/leader.py), OUTBOX_CHAT for a chat's queue, INCOMING_CHAT for a chat's incoming updates (taken by
the dispatcher, so one chat's updates are handled one at a time whichever instance received them).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

LEADER = 0x6D61  # "ma"
OUTBOX_CHAT = 0x6D62
INCOMING_CHAT = 0x6D63
TRY_CHAT_LOCK = text("SELECT pg_try_advisory_xact_lock(:space, hashtext(:chat))")
CHAT_LOCK = text("SELECT pg_advisory_xact_lock(:space, hashtext(:chat))")


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


class ChatClaims:
    """`async with claims.hold(platform, chat_id) as mine:` mine is False when another sender holds the chat."""

    def __init__(self, url: str, size: int = 16) -> None:
        # Their own small pool: a claim holds its connection for the whole drain of a chat, and must never
        # starve the work of the drain (which uses the main pool) of connections.
        self._engine: AsyncEngine | None = (
            create_async_engine(url, pool_size=size, max_overflow=4, pool_pre_ping=True) if is_postgres(url) else None
        )

    @contextlib.asynccontextmanager
    async def hold(self, platform: str, chat_id: str) -> AsyncIterator[bool]:
        if self._engine is None:
            yield True
            return
        async with self._engine.connect() as connection, connection.begin():
            params = {"space": OUTBOX_CHAT, "chat": f"{platform}:{chat_id}"}
            mine = bool((await connection.execute(TRY_CHAT_LOCK, params)).scalar())
            yield mine  # the lock ends with the transaction (rolled back: it wrote nothing)

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
