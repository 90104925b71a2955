"""Sharing resources and help on Matrix, in an encrypted room: share and search the library, two members'
`Out of date?` reactions take a resource out, a need answered introduces the two privately, Done closes it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.platforms.matrix.conftest import ENV, Bot, group_with
from tests.platforms.matrix.test_feature_stories import Story, content_of, edit, post

pytestmark = pytest.mark.skipif(ENV is None, reason="MAGBOT_TEST_HOMESERVER is not set")


async def test_share_search_flag_out_and_a_need_answered_privately(bot: Bot, make_member: Any) -> None:
    dave, sam, tom = await make_member("Dave"), await make_member("Sam"), await make_member("Tom")
    room = await group_with(bot, dave, sam, tom)
    story = Story(bot)
    dave_dm, sam_dm = await story.private_room(dave), await story.private_room(sam)
    await story.set_up(room, dave, sam, tom)

    await story.says(dave, room, "/share Free bus passes at the council #Travel", "Dave shared: Free bus passes")
    found = await story.says(sam, room, "/resources BUS", "Found for")
    assert "Free bus passes at the council #travel (Dave)" in content_of(found)["body"]
    jobs = await story.says(tom, room, "/share Warehouse jobs at Tesco #jobs", "Tom shared: Warehouse jobs")

    # Two different members react `Out of date?`: the card is edited to say it is out of the library.
    await story.press(sam, room, "Out of date?", post(bot.user_id, sam_dm, "one more member"), "first flag", sam)
    gone = edit(bot.user_id, room, jobs.event_id, "taken out of the library by two members")
    await story.press(dave, room, "Out of date?", gone, "the card edited")
    await story.says(sam, room, "/resources #jobs", 'Nothing found for "#jobs"')

    # A need, answered: each gets a private introduction naming the other.
    need = await story.says(dave, room, "/need A lift to Perth on Friday", "Dave needs: A lift to Perth on Friday")
    mark = dave.mark()
    await story.press(sam, room, "I can help", post(bot.user_id, sam_dm, "Dave needs: A lift"), "Sam's note")
    await dave.wait_for(post(bot.user_id, dave_dm, "Sam can help with: A lift to Perth"), "Dave's note", mark)

    # Done, by the poster: the card says so and offers nothing more.
    await story.press(dave, room, "Done", edit(bot.user_id, room, need.event_id, "(Done. Thanks, everyone.)"), "done")
