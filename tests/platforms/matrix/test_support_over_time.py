"""Issue 7's time-driven parts on Matrix, in an encrypted room: the midweek round, a buddy nudge after a silence,
and an anonymous offload whose text is purged from the database when it expires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from tests.platforms.matrix.conftest import ENV, Bot
from tests.platforms.matrix.test_feature_stories import Story, group_with, post

pytestmark = pytest.mark.skipif(ENV is None, reason="MAGBOT_TEST_HOMESERVER is not set")


async def test_midweek_round_buddy_nudge_and_expiry(bot: Bot, make_member: Any) -> None:
    dave, sam = await make_member("Dave"), await make_member("Sam")
    room = await group_with(bot, dave, sam)
    story = Story(bot)
    dave_dm, sam_dm = await story.private_room(dave), await story.private_room(sam)
    await story.set_up(room, dave, sam)

    # Buddies: Dave asks, Sam agrees in private.
    await story.says(dave, room, "/buddy Sam", "I've asked Sam privately")
    await story.press(sam, sam_dm, "Yes", post(bot.user_id, dave_dm, "Sam said yes"), "the yes", watcher=dave)

    # An anonymous offload from Sam's private chat, posted in the group.
    secret = "my brother stopped talking to me"
    await story.says(sam, sam_dm, "/offload", "What's on your mind?")
    await story.says(sam, sam_dm, secret, "How would you")
    await story.press(sam, sam_dm, "Just listen", post(bot.user_id, room, "Someone wants to offload:"), "it", dave)

    # Wednesday 19:00 London (the group's check-in time): the round, with the five moods offered as reactions.
    mark = dave.mark()
    await bot.at(datetime(2026, 11, 25, 19, 0, 30, tzinfo=UTC))
    round_card = await dave.wait_for(post(bot.user_id, room, "Midweek check-in"), "the round", mark)
    assert "[Rough] [Not great] [Okay] [Good] [Great]" in str(round_card.source["content"]["body"])

    # Dave keeps checking in; Sam goes quiet for more than the buddy period: Dave is nudged, privately.
    mark = dave.mark()
    for _day in range(1, 10):
        await bot.at(bot.clock.now() + timedelta(days=1))
    nudge = await dave.wait_for(post(bot.user_id, dave_dm, "You haven't heard from Sam in a while"), "nudge", mark)
    assert nudge is not None

    # Past the retention period (30 days): the anonymous offload's words are gone from every table.
    await bot.at(bot.clock.now() + timedelta(days=31))
    async with bot.app.uow() as uow:
        for table in ("offloads", "outbox", "pending_inputs", "platform_state", "cards"):
            rows = (await uow.session.execute(text(f"SELECT * FROM {table}"))).all()
            assert not [r for r in rows if secret in str(tuple(r))], table
