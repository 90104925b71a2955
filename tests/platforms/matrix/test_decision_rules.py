"""Issue 6's rules on Matrix, in an encrypted room: a vote without quorum fails, and the member a removal is about
gets no ballot, cannot vote, and is removed from the room when the group decides so."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from nio import RoomMemberEvent

from tests.platforms.matrix.conftest import ENV, Bot
from tests.platforms.matrix.test_feature_stories import Story, group_with, post

pytestmark = pytest.mark.skipif(ENV is None, reason="MAGBOT_TEST_HOMESERVER is not set")


async def test_no_quorum_fails_and_the_member_up_for_removal_cannot_vote(bot: Bot, make_member: Any) -> None:
    dave, sam, tom = await make_member("Dave"), await make_member("Sam"), await make_member("Tom")
    room = await group_with(bot, dave, sam, tom)
    story = Story(bot)
    dms = {m.name: await story.private_room(m) for m in (dave, sam, tom)}
    await story.set_up(room, dave, sam, tom)

    # Nobody votes: after the voting period the proposal fails for too few votes.
    await story.says(dave, room, "/propose rule Phones on silent in meetings", "Group vote: Add a group rule")
    mark = dave.mark()
    await bot.at(bot.clock.now() + timedelta(hours=48, minutes=1))
    await dave.wait_for(post(bot.user_id, room, "Not passed: too few votes"), "the failed vote", mark)

    # A removal: Tom gets no ballot; Dave and Sam vote Yes in private; Tom is taken out of the room.
    mark = tom.mark()
    await story.says(dave, room, "/propose remove Tom", "Group vote: Remove Tom from the group?")
    for member in (dave, sam):
        await member.wait_for(post(bot.user_id, dms[member.name], "Group vote: Remove Tom"), "his ballot")
    await tom.sync()
    assert not [e for r, e in tom.events[mark:] if r == dms["Tom"] and "Remove Tom" in str(e.source)]
    await story.press(dave, dms["Dave"], "Yes", post(bot.user_id, dms["Dave"], "Your vote is in: Yes."), "Dave's")
    await story.press(sam, dms["Sam"], "Yes", post(bot.user_id, dms["Sam"], "That settles it"), "Sam's vote")

    def kicked(room_id: str, event: Any) -> bool:
        return (
            room_id == room
            and isinstance(event, RoomMemberEvent)
            and event.state_key == tom.user_id
            and event.membership in ("leave", "ban")
        )

    await bot.until(dave, kicked, "Tom removed from the room")
