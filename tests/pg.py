"""PostgreSQL databases for tests, on the server named by MAGBOT_TEST_PG_URL.

`fresh_database` is a new, empty database (for tests of the first start). `MigratedDatabase` is one database
migrated once per session and emptied before each test that uses it: truncating every table (identities
restarted, so ids begin at 1 again as in a new database) takes a fraction of what creating and migrating a
database, or cloning a template, does.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from magbot.storage.db import make_engine
from magbot.storage.migrate import current_revision, ensure_schema, head_revision

# A test that left a transaction open would otherwise make the next TRUNCATE wait for ever.
LOCK_TIMEOUT = "5s"


def _named(base_url: str, name: str) -> str:
    return base_url.rsplit("/", 1)[0] + f"/{name}"


@contextlib.asynccontextmanager
async def fresh_database(base_url: str) -> AsyncIterator[str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield _named(base_url, name)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def _tables(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
        )
        return sorted(rows.scalars())


class MigratedDatabase:
    """One migrated database for the session; `clean()` empties it for the next test."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.url = _named(base_url, f"t_{uuid.uuid4().hex[:12]}")
        self._truncate = ""

    async def create(self) -> None:
        async with _admin(self.base_url) as admin:
            await admin.execute(text(f'CREATE DATABASE "{self.url.rsplit("/", 1)[1]}"'))
        engine = make_engine(self.url)
        try:
            await ensure_schema(engine)  # the app's own path: Alembic from nothing to the head
            tables = await _tables(engine)
            # Truncation gives a new database only if the migrations put no rows anywhere: check that once.
            async with engine.connect() as connection:
                for table in tables:
                    count = (await connection.execute(text(f'SELECT count(*) FROM "{table}"'))).scalar()
                    assert count == 0, f"migrations seed {table}: truncating would lose those rows"
        finally:
            await engine.dispose()
        self._truncate = "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"

    async def clean(self) -> None:
        """Every table emptied, at the head revision (a test that moved it back fails here, not later)."""
        engine = create_async_engine(self.url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
                await connection.execute(text(self._truncate))
            assert await current_revision(engine) == head_revision()
        finally:
            await engine.dispose()

    async def drop(self) -> None:
        async with _admin(self.base_url) as admin:
            await admin.execute(text(f'DROP DATABASE IF EXISTS "{self.url.rsplit("/", 1)[1]}" WITH (FORCE)'))


@contextlib.asynccontextmanager
async def _admin(base_url: str) -> AsyncIterator[AsyncConnection]:
    engine = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            yield connection
    finally:
        await engine.dispose()
