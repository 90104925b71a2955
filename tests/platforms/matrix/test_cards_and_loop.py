"""Cards change in place (edit, reactions re-synced, delete); mute; the long-running loop; the credentials check."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from nio import Event, ReactionEvent, RedactionEvent, RoomSendError

from magbot.core.dispatch import DispatchResult
from magbot.core.events import Button, ChatRef, Delete, Edit, Incoming, Mute, Post, Text
from magbot.platforms.matrix.session import check_login
from magbot.storage.uow import UnitOfWork
from tests.platforms.matrix.conftest import ENV, Bot, group_with, message_from, set_up

pytestmark = pytest.mark.skipif(ENV is None, reason="MAGBOT_TEST_HOMESERVER is not set")


def bot_reaction(bot: Bot, target: str, key: str):
    def pred(room_id: str, event: Event) -> bool:
        return (
            isinstance(event, ReactionEvent)
            and event.sender == bot.user_id
            and event.reacts_to == target
            and event.key == key
        )

    return pred


def redaction_of(target: str):
    def pred(room_id: str, event: Event) -> bool:
        return isinstance(event, RedactionEvent) and event.redacts == target

    return pred


async def test_edits_resync_reactions_delete_redacts_and_mute_silences(bot: Bot, make_member: Any) -> None:
    alice, bob = await make_member("Alice"), await make_member("Bob")
    room = await group_with(bot, alice, bob)
    group = ChatRef("matrix", room)
    mark = alice.mark()
    first = ((Button("I'm in", "act:in:1"), Button("Maybe", "act:maybe:1")),)
    await bot.send(Post(group, "Football on Saturday", buttons=first, card="act:1"))
    card = await alice.wait_for(message_from(bot.user_id, room, "Football"), "the card", mark)
    maybe = await alice.wait_for(bot_reaction(bot, card.event_id, "Maybe"), "the Maybe reaction", mark)

    second = ((Button("I'm in", "act:in:1"), Button("Can't", "act:out:1")),)
    await bot.send(Edit(group, "act:1", "Football on Saturday (2 in)", buttons=second))
    await alice.wait_for(bot_reaction(bot, card.event_id, "Can't"), "the new reaction", mark)
    await alice.wait_for(redaction_of(maybe.event_id), "the old reaction taken away", mark)
    async with bot.app.uow() as uow:
        assert await uow.state.get(f"mx:card:{card.event_id}") == '{"Can\'t": "act:out:1", "I\'m in": "act:in:1"}'

    await bot.send(Delete(group, card="act:1"))
    await alice.wait_for(redaction_of(card.event_id), "the card deleted", mark)

    await bot.send(Mute(group, bob.user_id))
    await bob.wait_for(
        lambda r, e: (
            (e.source or {}).get("type") == "m.room.power_levels"
            and e.source["content"]["users"].get(bob.user_id) == -1
        ),
        "the mute",
    )
    refused = await bob.c.room_send(
        room, "m.room.message", {"msgtype": "m.text", "body": "hi"}, ignore_unverified_devices=True
    )
    assert isinstance(refused, RoomSendError) and refused.status_code == "M_FORBIDDEN"


async def test_the_run_loop_answers_and_stops_promptly(bot: Bot, make_member: Any) -> None:
    alice = await make_member("Alice")
    room = await group_with(bot, alice)
    stop = asyncio.Event()
    loop = asyncio.create_task(bot.platform.run(bot.dispatch, stop))
    outbox = asyncio.create_task(bot.app.outbox.run(stop))
    mark = alice.mark()
    await alice.send(room, "/help")
    await alice.wait_for(message_from(bot.user_id, room, "/members"), "the answer", mark)
    stop.set()
    bot.app.outbox.wake()
    await asyncio.wait_for(asyncio.gather(loop, outbox), timeout=5)  # the 30 s long-poll is cut short


async def test_a_sync_round_saves_its_token_and_reads_only_who_wrote(
    bot: Bot, make_member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loop's own transactions, outside dispatch: a quiet round only saves the token (not read back, no
    late-key scan when nothing waits); a round with a member's message also reads his chat, once."""
    alice = await make_member("Alice")
    room = await group_with(bot, alice)
    await set_up(bot, alice, room)
    begins: list[bool] = []  # one per transaction: inside dispatch or not
    inside = False

    async def dispatch(incoming: Incoming) -> DispatchResult:
        nonlocal inside
        inside = True
        try:
            return await bot.dispatch(incoming)
        finally:
            inside = False

    entered = UnitOfWork.__aenter__

    async def counted(uow: UnitOfWork) -> UnitOfWork:  # on SQLite they begin on the driver: no engine event
        begins.append(inside)
        return await entered(uow)

    monkeypatch.setattr(UnitOfWork, "__aenter__", counted)
    await bot.platform.sync_once(dispatch)  # the bot's own last messages come back: nothing to handle
    begins.clear()
    assert await bot.platform.sync_once(dispatch) == 0
    assert begins == [False]
    await alice.send(room, "/members")
    begins.clear()
    while not await bot.platform.sync_once(dispatch, 500):
        begins.clear()
    assert begins.count(False) == 2 and begins.count(True) >= 1


async def test_check_uses_the_credentials_without_sending(bot: Bot) -> None:
    summary = await bot.platform.check()  # the saved session's token: whoami
    assert summary.startswith("matrix: ok, " + bot.user_id)
    assert "device " + bot.platform.session.client.device_id in summary


async def test_a_password_check_logs_in_and_out(bot: Bot) -> None:
    summary = await check_login(bot.settings.matrix, None)
    assert summary.startswith(f"matrix: ok, password accepted for {bot.user_id}")


async def test_threads_start_carry_replies_and_come_back(bot: Bot, make_member: Any) -> None:
    alice = await make_member("Alice")
    room = await group_with(bot, alice)
    group = ChatRef("matrix", room)
    mark = alice.mark()
    await bot.send(Post(group, "Someone wants to offload:", card="offload:1", start_thread="offload"))
    root = await alice.wait_for(message_from(bot.user_id, room, "Someone wants"), "the thread root", mark)
    await bot.send(Post(group, "I hear you.", thread="offload:1"))
    inside = await alice.wait_for(message_from(bot.user_id, room, "I hear you"), "the reply in the thread", mark)
    assert inside.source["content"]["m.relates_to"]["rel_type"] == "m.thread"
    assert inside.source["content"]["m.relates_to"]["event_id"] == root.event_id

    await alice.send(
        room,
        "thank you",
        **{
            "m.relates_to": {
                "rel_type": "m.thread",
                "event_id": root.event_id,
                "is_falling_back": True,
                "m.in_reply_to": {"event_id": inside.event_id},
            }
        },
    )
    await bot.step(1000)
    text = [i for i in bot.seen if isinstance(i, Text)][-1]
    assert text.thread == root.event_id and text.text == "thank you"
