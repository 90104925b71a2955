"""Restarts: a sync replayed after a crash is handled once; a restarted bot keeps its device and decrypts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from magbot.app import App
from magbot.config import MatrixSettings, Settings
from magbot.core.dispatch import DispatchResult
from magbot.core.events import Command, Incoming, Text
from magbot.platforms.matrix import MatrixPlatform
from tests.matrix_admin import register_user, unique_localpart
from tests.platforms.matrix.conftest import ENV, Bot, group_with, message_from, set_up

pytestmark = pytest.mark.skipif(ENV is None, reason="MAGBOT_TEST_HOMESERVER is not set")


async def test_a_replayed_sync_is_handled_once_and_a_restarted_bot_still_decrypts(bot: Bot, make_member: Any) -> None:
    alice = await make_member("Alice")
    room = await group_with(bot, alice)
    await set_up(bot, alice, room)
    await bot.step()
    before = await bot.platform.state.next_batch()
    device = bot.platform.session.client.device_id

    mark = alice.mark()
    await alice.send(room, "/members")
    await bot.until(alice, message_from(bot.user_id, room, "1 member"), "the member list", mark)

    # The process dies after dispatching but before saving next_batch: the next start gets the same events.
    await bot.platform.state.save_next_batch(before)
    await bot.restart()
    await bot.step()
    seen = zip(bot.seen, bot.results, strict=True)
    members = [(i, r) for i, r in seen if isinstance(i, Command) and i.name == "members"]
    assert len(members) == 2 and members[0][0].key == members[1][0].key
    assert not members[0][1].duplicate and members[1][1].duplicate
    await alice.sync()
    assert [t for t in alice.texts(room, bot.user_id, mark) if "1 member" in t] == ["1 member:\n- Alice"]

    # Same device, same keys: the new client decrypts new messages, and Alice decrypts its answers.
    assert bot.platform.session.client.device_id == device
    mark = alice.mark()
    await alice.send(room, "!help")
    answer = await bot.until(alice, message_from(bot.user_id, room, "/members - who is in the group"), "help", mark)
    assert answer.decrypted
    assert [i.name for i in bot.seen if isinstance(i, Command)][-1] == "help"


async def test_an_access_token_login_uses_that_device(homeserver: tuple[str, str], tmp_path: Path) -> None:
    hs, secret = homeserver
    user = await register_user(hs, secret, unique_localpart("tokenbot"), "unused-password")
    settings = MatrixSettings(homeserver=hs, user_id=user.user_id, access_token=user.access_token, store_key="k")
    database = f"sqlite+aiosqlite:///{tmp_path}/t.db"
    app = App(Settings(platforms=("matrix",), data_dir=str(tmp_path), database_url=database))
    await app.prepare()
    platform = MatrixPlatform(settings, app.uow, str(tmp_path))
    try:
        await platform.start()
        assert platform.session.client.device_id == user.device_id
        assert (await platform.state.session())["device_id"] == user.device_id
        assert (await platform.check()).startswith(f"matrix: ok, {user.user_id} device {user.device_id}")
    finally:
        await platform.close()
        await app.engine.dispose()


async def test_a_round_that_failed_halfway_is_replayed_by_the_same_client(bot: Bot, make_member: Any) -> None:
    alice = await make_member("Alice")
    room = await group_with(bot, alice)
    await set_up(bot, alice, room)
    await bot.step()
    for word in ("one", "two", "three"):
        await alice.send(room, word)
    calls = 0

    async def failing(incoming: Incoming) -> DispatchResult:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ConnectionError("the database went away")
        return await bot.dispatch(incoming)

    with pytest.raises(ConnectionError):
        await bot.platform.sync_once(failing)
    await bot.step()
    handled = [(i.text, r.duplicate) for i, r in zip(bot.seen, bot.results, strict=True) if isinstance(i, Text)]
    assert handled == [("one", False), ("one", True), ("two", False), ("three", False)]
