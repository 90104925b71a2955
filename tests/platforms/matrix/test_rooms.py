"""Rooms as Element shows them (issue 17): private rooms marked in the bot's `m.direct`, a member who left his
private room gets a new one, and an upgraded group room (tombstone) is followed to its replacement."""

from __future__ import annotations

from typing import Any

import pytest
from nio import DirectRoomsResponse
from nio.responses import RoomUpgradeResponse

from magbot.core.events import ChatRef, Post
from tests.platforms.matrix.conftest import ENV, Bot, group_with, joined, message_from, set_up

pytestmark = pytest.mark.skipif(ENV is None, reason="MAGBOT_TEST_HOMESERVER is not set")


async def direct_rooms(bot: Bot) -> dict[str, list[str]]:
    client = bot.platform.session.client
    assert client is not None
    listed = await client.list_direct_rooms()
    return dict(listed.rooms) if isinstance(listed, DirectRoomsResponse) else {}


async def test_private_rooms_are_marked_direct_both_ways(bot: Bot, make_member: Any) -> None:
    dave, sam = await make_member("Dave"), await make_member("Sam")
    dm = await dave.open_dm(bot.user_id)  # Dave opens it: an is_direct invite
    await bot.join_room(dave, dm)
    assert (await direct_rooms(bot)).get(dave.user_id) == [dm]
    await bot.send(Post(ChatRef("matrix", sam.user_id, "dm"), "Hello Sam"))  # the bot opens one for Sam
    async with bot.app.uow() as u:
        sams = await u.state.get(f"mx:dm:{sam.user_id}")
    assert sams is not None and (await direct_rooms(bot)).get(sam.user_id) == [sams]


async def test_a_member_who_left_his_private_room_gets_a_new_one(bot: Bot, make_member: Any) -> None:
    dave = await make_member("Dave")
    dm = await dave.open_dm(bot.user_id)
    await bot.join_room(dave, dm)
    await dave.c.room_leave(dm)
    await bot.step()
    await bot.send(Post(ChatRef("matrix", dave.user_id, "dm"), "Hello again"))
    async with bot.app.uow() as u:
        again = await u.state.get(f"mx:dm:{dave.user_id}")
    assert again is not None and again != dm
    assert again in (await direct_rooms(bot)).get(dave.user_id, [])


async def test_an_upgraded_group_room_is_followed(bot: Bot, make_member: Any) -> None:
    dave, sam = await make_member("Dave"), await make_member("Sam")
    room = await group_with(bot, dave, sam)
    await set_up(bot, dave, room)
    upgraded = await dave.c.room_upgrade(room, "12")
    assert isinstance(upgraded, RoomUpgradeResponse), upgraded
    new = upgraded.room_id
    await dave.c.room_invite(new, bot.user_id)  # as Element offers when upgrading an invite-only room
    await dave.c.room_invite(new, sam.user_id)
    await sam.accept_invite(new)
    await bot.step()
    await bot.step()
    await dave.wait_for(joined(bot.user_id, new), "the bot in the new room")
    async with bot.app.uow() as u:
        assert await u.groups.by_chat("matrix", new) is not None
        assert await u.groups.by_chat("matrix", room) is None
    mark = dave.mark()
    await dave.send(new, "/members")
    await bot.until(dave, message_from(bot.user_id, new, "Dave"), "the members list in the new room", mark)
