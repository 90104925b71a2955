"""The bot checks its power levels in a Matrix group room (issue 17) and names what it lacks in one line."""

from __future__ import annotations

from typing import Any

import pytest

from tests.platforms.matrix.conftest import ENV, Bot, joined, message_from, set_up

pytestmark = pytest.mark.skipif(ENV is None, reason="MAGBOT_TEST_HOMESERVER is not set")


async def test_setup_in_a_room_where_the_bot_has_no_power_names_what_it_lacks(bot: Bot, make_member: Any) -> None:
    dave = await make_member("Dave")
    room = await dave.create_room([bot.user_id])  # the bot at the default level: it may write and invite
    await bot.join_room(dave, room)
    await dave.wait_for(joined(bot.user_id, room), "the bot join")
    await set_up(bot, dave, room)
    await bot.step()
    event = await bot.until(dave, message_from(bot.user_id, room, "I need the right to"), "the rights line", 0)
    assert event.body == (
        "I can't do everything the group decides here: I need the right to remove messages, remove people "
        "and change permissions. A room admin can raise my power level in the room's settings: "
        "Roles & Permissions."
    )
