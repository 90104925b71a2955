"""Alembic migrations, on SQLite and PostgreSQL: every revision goes down and up again, the whole chain down to
nothing and back, an upgrade from the first release's schema keeps its data, and `magbot run` on an old schema
refuses with the command to run (which then works)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from magbot.core.clock import ManualClock
from magbot.storage.db import make_engine
from magbot.storage.migrate import alembic_config, current_revision, head_revision
from magbot.storage.schema import metadata
from tests.conftest import START, settings_for
from tests.story import console_app, story

ROOT = Path(__file__).resolve().parents[2]


def revisions() -> list[str]:
    """Every revision, first to last."""
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


async def alembic(engine: AsyncEngine, action: str, target: str) -> None:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        getattr(command, action)(config, target)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    return names - {"alembic_version"}


async def test_each_revision_goes_down_and_up_again(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        previous: str | None = None
        for revision in revisions():
            await alembic(engine, "upgrade", revision)
            with_it = await tables(engine)
            await alembic(engine, "downgrade", previous or "base")
            assert await current_revision(engine) == previous
            assert await tables(engine) <= with_it  # the downgrade took away what the revision added
            await alembic(engine, "upgrade", revision)
            assert await current_revision(engine) == revision and await tables(engine) == with_it
            previous = revision
        assert await tables(engine) == set(metadata.tables)  # the head is what the models say
        await alembic(engine, "downgrade", "base")
        assert await tables(engine) == set()
        await alembic(engine, "upgrade", "head")
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


async def test_an_upgrade_from_the_first_schema_keeps_the_group(empty_database_url: str, tmp_path: Path) -> None:
    url = empty_database_url
    async with console_app(settings_for(url, tmp_path), ManualClock(START)) as first:
        await story(first).say("dave: hi", "sam: hi", "dave: /setup", "tom [I'm a member]", "dave: /suggest Rent")
    engine = make_engine(url)
    try:
        # Back to the first release's schema: the later tables go, the data in the first ones stays.
        await alembic(engine, "downgrade", revisions()[0])
        async with engine.connect() as db:
            assert (await db.execute(text("SELECT count(*) FROM members"))).scalar_one() == 3
        await alembic(engine, "upgrade", "head")
    finally:
        await engine.dispose()
    async with console_app(settings_for(url, tmp_path / "again"), ManualClock(START)) as upgraded:
        members = "\n".join(await story(upgraded).say("dave: /members"))
        assert all(name in members for name in ("Dave", "Sam", "Tom")), members
        # The agenda's table came back empty with its revision (Rent went with the downgrade): it works again.
        agenda = "\n".join(await story(upgraded).say("sam: /suggest Bills", "sam: /agenda"))
        assert "1. Bills" in agenda and "Rent" not in agenda, agenda


def magbot(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAGBOT_")}
    env.update(PYTHONPATH=str(ROOT), MAGBOT_DATABASE_URL=url, MAGBOT_DATA_DIR=str(tmp_path / "data"),
               MAGBOT_PLATFORMS="console")
    return subprocess.run([sys.executable, "-m", "magbot", "--config", str(ROOT / "config" / "magbot.toml"), *args],
                          env=env, cwd=tmp_path, input="", capture_output=True, text=True, timeout=60, check=False)


async def test_run_on_an_old_schema_refuses_with_the_command_that_then_works(
    empty_database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(empty_database_url)
    try:
        await alembic(engine, "upgrade", revisions()[0])
    finally:
        await engine.dispose()
    refused = magbot(tmp_path, empty_database_url, "run")
    assert refused.returncode == 3, refused.stderr
    assert f"schema is at {revisions()[0]}" in refused.stderr and "run `magbot migrate`" in refused.stderr
    migrated = magbot(tmp_path, empty_database_url, "migrate")
    assert migrated.returncode == 0 and f"{revisions()[0]} -> {head_revision()}" in migrated.stdout
    assert magbot(tmp_path, empty_database_url, "check").returncode == 0
