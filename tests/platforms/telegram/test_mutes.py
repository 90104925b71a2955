"""A mute on Telegram: restrictChatMember with until_date, lifted by the bot itself at its end; a leave on the
platform takes the member off the list (console stories cannot show the Bot API calls)."""

from __future__ import annotations

from datetime import timedelta

from tests.platforms.telegram.conftest import DAVE, GROUP, SAM, TOM, World

SEND = ("can_send_messages", "can_send_photos", "can_send_polls", "can_send_other_messages")


async def mute_tom(world: World) -> None:
    await world.setup_three()
    world.say(DAVE, "/propose mute Tom 2d")
    await world.step()
    ballot = next(m for m in world.fake.messages(GROUP) if "Mute Tom" in str(m.get("text", "")))
    for user in (DAVE, SAM):
        world.fake.inject_callback_query(user, "decision:vote:1:yes", GROUP, ballot["message_id"])
    await world.step()


async def test_a_passed_mute_restricts_with_until_date_and_the_bot_lifts_it_at_the_end(world: World) -> None:
    start = world.clock.now()
    await mute_tom(world)
    [restrict] = world.fake.calls_to("restrictChatMember")
    assert int(restrict["user_id"]) == TOM
    assert int(restrict["until_date"]) == int((start + timedelta(days=2)).timestamp())
    assert not any(restrict["permissions"].get(name) for name in SEND)
    assert world.fake.member_status(GROUP, TOM) == "restricted"
    assert world.texts(TOM)[-1].startswith("The group voted to mute you until")

    await world.at(start + timedelta(days=2) - timedelta(minutes=1))
    assert len(world.fake.calls_to("restrictChatMember")) == 1
    await world.at(start + timedelta(days=2, minutes=1))
    lifted = world.fake.calls_to("restrictChatMember")[1]
    assert int(lifted["user_id"]) == TOM and all(lifted["permissions"].get(name) for name in SEND)
    assert world.fake.member_status(GROUP, TOM) == "member"
    assert world.texts(TOM)[-1].startswith("Your mute has ended")


async def test_a_muted_members_press_is_answered_privately_and_not_acted_on(world: World) -> None:
    await mute_tom(world)
    world.say(SAM, "/need A lift on Friday")
    await world.step()
    card = world.last_message(GROUP)
    data = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]  # "I can help"
    world.fake.inject_callback_query(TOM, data, GROUP, card["message_id"])
    before = len(world.texts(SAM))
    await world.step()
    answer = world.fake.calls_to("answerCallbackQuery")[-1]
    assert str(answer.get("text", "")).startswith("You're muted in the group until")
    assert len(world.texts(SAM)) == before  # no introduction


async def test_leaving_the_chat_takes_him_off_the_member_list(world: World) -> None:
    await world.setup_three()
    world.fake.inject_chat_member_update(GROUP, SAM, old_status="member", new_status="left")
    await world.step()
    assert await world.member_ids() == {str(DAVE), str(TOM)}
    assert world.texts(GROUP)[-1] == "Sam has left the group. All the best."
