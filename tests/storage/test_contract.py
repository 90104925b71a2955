"""The storage contract, run on SQLite and (with MAGBOT_TEST_PG_URL) PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from magbot.core.events import ChatRef, Post
from magbot.core.records import CardPlace, PendingInput
from magbot.storage.db import make_engine
from magbot.storage.migrate import SchemaOutOfDate, current_revision, ensure_schema, head_revision
from magbot.storage.uow import UnitOfWorkFactory

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def test_schema_is_at_head_after_first_start(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    assert await current_revision(engine) is None  # nothing there yet: this start migrates
    await ensure_schema(engine)
    assert await current_revision(engine) == head_revision()
    await engine.dispose()


async def test_an_old_schema_is_refused_with_advice(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    await ensure_schema(engine)
    from sqlalchemy import text

    async with engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(SchemaOutOfDate, match="magbot migrate"):
        await ensure_schema(engine)
    await engine.dispose()


async def test_an_event_key_is_claimed_once_even_by_racing_transactions(uow: UnitOfWorkFactory) -> None:
    async def claim() -> bool:
        async with uow() as u:
            return await u.events.claim("tg:1:2", NOW)

    results = await asyncio.gather(*(claim() for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]


async def test_a_rolled_back_claim_can_be_claimed_again(uow: UnitOfWorkFactory) -> None:
    with pytest.raises(RuntimeError):
        async with uow() as u:
            await u.events.claim("k", NOW)
            raise RuntimeError("handler failed")
    async with uow() as u:
        assert await u.events.claim("k", NOW)


async def test_outbox_keeps_order_per_chat_and_times_round_trip_as_utc(uow: UnitOfWorkFactory) -> None:
    chat = ChatRef("telegram", "-100")
    async with uow() as u:
        await u.outbox.add([Post(chat, "one"), Post(chat, "two")], NOW)
    async with uow() as u:
        head = await u.outbox.head("telegram", "-100")
        assert head is not None and head.message == Post(chat, "one")
        await u.outbox.retry_later(head.id, NOW + timedelta(seconds=5))
        assert await u.outbox.pending_chats("telegram", NOW) == []
        assert await u.outbox.next_due("telegram") == NOW + timedelta(seconds=5)
        await u.outbox.done(head.id)
    async with uow() as u:
        head = await u.outbox.head("telegram", "-100")
        assert head is not None and head.message == Post(chat, "two")


async def test_schedule_plans_a_key_once_and_finishes_it_once(uow: UnitOfWorkFactory) -> None:
    async with uow() as u:
        assert await u.schedule.plan("reminder:1:2026-11-26:1d", "reminder", NOW, group_id=None)
        assert not await u.schedule.plan("reminder:1:2026-11-26:1d", "reminder", NOW + timedelta(hours=1))
    async with uow() as u:
        [job] = await u.schedule.due(NOW)
        assert job.due_at == NOW
        assert await u.schedule.finish(job.id, "done", NOW)
        assert not await u.schedule.finish(job.id, "done", NOW)


async def test_pending_input_expires_and_cards_are_found(uow: UnitOfWorkFactory) -> None:
    async with uow() as u:
        group = await u.groups.create("console", "group", {}, NOW)
        member = await u.members.add(group.id, "dave", "Dave", founding=True, now=NOW)
        await u.pending.put(member.id, "group", PendingInput("poll", "question", {"a": 1}), NOW + timedelta(minutes=5))
        await u.cards.remember("console", "group", "setup:1", CardPlace("42", None), NOW)
    async with uow() as u:
        assert await u.pending.get(member.id, "group", NOW) == PendingInput("poll", "question", {"a": 1})
        assert await u.pending.get(member.id, "group", NOW + timedelta(minutes=6)) is None
        assert await u.cards.find("console", "group", "setup:1") == CardPlace("42", None)
        assert await u.cards.find_by_message("console", "group", "42") == "setup:1"


async def test_outbox_ids_are_never_reused_after_delivery(uow: UnitOfWorkFactory) -> None:
    """Matrix txn ids derive from outbox ids: a reused id would make the homeserver drop a new message."""
    chat = ChatRef("matrix", "!room")
    async with uow() as u:
        await u.outbox.add([Post(chat, "one")], NOW)
        first = await u.outbox.head("matrix", "!room")
        assert first is not None
        await u.outbox.done(first.id)
    async with uow() as u:
        await u.outbox.add([Post(chat, "two")], NOW)
        second = await u.outbox.head("matrix", "!room")
        assert second is not None and second.id > first.id
