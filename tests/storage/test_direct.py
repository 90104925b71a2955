"""The hot statements run straight on SQLite's driver (storage/direct.py) give what SQLAlchemy gives for them:
the same rows, converted the same way (aware UTC times, booleans), the same row counts, inside the unit of
work's transaction. On PostgreSQL they go through SQLAlchemy, and the same checks hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncSession

from magbot.core.events import ChatRef, Post
from magbot.core.records import PendingInput
from magbot.storage import hot
from magbot.storage.direct import Direct
from magbot.storage.outbox_repo import _values
from magbot.storage.uow import UnitOfWork, UnitOfWorkFactory

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)


async def through_sqlalchemy(u: UnitOfWork, statement: Direct, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in await u.session.execute(statement._through_sqlalchemy(u.session), params)]


async def seed(uow: UnitOfWorkFactory) -> tuple[int, int]:
    async with uow() as u:
        group = await u.groups.create("telegram", "-100", {"zone": "Europe/London"}, NOW)
        member = await u.members.add(group.id, "7", "Dave", founding=True, now=NOW)
        await u.members.add(group.id, "8", "Sam", founding=False, now=NOW + timedelta(minutes=1))
        await u.pending.put(member.id, "-100", PendingInput("checkin", "mood", {"said": "ok"}), LATER)
        await u.pending.put(member.id, "7", PendingInput("offload", "text", {}), LATER)
    return group.id, member.id


async def test_the_speakers_rows_match_sqlalchemys_with_the_same_types(uow: UnitOfWorkFactory) -> None:
    group_id, _ = await seed(uow)
    cases = [
        (hot.SPEAKER, {"platform": "telegram", "chat_id": "-100", "user_id": "7"}),
        (hot.SPEAKER, {"platform": "telegram", "chat_id": "-100", "user_id": "99"}),  # a stranger: outer joins
        (hot.FIRST_MEMBERSHIP, {"platform": "telegram", "user_id": "7"}),  # LIMIT's own values
        (hot.FIRST_MEMBERSHIP, {"platform": "matrix", "user_id": "7"}),
        (hot.GROUP_MEMBERS, {"group_id": group_id}),
    ]
    async with uow() as u:
        for statement, params in cases:
            direct = await statement.rows(u.session, params)
            assert direct == await through_sqlalchemy(u, statement, params)
            assert [[type(value) for value in row] for row in direct] == [
                [type(value) for value in row] for row in await through_sqlalchemy(u, statement, params)
            ]
        (row,) = await hot.SPEAKER.rows(u.session, cases[0][1])
        member = hot.part(row, hot.MEMBER_AT, hot.MEMBER_COLUMNS)
        pending = hot.part(row, hot.PENDING_AT, hot.PENDING_COLUMNS)
        assert member is not None and member["founding"] is True and member["dm_open"] is False
        assert member["joined_at"] == NOW and member["joined_at"].tzinfo is UTC
        assert pending is not None and pending["expires_at"] == LATER and pending["flow"] == "checkin"
        (stranger,) = await hot.SPEAKER.rows(u.session, cases[1][1])
        assert hot.part(stranger, hot.MEMBER_AT, hot.MEMBER_COLUMNS) is None
        assert [name for _, _, _, name, *_ in await hot.GROUP_MEMBERS.rows(u.session, cases[4][1])] == ["Dave", "Sam"]


async def test_writes_count_their_rows_and_go_with_the_transaction(uow: UnitOfWorkFactory) -> None:
    _, member_id = await seed(uow)
    chat = ChatRef("telegram", "-100")
    place = dict(platform="telegram", chat_id="-100", message_id="5", thread_id=None, card=None, created_at=NOW)
    async with uow() as u:
        assert await hot.CLAIM.run(u.session, {"key_hash": "a" * 64, "processed_at": NOW}) == 1
        assert await hot.CLAIM.run(u.session, {"key_hash": "a" * 64, "processed_at": NOW}) == 0
        rows = [_values(Post(chat, text), NOW, urgent=n == 0) for n, text in enumerate(["one", "two"])]
        await hot.OUTBOX_INSERT.run_many(u.session, rows)
        queued = await hot.OUTBOX_CHAT.rows(u.session, {"platform": "telegram", "chat_id": "-100"})
        assert queued == await through_sqlalchemy(u, hot.OUTBOX_CHAT, {"platform": "telegram", "chat_id": "-100"})
        assert [urgent for _, urgent, *_ in queued] == [True, False]
        assert queued[0][4] == NOW and queued[0][4].tzinfo is UTC
        assert await hot.OUTBOX_DONE.run(u.session, {"outbox_id": queued[0][0]}) == 1
        assert await hot.OUTBOX_DONE.run(u.session, {"outbox_id": queued[0][0]}) == 0
        assert await hot.MEMBER_POST_KEPT.run(u.session, {"member_id": member_id, **place}) == 1
        assert await hot.MEMBER_POST_KEPT.run(u.session, {"member_id": member_id + 100, **place}) == 0
    with pytest.raises(RuntimeError):
        async with uow() as u:
            assert await hot.CLAIM.run(u.session, {"key_hash": "b" * 64, "processed_at": NOW}) == 1
            await u.outbox.add([Post(chat, "three")], NOW)
            raise RuntimeError("rolled back")
    async with uow() as u:
        assert await hot.CLAIM.run(u.session, {"key_hash": "b" * 64, "processed_at": NOW}) == 1
        head = await u.outbox.head("telegram", "-100")
        assert head is not None and head.message == Post(chat, "two") and not head.more
        assert [post.place.message_id for post in await u.member_posts.of_member(member_id)] == ["5"]


async def test_on_a_sqlite_file_they_run_on_the_driver_not_through_sqlalchemy(
    uow: UnitOfWorkFactory, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's statements go through SQLAlchemy")
    await seed(uow)
    seen: list[str] = []
    engine = uow.sessions.kw["bind"]
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    async with uow() as u:
        speaker = await u.groups.speaker("telegram", "-100", "7")
        assert speaker[1] is not None and speaker[1].name == "Dave"
        assert await u.events.claim("tg:1:2", NOW)
    assert seen == []


def test_a_statement_whose_defaults_it_would_have_to_fill_is_refused() -> None:
    from sqlalchemy.dialects import sqlite

    with pytest.raises(TypeError, match="every value"):
        Direct(insert(hot.OUTBOX), column_keys=["platform", "chat_id", "payload"]).compiled(sqlite.dialect())


async def test_a_unit_of_work_of_hot_statements_begins_and_commits_on_the_driver_alone(
    uow: UnitOfWorkFactory, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("on PostgreSQL the session begins every unit of work")
    begins: list[object] = []
    engine = uow.sessions.kw["bind"]
    event.listen(engine.sync_engine, "begin", lambda connection: begins.append(connection))
    made: list[AsyncSession] = []
    init = AsyncSession.__init__

    def counted(session: AsyncSession, *args: Any, **kwargs: Any) -> None:
        made.append(session)
        init(session, *args, **kwargs)

    monkeypatch.setattr(AsyncSession, "__init__", counted)
    async with uow() as u:
        assert await u.events.claim("tg:1:2", NOW)
        assert (await u.groups.speaker("telegram", "-100", "7"))[0] is None
    assert begins == [] and made == []  # no session was even made
    async with uow() as u:
        await u.state.put("tg:offset", "5")  # a statement through the session: made, and joined in
    assert len(made) == 1
    async with uow() as u:
        assert not await u.events.claim("tg:1:2", NOW)  # committed


async def test_the_session_joins_the_hot_statements_transaction_and_both_commit_or_neither(
    uow: UnitOfWorkFactory,
) -> None:
    async with uow() as u:
        assert await u.events.claim("tg:1:1", NOW)  # on the driver
        await u.state.put("tg:offset", "5")  # through the session, in the same transaction
    with pytest.raises(RuntimeError):
        async with uow() as u:
            assert await u.events.claim("tg:1:2", NOW)
            await u.state.put("tg:offset", "6")
            raise RuntimeError("the handler failed")
    async with uow() as u:
        assert await u.state.get("tg:offset") == "5"
        assert not await u.events.claim("tg:1:1", NOW) and await u.events.claim("tg:1:2", NOW)
        await u.state.put("tg:offset", "7")
        assert await u.events.claim("tg:1:3", NOW)  # after the session joined: still the one transaction
    async with uow() as u:
        assert await u.state.get("tg:offset") == "7" and not await u.events.claim("tg:1:3", NOW)
