"""A basic group that Telegram upgrades to a supergroup (issue 17): the bot carries on in the new chat with
nothing lost: the group, its members, its cards (edited where they really are), its queued messages and its
scheduled posts move to the new chat id, whichever of the two upgrade notices (or a refused send) comes first.
"""

from __future__ import annotations

from datetime import timedelta

from tests.platforms.telegram.conftest import DAVE, SAM, World

OLD, NEW = -4_001_234, -1_009_876_543_210


async def setup_basic_group(world: World) -> None:
    world.fake.state.chat(OLD, "group")
    world.say(DAVE, "/setup", chat=OLD)
    await world.step()
    setup_post = world.last_message(OLD)
    world.fake.inject_callback_query(SAM, "setup:join", OLD, setup_post["message_id"], first_name="Sam")
    world.say(DAVE, "/start", chat=DAVE)
    world.say(SAM, "/start", chat=SAM)
    await world.step()


async def group_chat_ids(world: World) -> list[str]:
    async with world.app.uow() as u:
        return [g.chat_id for g in await u.groups.all_set_up()]


async def test_the_group_its_members_and_cards_follow_the_upgrade(world: World) -> None:
    await setup_basic_group(world)
    world.say(DAVE, "/poll Football on Saturday? | Yes | No closes 3h", chat=OLD)
    await world.step()
    poll_card = [m for m in world.fake.messages(OLD) if m.get("reply_markup")][-1]  # an anonymous poll: buttons
    world.fake.inject_group_upgrade(OLD, NEW, DAVE)
    await world.step()
    assert await group_chat_ids(world) == [str(NEW)]
    world.say(SAM, "/members", chat=NEW)
    await world.step()
    assert any("Dave" in t and "Sam" in t for t in world.texts(NEW)), world.texts(NEW)
    # A vote on the poll in the old chat's history still counts; closing it stops it where it is.
    button = poll_card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    world.fake.inject_callback_query(SAM, button, OLD, poll_card["message_id"], first_name="Sam")
    await world.step()
    async with world.app.uow() as u:
        group = await u.groups.by_chat("telegram", str(NEW))
        assert group is not None
        (poll,) = await u.polls.open_in_group(group.id)
        assert len(await u.polls.votes(poll.id)) == 1
    await world.at(world.clock.now() + timedelta(hours=4))
    stops = [c.params for c in world.fake.sent_messages(OLD) if c.method == "editMessageReplyMarkup"]
    assert [int(s["chat_id"]) for s in stops] == [OLD] and stops[0]["message_id"] == poll_card["message_id"]
    assert any("Football" in t for t in world.texts(NEW))  # the result is posted in the new chat


async def test_a_reply_queued_before_the_notices_goes_to_the_new_chat(world: World) -> None:
    await setup_basic_group(world)
    world.say(DAVE, "/members", chat=OLD)
    world.fake.inject_group_upgrade(OLD, NEW, DAVE)  # one batch: the command, then the two notices
    await world.step()
    assert await group_chat_ids(world) == [str(NEW)]
    assert any("Dave" in t for t in world.texts(NEW))


async def test_a_send_the_old_chat_refuses_follows_the_upgrade(world: World) -> None:
    """Telegram's refusal names the new chat: the send goes there even before the notices are read."""
    await setup_basic_group(world)
    world.say(DAVE, "/members", chat=OLD)
    await world.platform.poll_once(world.dispatch)  # received and handled; its reply is still queued
    world.fake.state.chat(NEW, "supergroup")
    world.fake.state.chat(OLD).migrated_to = NEW
    await world.flush()
    await world.flush()
    assert await group_chat_ids(world) == [str(NEW)]
    assert any("Dave" in t for t in world.texts(NEW))
    async with world.app.uow() as u:
        assert await u.outbox.next_due("telegram") is None
