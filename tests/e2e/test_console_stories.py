"""Every member story piped through the console: the transcript is the product, and it must be the same on
SQLite and PostgreSQL.

Each story is played twice in all, once per database, and each play checks everything it can see:
- on SQLite, every event is dispatched twice (platforms redeliver: the second must change nothing), every
  scheduled post ran at its own moment (none skipped, none late), and the logs, down to DEBUG, hold none of
  the members' names or private words;
- on PostgreSQL, the plain play, and the same log check.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from magbot.core.clock import as_utc
from magbot.core.dispatch import Dispatcher
from magbot.storage.db import make_engine
from magbot.storage.models import ScheduledRow
from tests.conftest import sqlite_url
from tests.pg import MigratedDatabase
from tests.story import STORIES, defaults_for, play_story

NAMES = sorted(path.stem for path in STORIES.glob("*.txt"))
MEMBERS = ("Dave", "Sam", "Tom", "Kev", "Mike")
PRIVATE_WORDS = (  # what the support stories' members write in check-ins, offloads and replies
    "long week but okay", "court date", "hang in there", "drinking again", "call me any time", "thanks, I might",
    "proud of you", "son won't speak", "still thinking of you",
)  # fmt: skip


def assert_logs_hold_no_words_or_names(caplog: pytest.LogCaptureFixture) -> None:
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "event kind=" in logged  # the capture did see the story
    assert [words for words in (*PRIVATE_WORDS, *MEMBERS) if words in logged] == []


async def scheduled_rows_that_ran_wrong(url: str) -> tuple[list[str], list[str]]:
    """(skipped, late): keys of scheduled rows that were skipped, or ran at another time than their due time."""
    engine = make_engine(url)
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(ScheduledRow.key, ScheduledRow.status, ScheduledRow.due_at, ScheduledRow.done_at)
            )
        ).all()
    await engine.dispose()
    assert [row for row in rows if row.status != "pending"], "the story moved time past nothing scheduled"
    skipped = [row.key for row in rows if row.status == "skipped"]
    late = [row.key for row in rows if row.status == "done" and as_utc(row.done_at) != as_utc(row.due_at)]
    return skipped, late


@pytest.mark.parametrize("name", NAMES)
async def test_story_on_sqlite_with_every_event_delivered_twice(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Redelivered events change nothing; moving the console's clock by days runs what falls due on the way,
    each at its due time, none skipped; nothing private is logged."""
    dispatch = Dispatcher.dispatch

    async def twice(self, incoming):  # type: ignore[no-untyped-def]
        first = await dispatch(self, incoming)
        again = await dispatch(self, incoming)
        assert again.duplicate and not again.messages
        return first

    monkeypatch.setattr(Dispatcher, "dispatch", twice)
    url = sqlite_url(tmp_path)
    with caplog.at_level(logging.DEBUG, logger="magbot"):
        transcript = await play_story(name, url, tmp_path, defaults_for(name))
    assert transcript == (STORIES / f"{name}.expected").read_text()
    assert await scheduled_rows_that_ran_wrong(url) == ([], [])
    assert_logs_hold_no_words_or_names(caplog)


@pytest.mark.postgres
@pytest.mark.parametrize("name", NAMES)
async def test_story_on_postgresql_matches_its_transcript(
    name: str, postgres_migrated: MigratedDatabase, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await postgres_migrated.clean()
    with caplog.at_level(logging.DEBUG, logger="magbot"):
        transcript = await play_story(name, postgres_migrated.url, tmp_path, defaults_for(name))
    assert transcript == (STORIES / f"{name}.expected").read_text()
    assert_logs_hold_no_words_or_names(caplog)
