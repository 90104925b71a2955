"""A mute on the real Synapse: the power level below the send level, refused messages, and the bot giving the
level back at the mute's end (Matrix has no timed mute, so nothing else would); leaving the room is leaving the
group."""

from __future__ import annotations

from typing import Any

import pytest
from nio import Event, RoomGetStateEventResponse, RoomLeaveResponse

from magbot.core.events import ChatRef, Mute, Unmute
from tests.platforms.matrix.conftest import ENV, Bot, Forbidden, group_with, message_from, set_up

pytestmark = pytest.mark.skipif(ENV is None, reason="MAGBOT_TEST_HOMESERVER is not set")


def levels_with(user_id: str, level: int | None):
    def pred(room_id: str, event: Event) -> bool:
        source = event.source or {}
        users = source.get("content", {}).get("users", {})
        return source.get("type") == "m.room.power_levels" and users.get(user_id) == level

    return pred


async def test_a_mute_lowers_his_level_and_unmute_gives_it_back(bot: Bot, make_member: Any) -> None:
    alice, bob = await make_member("Alice"), await make_member("Bob")
    room = await group_with(bot, alice, bob)
    group = ChatRef("matrix", room)

    await bot.send(Mute(group, bob.user_id))
    await bob.wait_for(levels_with(bob.user_id, -1), "the mute")
    with pytest.raises(Forbidden):
        await bob.send(room, "hi")

    mark = bob.mark()
    await bot.send(Unmute(group, bob.user_id))
    await bob.wait_for(levels_with(bob.user_id, None), "his level given back", mark)
    state = await bob.c.room_get_state_event(room, "m.room.power_levels")
    assert isinstance(state, RoomGetStateEventResponse)
    assert bob.user_id not in state.content.get("users", {})  # back to users_default, as before the mute
    assert state.content.get("users", {}).get(bot.user_id) == 100  # the bot is still the room's admin
    await bob.send(room, "hi again")  # the server takes his messages again

    mark = bob.mark()
    await bot.send(Unmute(group, bob.user_id))  # a retried row: no second state event
    await bob.sync(0)
    assert not [e for _, e in bob.events[mark:] if (e.source or {}).get("type") == "m.room.power_levels"]


async def test_leaving_the_room_takes_him_off_the_member_list(bot: Bot, make_member: Any) -> None:
    alice, bob = await make_member("Alice"), await make_member("Bob")
    room = await group_with(bot, alice, bob)
    await bob.send(room, "hi")  # before /setup, taking part makes him a founding member
    await bot.step(500)
    await set_up(bot, alice, room)
    mark = alice.mark()
    assert isinstance(await bob.c.room_leave(room), RoomLeaveResponse)
    await bot.until(alice, message_from(bot.user_id, room, "Bob has left the group."), "the leave noticed", mark)
    async with bot.app.uow() as uow:
        group = await uow.groups.by_chat("matrix", room)
        assert group is not None
        assert sorted((m.name, m.status) for m in await uow.members.of_group(group.id)) == [
            ("Alice", "active"),
            ("Bob", "left"),
        ]
