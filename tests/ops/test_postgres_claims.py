"""Several instances on one PostgreSQL: one leader by advisory lock, and no message sent twice even by two senders.

In-process, on the shared test server: two `PgLeadership`s on one database, and two outbox senders draining one
outbox at once. The process-level failover (SIGKILL of the leader) is in test_failover.py.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from bench.faults_session import until
from magbot.core.clock import ManualClock
from magbot.core.delivery import Places, RatePolicy
from magbot.core.events import ChatRef, Outgoing, Post
from magbot.core.records import CardPlace
from magbot.core.sender import OutboxSender
from magbot.ops.leader import LeadershipLost, PgLeadership
from magbot.storage.claims import ChatClaims
from magbot.storage.db import make_engine, session_factory
from magbot.storage.uow import UnitOfWorkFactory
from tests.conftest import PG_URL
from tests.pg import MigratedDatabase

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not PG_URL, reason="MAGBOT_TEST_PG_URL is not set")]
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
LIMIT_S = 20.0


@pytest.fixture
async def pg_url(postgres_migrated: MigratedDatabase) -> str:
    await postgres_migrated.clean()
    return postgres_migrated.url


async def test_one_leader_at_a_time_and_the_next_takes_over_when_it_goes(pg_url: str) -> None:
    first, second = PgLeadership(pg_url, interval=0.05), PgLeadership(pg_url, interval=0.05)
    stop = asyncio.Event()
    try:
        assert await first.lead(stop) and first.leading
        nudged = asyncio.Event()
        first.on_nudge(nudged.set)
        waiting = asyncio.create_task(second.lead(stop))
        assert await until(lambda: second.tries >= 3, LIMIT_S)  # it asked three times, and was told no each time
        assert not second.leading and not waiting.done()
        second.nudge()  # a follower handled an update: the leader hears it at once
        await asyncio.wait_for(nudged.wait(), LIMIT_S)
        await first.close()  # the leader's session ends: the lock is free
        assert await asyncio.wait_for(waiting, LIMIT_S) and second.leading
    finally:
        stop.set()
        await first.close()
        await second.close()


async def test_a_leader_whose_connection_is_cut_stops_leading(pg_url: str) -> None:
    leader, stop = PgLeadership(pg_url, interval=0.05), asyncio.Event()
    admin = make_engine(pg_url)
    try:
        assert await leader.lead(stop)
        holding = asyncio.create_task(leader.hold(stop))
        async with admin.begin() as db:  # as when PostgreSQL restarts, or a network drops the session
            # Only this test's database: the server is shared, and other runs' bots hold advisory locks too.
            await db.execute(text("SELECT pg_terminate_backend(pid) FROM pg_locks "
                                  "WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid() "
                                  "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"))
        with pytest.raises(LeadershipLost):
            await asyncio.wait_for(holding, LIMIT_S)
        assert not leader.leading
    finally:
        stop.set()
        await leader.close()
        await admin.dispose()


class SlowSender:
    """Records every send; the first send waits for `release`, so its drain is mid-send while the other flushes."""

    def __init__(self, name: str, sent: list[tuple[str, int]], release: asyncio.Event) -> None:
        self.platform, self.rate = "console", RatePolicy()
        self._name, self._sent, self._release = name, sent, release
        self.started = asyncio.Event()

    async def send(self, outbox_id: int, message: Outgoing, places: Places) -> CardPlace | None:
        self.started.set()
        await self._release.wait()
        self._sent.append((self._name, outbox_id))
        return None


@contextlib.asynccontextmanager
async def two_senders(url: str, claimed: bool) -> AsyncIterator[tuple[UnitOfWorkFactory, list[OutboxSender],
                                                                    list[SlowSender], asyncio.Event, list]]:
    engine = make_engine(url)
    uow, sent, release = UnitOfWorkFactory(session_factory(engine)), [], asyncio.Event()
    claims = [ChatClaims(url), ChatClaims(url)] if claimed else [None, None]
    scripted = [SlowSender("a", sent, release), SlowSender("b", sent, release)]
    senders = [OutboxSender(uow, ManualClock(NOW), [s], c) for s, c in zip(scripted, claims, strict=True)]
    try:
        yield uow, senders, scripted, release, sent
    finally:
        for claim in claims:
            if claim is not None:
                await claim.close()
        await engine.dispose()


async def run_two_senders_at_once(url: str, claimed: bool) -> list[tuple[str, int]]:
    async with two_senders(url, claimed) as (uow, senders, scripted, release, sent):
        async with uow() as work:
            chats = [ChatRef("console", f"-100{n}") for n in range(3)]
            await work.outbox.add([Post(chat, f"message {i}") for i in range(4) for chat in chats], NOW)
        first = asyncio.create_task(senders[0].flush())
        await asyncio.wait_for(scripted[0].started.wait(), LIMIT_S)  # a is sending every chat's head now
        second = asyncio.create_task(senders[1].flush())  # b, by mistake, drains the same outbox meanwhile
        await asyncio.sleep(0)  # (a scheduling point, not a wait for time: b starts its flush)
        await until(lambda: scripted[1].started.is_set() or second.done(), 2.0)
        release.set()
        await asyncio.wait_for(asyncio.gather(first, second), LIMIT_S)
        await asyncio.wait_for(senders[1].flush(), LIMIT_S)  # what b skipped while a held it, b may send now
        await asyncio.wait_for(senders[0].flush(), LIMIT_S)
        async with uow() as work:
            assert await work.outbox.ids() == set()
        return sent


async def test_two_senders_on_one_outbox_send_each_message_once(pg_url: str) -> None:
    sent = await run_two_senders_at_once(pg_url, claimed=True)
    ids = [outbox_id for _, outbox_id in sent]
    assert len(ids) == 12 and len(set(ids)) == 12, sent


async def test_without_the_claims_two_senders_double_messages(pg_url: str) -> None:
    # The same run without the per-chat claims: what the claims prevent does happen (the test above can fail).
    sent = await run_two_senders_at_once(pg_url, claimed=False)
    ids = [outbox_id for _, outbox_id in sent]
    assert len(ids) > len(set(ids)), sent


async def test_a_scheduled_row_another_scheduler_is_running_is_passed_over_not_waited_for(pg_url: str) -> None:
    engine = make_engine(pg_url)
    uow = UnitOfWorkFactory(session_factory(engine))
    try:
        async with uow() as work:
            await work.schedule.plan("bench:1", "noop", NOW)
            (job,) = await work.schedule.due(NOW)
        async with uow() as first:
            assert await first.schedule.finish(job.id, "done", NOW)  # running it: the row is locked until commit
            async with uow() as second:  # another scheduler meanwhile: told at once that it is taken
                assert await asyncio.wait_for(second.schedule.finish(job.id, "done", NOW), 5) is False
        async with uow() as third:
            assert await third.schedule.finish(job.id, "done", NOW) is False  # and after the commit: done
    finally:
        await engine.dispose()
