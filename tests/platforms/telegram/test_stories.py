"""What the console stories cannot show on Telegram: the command menu, commands for other bots, leaving the chat
for good or for now, forged and unknown buttons. (test_txt_stories.py plays every console story on Telegram.)"""

from __future__ import annotations

from magbot.core.router import MEMBERS_ONLY_TOAST
from tests.platforms.telegram.conftest import DAVE, GROUP, SAM, STRANGER, World


def buttons(message: dict) -> list[dict]:
    return [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


async def member_id(world: World, user_id: int) -> int:
    async with world.app.uow() as u:
        group = await u.groups.by_chat("telegram", str(GROUP))
        assert group is not None
        member = await u.members.in_group(group.id, str(user_id))
        assert member is not None
        return member.id


async def test_start_publishes_commands_and_turns_the_webhook_off(world: World) -> None:
    await world.step()
    menu = world.fake.state.commands[('{"type": "default"}', "")]
    names = {c["command"] for c in menu}
    assert {"help", "members", "leave", "mydata", "forgetme"} <= names
    assert "setup" not in names  # no summary, no menu entry
    private = world.fake.state.commands[('{"type": "all_private_chats"}', "")]
    assert "mydata" in {c["command"] for c in private}
    assert world.fake.calls_to("deleteWebhook") and not world.fake.webhook


async def test_a_command_for_another_bot_is_left_alone(world: World) -> None:
    await world.setup_group()
    before = len(world.texts(GROUP))
    world.say(SAM, "/members@some_other_bot")
    assert await world.step() == 1
    assert len(world.texts(GROUP)) == before


async def test_forgetme_yes_erases_the_member_and_takes_him_out_of_the_group(world: World) -> None:
    await world.setup_group()
    world.say(SAM, "/forgetme", chat=SAM)
    await world.step()
    question = world.last_message(SAM)
    assert [b["text"] for b in buttons(question)] == ["Yes", "No"]
    world.fake.inject_callback_query(SAM, "forgetme:yes", SAM, question["message_id"])
    await world.step()
    assert await world.member_ids() == {str(DAVE)}
    assert world.fake.member_status(GROUP, SAM) == "left"
    assert world.texts(SAM)[-1].startswith("Done. I've erased everything")


async def test_leave_yes_bans_then_unbans_so_he_can_come_back(world: World) -> None:
    await world.setup_group()
    world.say(SAM, "/leave")
    await world.step()
    question = world.last_message(SAM)  # asked in his private chat
    yes = next(b for b in buttons(question) if b["text"] == "Yes")
    world.fake.inject_callback_query(SAM, yes["callback_data"], SAM, question["message_id"])
    await world.step()
    assert world.fake.calls_to("answerCallbackQuery")[-1]["text"] == "You've left the group. Take care."
    assert [c["user_id"] for c in world.fake.calls_to("banChatMember")] == [SAM]
    unban = world.fake.calls_to("unbanChatMember")
    assert unban == [{"chat_id": GROUP, "user_id": SAM, "only_if_banned": True}]
    assert world.fake.member_status(GROUP, SAM) == "left"  # not banned: he may ask to come back
    assert await world.member_ids() == {str(DAVE)}


async def test_a_strangers_press_on_a_members_button_is_refused(world: World) -> None:
    await world.setup_group()
    world.say(DAVE, "/leave")
    await world.step()
    question = world.last_message(DAVE)
    sent_before = len(world.fake.sent_messages())
    yes = next(b for b in buttons(question) if b["text"] == "Yes")
    world.fake.inject_callback_query(STRANGER, yes["callback_data"], GROUP, question["message_id"])
    world.fake.inject_callback_query(STRANGER, "cmd:members", GROUP, question["message_id"])
    await world.step()
    toasts = [c["text"] for c in world.fake.calls_to("answerCallbackQuery")[-2:]]
    assert toasts == [MEMBERS_ONLY_TOAST, MEMBERS_ONLY_TOAST]
    assert len(world.fake.sent_messages()) == sent_before
    assert await world.member_ids() == {str(DAVE), str(SAM)}
    assert not world.fake.calls_to("banChatMember")


async def test_forged_button_data_for_another_member_is_refused(world: World) -> None:
    await world.setup_group()
    dave = await member_id(world, DAVE)
    world.say(SAM, "/leave")
    await world.step()
    question = world.last_message(SAM)
    world.fake.inject_callback_query(SAM, f"leave:yes:{dave}", SAM, question["message_id"])
    await world.step()
    assert world.fake.calls_to("answerCallbackQuery")[-1]["text"] == "That question was for someone else."
    assert await world.member_ids() == {str(DAVE), str(SAM)}
    assert not world.fake.calls_to("banChatMember")


async def test_a_forged_id_gets_the_pop_up_not_an_apology(world: World) -> None:
    """Issue 12: callback data with an id of 2**63 used to raise OverflowError in the handler."""
    await world.setup_group()
    sent_before = len(world.fake.sent_messages())
    for data in (f"decision:vote:{2**63}:yes", f"leave:yes:{2**64}", "offload:hear:0:-1", f"pv:0:poll:{2**63}"):
        world.fake.inject_callback_query(DAVE, data, GROUP, 1)
        await world.step()
        assert world.fake.calls_to("answerCallbackQuery")[-1]["text"] == "That button is no longer in use."
    assert len(world.fake.sent_messages()) == sent_before


async def test_every_press_is_answered_even_a_duplicate_or_an_unknown_button(world: World) -> None:
    await world.setup_group()
    world.fake.inject_callback_query(DAVE, "nothing:here", GROUP, 1)
    await world.step()
    answers = world.fake.calls_to("answerCallbackQuery")
    assert answers[-1]["text"] == "That button is no longer in use."
    assert not world.fake.state.pending_callbacks  # every spinner stopped
