"""Restarts: a sync replayed after a crash is handled once; a restarted bot keeps its device and decrypts.

The store survives a restart (same device, same fingerprint, no new login on the server) and `magbot matrix-device`
reads that fingerprint from it offline; a lost store is one warning and a new device, a wrong store key a refusal.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from nio import AsyncClient, DevicesResponse

from magbot.app import App
from magbot.config import MatrixSettings, Settings
from magbot.core.dispatch import DispatchResult
from magbot.core.events import Command, Incoming, Text
from magbot.platforms.matrix import MatrixPlatform
from magbot.platforms.matrix.session import MatrixConfigError
from tests.matrix_admin import register_user, unique_localpart
from tests.platforms.matrix.conftest import ENV, Bot, group_with, message_from, set_up
from tests.test_cli import magbot

pytestmark = pytest.mark.skipif(ENV is None, reason="MAGBOT_TEST_HOMESERVER is not set")


def client(bot: Bot) -> AsyncClient:
    assert bot.platform.session.client is not None
    return bot.platform.session.client


async def server_devices(bot: Bot) -> list[str]:
    """The bot account's devices as the homeserver lists them (client API, the bot's own token)."""
    response = await client(bot).devices()
    assert isinstance(response, DevicesResponse), response
    return sorted(d.id for d in response.devices)


def own_key(bot: Bot) -> str:
    """The ed25519 key the bot uploaded, as nio holds it (ungrouped)."""
    olm = client(bot).olm
    assert olm is not None
    return str(olm.account.identity_keys["ed25519"])


def device_cli(bot: Bot, tmp_path: Path) -> Any:
    m = bot.settings.matrix
    env = {"MAGBOT_PLATFORMS": "matrix", "MAGBOT_DATABASE_URL": bot.settings.database_url}
    env |= {"MAGBOT_DATA_DIR": bot.settings.data_dir, "MAGBOT_MATRIX_HOMESERVER": m.homeserver}
    env |= {"MAGBOT_MATRIX_USER_ID": m.user_id, "MAGBOT_MATRIX_STORE_KEY": m.store_key}
    return magbot(tmp_path, "matrix-device", env_extra=env)  # no password, no token: it cannot log in


async def test_a_replayed_sync_is_handled_once_and_a_restarted_bot_still_decrypts(
    bot: Bot, make_member: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    alice = await make_member("Alice")
    room = await group_with(bot, alice)
    await set_up(bot, alice, room)
    await bot.step()
    before = await bot.platform.state.next_batch()
    device, key, devices = client(bot).device_id, own_key(bot), await server_devices(bot)
    assert device in devices

    mark = alice.mark()
    await alice.send(room, "/members")
    await bot.until(alice, message_from(bot.user_id, room, "1 member"), "the member list", mark)

    # The process dies after dispatching but before saving next_batch: the next start gets the same events.
    await bot.platform.state.save_next_batch(before)
    caplog.set_level(logging.INFO, logger="magbot.platforms.matrix.session")
    await bot.restart()
    await bot.step()
    grouped = " ".join(key[i : i + 4] for i in range(0, len(key), 4))
    started = [r.getMessage() for r in caplog.records if "matrix logged in" in r.getMessage()]
    assert started == [f"matrix logged in device={device} fingerprint={grouped}"]
    assert bot.settings.matrix.password not in caplog.text and client(bot).access_token not in caplog.text
    seen = zip(bot.seen, bot.results, strict=True)
    members = [(i, r) for i, r in seen if isinstance(i, Command) and i.name == "members"]
    assert len(members) == 2 and members[0][0].key == members[1][0].key
    assert not members[0][1].duplicate and members[1][1].duplicate
    await alice.sync()
    assert [t for t in alice.texts(room, bot.user_id, mark) if "1 member" in t] == ["1 member:\n- Alice"]

    # Same device, same keys, no new login on the server: the new client decrypts new messages, and Alice
    # decrypts its answers.
    assert (client(bot).device_id, own_key(bot), await server_devices(bot)) == (device, key, devices)
    mark = alice.mark()
    await alice.send(room, "!help")
    answer = await bot.until(alice, message_from(bot.user_id, room, "/members - who is in the group"), "help", mark)
    assert answer.decrypted
    assert [i.name for i in bot.seen if isinstance(i, Command)][-1] == "help"

    # What an operator reads out to a member verifying the bot in Element, from that store, offline.
    shown = device_cli(bot, tmp_path)
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert shown.stdout == f"user: {bot.user_id}\ndevice: {device}\nfingerprint: {grouped}\n"
    assert await server_devices(bot) == devices  # the command logged nothing in


async def test_a_lost_store_is_one_warning_and_a_new_device_that_reads_the_room(
    bot: Bot, make_member: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    alice = await make_member("Alice")
    room = await group_with(bot, alice)
    await set_up(bot, alice, room)
    old, old_key = client(bot).device_id, own_key(bot)
    await bot.platform.close()
    shutil.rmtree(bot.platform.session.store_path)  # the disk lost without a backup
    missing = device_cli(bot, tmp_path)
    assert missing.returncode == 1 and f"device {old} has no encryption store" in missing.stderr

    caplog.set_level(logging.INFO, logger="magbot.platforms.matrix")
    await bot.restart()
    await bot.step()
    new = client(bot).device_id
    assert new != old and own_key(bot) != old_key
    assert (await bot.platform.state.session() or {})["device_id"] == new
    warned = [r for r in caplog.records if r.levelno >= logging.WARNING and "store" in r.getMessage()]
    assert [r.getMessage() for r in warned] == [
        f"matrix the encryption store for device {old} is missing from {bot.platform.session.store_path}; "
        "logging in as a new device (messages sent to the old one cannot be read)"
    ]
    # Alice's app learns the new device and encrypts for it: the bot reads her and answers.
    mark = alice.mark()
    await alice.sync()  # the device-list change reaches her, and her client queries the new keys
    await alice.send(room, "!members")
    answer = await bot.until(alice, message_from(bot.user_id, room, "1 member"), "the member list", mark)
    assert answer.decrypted

    # A second start on the new store is quiet: the warning came once.
    await bot.restart()
    await bot.step()
    assert client(bot).device_id == new and len([r for r in caplog.records if "is missing" in r.getMessage()]) == 1


async def test_a_store_that_cannot_be_opened_or_a_token_for_a_lost_device_is_refused(bot: Bot) -> None:
    device, token = client(bot).device_id, client(bot).access_token
    store = bot.platform.session.store_path
    await bot.platform.close()
    wrong_key = replace(bot.settings.matrix, store_key="another-key")
    token_only = replace(bot.settings.matrix, password="", access_token=token)
    for settings, words in (
        (wrong_key, "MAGBOT_MATRIX_STORE_KEY is not the key it was made with"),
        (token_only, "set MAGBOT_MATRIX_ACCESS_TOKEN to a token for a new device"),
    ):
        if settings is token_only:
            shutil.rmtree(store)
        platform = MatrixPlatform(settings, bot.app.uow, bot.settings.data_dir)
        with pytest.raises(MatrixConfigError, match=words):
            await platform.start()
        await platform.close()
    assert (await bot.platform.state.session() or {})["device_id"] == device  # nothing was replaced


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
        await app.uow.close()
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
