"""Member stories in an encrypted Matrix room: setup, joining by reaction, help, members, leaving."""

from __future__ import annotations

from typing import Any

import pytest
from nio import Event, ReactionEvent, RoomMemberEvent

from magbot.core.events import ButtonPress, Command
from tests.platforms.matrix.conftest import ENV, Bot, group_with, message_from

pytestmark = pytest.mark.skipif(ENV is None, reason="MAGBOT_TEST_HOMESERVER is not set")


def reaction_by(sender: str, room: str, target: str, key: str):
    def pred(room_id: str, event: Event) -> bool:
        return (
            room_id == room
            and isinstance(event, ReactionEvent)
            and event.sender == sender
            and event.reacts_to == target
            and event.key == key
        )

    return pred


def edit_of(sender: str, room: str, target: str, contains: str):
    def pred(room_id: str, event: Event) -> bool:
        content = (event.source or {}).get("content", {})
        relates = content.get("m.relates_to") or {}
        new_body = str((content.get("m.new_content") or {}).get("body", ""))
        return (
            room_id == room
            and event.sender == sender
            and relates.get("rel_type") == "m.replace"
            and relates.get("event_id") == target
            and contains in new_body
        )

    return pred


async def test_setup_join_help_members_leave_in_an_encrypted_room(bot: Bot, make_member: Any) -> None:
    alice, bob = await make_member("Alice"), await make_member("Bob")
    room = await group_with(bot, alice, bob)
    assert bot.platform.session.client.rooms[room].encrypted

    # /setup: the setup card, with the bot's own "I'm a member" reaction on it
    mark = alice.mark()
    await alice.send(room, "/setup")
    card = await bot.until(alice, message_from(bot.user_id, room, "Welcome to the group's space"), "setup card", mark)
    assert card.decrypted, "the bot's card must be end-to-end encrypted"
    assert "[I'm a member]" in card.source["content"]["body"]
    assert "https://matrix.to/#/" + bot.user_id in card.source["content"]["body"]  # the private-chat link
    await alice.wait_for(reaction_by(bot.user_id, room, card.event_id, "I'm a member"), "the offered reaction", mark)
    assert any(isinstance(i, Command) and i.name == "setup" for i in bot.seen)

    # Bob presses the button: an (encrypted) reaction with the same key -> founding member, card edited in place
    mark = bob.mark()
    await bob.wait_for(lambda r, e: e.event_id == card.event_id, "the card")
    await bob.react(room, card.event_id, "I'm a member")
    await bot.until(bob, edit_of(bot.user_id, room, card.event_id, "Bob"), "the edited card", mark)
    press = [i for i in bot.seen if isinstance(i, ButtonPress)]
    assert press and press[-1].data == "setup:join" and press[-1].sender.user_id == bob.user_id

    # /help and /members
    mark = alice.mark()
    await alice.send(room, "!help")
    await bot.until(alice, message_from(bot.user_id, room, "/members"), "the help text", mark)
    mark = alice.mark()
    await alice.send(room, "/members")
    members = await bot.until(alice, message_from(bot.user_id, room, "Bob"), "the member list", mark)
    assert "Alice" in members.source["content"]["body"]

    # /leave -> Yes: Bob is taken off the list and out of the room
    mark = bob.mark()
    await bob.send(room, "/leave")
    question = await bot.until(bob, message_from(bot.user_id, room, "Do you want to leave"), "the question", mark)
    await bob.wait_for(reaction_by(bot.user_id, room, question.event_id, "Yes"), "the Yes reaction", mark)
    await bob.react(room, question.event_id, "Yes")
    await bot.until(
        bob,
        lambda r, e: (
            r == room and isinstance(e, RoomMemberEvent) and e.state_key == bob.user_id and e.membership == "leave"
        ),
        "the kick",
        mark,
    )
    await alice.wait_for(message_from(bot.user_id, room, "Bob has left the group"), "the goodbye", mark)
    assert room in bob.left
