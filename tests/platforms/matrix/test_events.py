"""Matrix event kinds beyond text: polls, knocks, a private room the bot opens, a back-filled timeline."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from nio import Event, UnknownEvent

from magbot.core.events import (
    ApproveJoin,
    ChatRef,
    ClosePoll,
    JoinRequest,
    NativePoll,
    PollVote,
    Post,
    Text,
)
from tests.platforms.matrix.conftest import ENV, Bot, group_with, make_bot, message_from, set_up

pytestmark = pytest.mark.skipif(ENV is None, reason="MAGBOT_TEST_HOMESERVER is not set")

KNOCK = {"type": "m.room.join_rules", "state_key": "", "content": {"join_rule": "knock"}}


def of_type(kind: str, room: str):
    def pred(room_id: str, event: Event) -> bool:
        return room_id == room and (event.source or {}).get("type") == kind

    return pred


async def test_a_native_poll_collects_votes_and_closes(bot: Bot, make_member: Any) -> None:
    alice = await make_member("Alice")
    room = await group_with(bot, alice)
    group = ChatRef("matrix", room)
    mark = alice.mark()
    await bot.send(NativePoll(group, card="poll:7", question="Tea or coffee?", options=("Tea", "Coffee")))
    start = await alice.wait_for(of_type("m.poll.start", room), "the poll", mark)
    assert isinstance(start, UnknownEvent) and start.decrypted
    content = start.source["content"]
    assert content["org.matrix.msc3381.poll.start"]["answers"][1]["org.matrix.msc1767.text"] == "Coffee"
    assert content["m.poll"]["kind"] == "m.undisclosed"

    relates = {"rel_type": "m.reference", "event_id": start.event_id}
    await alice.send_event(
        room,
        "org.matrix.msc3381.poll.response",
        {"m.relates_to": relates, "org.matrix.msc3381.poll.response": {"answers": ["1"]}},
    )
    await bot.step(1000)
    votes = [i for i in bot.seen if isinstance(i, PollVote)]
    assert [(v.poll_id, v.option_ids, v.sender.user_id) for v in votes] == [("poll:7", (1,), alice.user_id)]

    async with bot.app.uow() as uow:  # the outbox remembered where the poll card landed
        place = await uow.cards.find("matrix", room, "poll:7")
    assert place is not None and place.message_id == start.event_id
    await bot.send(ClosePoll(group, card="poll:7"))
    end = await alice.wait_for(of_type("m.poll.end", room), "the poll's end", mark)
    assert end.source["content"]["m.relates_to"]["event_id"] == start.event_id


async def test_a_knock_is_a_join_request_and_approving_invites(bot: Bot, make_member: Any) -> None:
    alice, dave = await make_member("Alice"), await make_member("Dave")
    room = await alice.create_room([bot.user_id], power={bot.user_id: 100}, initial_state=[KNOCK])
    await bot.join_room(alice, room)
    await dave.c.room_knock(room, reason="Sam told me about the group")
    await bot.step(1000)
    requests = [i for i in bot.seen if isinstance(i, JoinRequest)]
    assert [(r.chat, r.sender.user_id) for r in requests] == [(ChatRef("matrix", room), dave.user_id)]

    await bot.send(ApproveJoin(ChatRef("matrix", room), dave.user_id))
    await dave.accept_invite(room)


async def test_the_bot_opens_a_private_room_and_the_message_waits_there(bot: Bot, make_member: Any) -> None:
    dave = await make_member("Dave")
    await bot.send(Post(ChatRef("matrix", dave.user_id, "dm"), "Hello Dave, this is just for you."))
    async with bot.app.uow() as uow:
        room = await uow.state.get(f"mx:dm:{dave.user_id}")
    assert room is not None
    await bot.step(1000)  # the sync shows the new room
    bot.clock.advance(timedelta(seconds=2))  # the outbox's retry comes due
    await bot.app.outbox.flush()
    await dave.accept_invite(room)
    event = await dave.wait_for(message_from(bot.user_id, room, "just for you"), "the private message")
    assert event.decrypted  # shared with his device while he was still invited


async def test_a_limited_timeline_is_back_filled(homeserver: tuple[str, str], tmp_path: Path, make_member: Any) -> None:
    bot = await make_bot(homeserver, tmp_path, timeline_limit=2)
    try:
        alice = await make_member("Alice")
        room = await group_with(bot, alice)
        await set_up(bot, alice, room)
        await bot.step()
        words = [f"message {n}" for n in range(7)]
        for word in words:
            await alice.send(room, word)
        await bot.step()
        assert [i.text for i in bot.seen if isinstance(i, Text)] == words
    finally:
        await bot.app.close()
