"""Schema versions: apply Alembic migrations, and tell whether a database is behind the code."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from magbot.storage.claims import LEADER

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaOutOfDate(Exception):
    """The database is older than the code: run `magbot migrate`."""


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@functools.cache  # the migration files are read once: they do not change while the process runs
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(_current)


async def upgrade(engine: AsyncEngine) -> None:
    """To the head. On PostgreSQL, one instance at a time: several started together on an empty database would
    each create the schema (the others fail on duplicate tables); behind the lock they find it made, a no-op."""
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text(f"SELECT pg_advisory_xact_lock({LEADER}, 2)"))
        await connection.run_sync(_upgrade)


async def ensure_schema(engine: AsyncEngine, *, create_if_empty: bool = True) -> None:
    """A new, empty database is brought to the head; an old one is refused with a clear message."""
    current = await current_revision(engine)
    if current == head_revision():
        return
    if current is None and create_if_empty:
        await upgrade(engine)
        return
    raise SchemaOutOfDate(
        f"The database schema is at {current or 'nothing'} but this magbot needs {head_revision()}. "
        "Back up the database, then run `magbot migrate`."
    )
