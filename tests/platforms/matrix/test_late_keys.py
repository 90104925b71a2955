"""Late keys (issue 17): a member's client shares its megolm session with the bot's device only after his
message came. The bot keeps the event (id and room only), and when the key arrives handles the command once;
without a key, after a while, the member is told privately that one of his messages could not be read.

The member is a real nio client on the real Synapse. To share late, as a slow or new client does, he keeps
the new session's key from before its first message, leaves the bot's device out of the first share
(blacklisted), and later sends that key to the bot's device alone as an olm-encrypted `m.room_key`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from nio import ToDeviceMessage

from magbot.platforms.matrix.late_keys import PATIENCE, PREFIX, UNREADABLE
from tests.platforms.matrix.conftest import ENV, Bot, Member, group_with, message_from, set_up

pytestmark = pytest.mark.skipif(ENV is None, reason="MAGBOT_TEST_HOMESERVER is not set")


async def send_without_the_bot(member: Member, bot: Bot, room: str, text: str) -> dict[str, str]:
    """`text`, encrypted in a new session the bot's device is left out of; returns that session's m.room_key."""
    olm = member.c.olm
    assert olm is not None
    if member.c.should_query_keys:
        await member.c.keys_query()
    device = member.c.device_store[bot.user_id][bot.platform.session.client.device_id]  # type: ignore[union-attr]
    olm.create_outbound_group_session(room)
    session = olm.outbound_group_sessions[room]
    key = {"algorithm": "m.megolm.v1.aes-sha2", "room_id": room, "session_id": session.id}
    key["session_key"] = session.session_key  # before its first message: index 0, so it opens that message
    member.c.blacklist_device(device)
    await member.send(room, text)
    member.c.unblacklist_device(device)
    return key


async def share_late(member: Member, bot: Bot, key: dict[str, str]) -> None:
    client = bot.platform.session.client
    assert client is not None and member.c.olm is not None
    device = member.c.device_store[bot.user_id][client.device_id]
    if member.c.olm.session_store.get(device.curve25519) is None:
        await member.c.keys_claim({bot.user_id: [device.id]})
    olm_session = member.c.olm.session_store.get(device.curve25519)
    payload = member.c.olm._olm_encrypt(olm_session, device, "m.room_key", key)
    response = await member.c.to_device(ToDeviceMessage("m.room.encrypted", bot.user_id, device.id, payload))
    assert not hasattr(response, "status_code") or response.status_code is None, response


async def kept(bot: Bot) -> list[str]:
    async with bot.app.uow() as u:
        return await u.state.keys(PREFIX)


async def test_a_command_whose_key_comes_late_is_handled_once(bot: Bot, make_member: Any) -> None:
    dave, sam = await make_member("Dave"), await make_member("Sam")
    room = await group_with(bot, dave, sam)
    await set_up(bot, dave, room)
    mark = dave.mark()
    key = await send_without_the_bot(dave, bot, room, "/members")
    await bot.step()
    assert len(await kept(bot)) == 1
    assert not any(type(i).__name__ == "Command" and i.name == "members" for i in bot.seen)
    await share_late(dave, bot, key)
    await bot.step()
    await bot.step()
    commands = [i for i in bot.seen if type(i).__name__ == "Command" and i.name == "members"]
    assert len(commands) == 1 and not await kept(bot)
    await bot.until(dave, message_from(bot.user_id, room, "Dave"), "the members list", mark)
    await bot.restart()
    await bot.step()
    assert len([i for i in bot.seen if type(i).__name__ == "Command" and i.name == "members"]) == 1


async def test_a_key_that_never_comes_is_told_to_the_member_privately(bot: Bot, make_member: Any) -> None:
    dave, sam = await make_member("Dave"), await make_member("Sam")
    room = await group_with(bot, dave, sam)
    await set_up(bot, dave, room)
    dm = await dave.open_dm(bot.user_id)
    await bot.join_room(dave, dm)
    await send_without_the_bot(dave, bot, room, "/members")
    await bot.step()
    assert len(await kept(bot)) == 1
    bot.clock.advance(PATIENCE - timedelta(minutes=1))
    await bot.step()
    assert len(await kept(bot)) == 1  # not yet
    mark = dave.mark()
    bot.clock.advance(timedelta(minutes=2))
    notice = await bot.until(dave, message_from(bot.user_id, dm, "couldn't read one of your messages"), "it", mark)
    assert notice.body == UNREADABLE  # type: ignore[attr-defined]
    assert not await kept(bot)
    await bot.step()
    await dave.sync(0)
    assert sum(UNREADABLE in t for t in dave.texts(dm, bot.user_id, mark)) == 1  # told once
    assert not [i for i in bot.seen if type(i).__name__ == "Command" and i.name == "members"]
