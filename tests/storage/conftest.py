"""Storage tests' unit of work: a schema migrated from nothing on the database under test (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from magbot.storage.db import make_engine, session_factory
from magbot.storage.migrate import ensure_schema
from magbot.storage.uow import UnitOfWorkFactory


@pytest.fixture
async def uow(database_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    engine = make_engine(database_url)
    await ensure_schema(engine)
    factory = UnitOfWorkFactory(session_factory(engine))
    yield factory
    await factory.close()
    await engine.dispose()
