"""Sharing resources and help on Telegram, as members use it from their phones: share and search the library,
two members' "Out of date?" take a resource out, a need answered introduces the two privately, Done closes it."""

from __future__ import annotations

from datetime import timedelta

from tests.platforms.telegram.conftest import DAVE, GROUP, SAM, TOM, World, labels


def edits_of(world: World, message_id: int) -> list[str]:
    return [str(p["text"]) for p in world.sent(GROUP, "editMessageText") if p["message_id"] == message_id]


async def test_share_search_flag_out_and_a_need_answered_privately(world: World) -> None:
    await world.setup_three()

    # Sharing: in the group, and from a private chat (posted in the group under his name).
    world.say(DAVE, "/share Free bus passes at the council, ask for Jo #travel #Money")
    world.say(TOM, "/share Warehouse jobs at Tesco #jobs", chat=TOM)
    await world.step()
    passes, jobs = world.fake.messages(GROUP)[-2:]
    assert passes["text"] == "Dave shared: Free bus passes at the council, ask for Jo #travel #money"
    assert jobs["text"] == "Tom shared: Warehouse jobs at Tesco #jobs"
    assert labels(jobs) == ["Out of date?"]
    assert world.texts(TOM)[-1] == "Thanks. It's in the library and posted in the group."

    # Searching: any case, words or a #tag.
    world.say(SAM, "/resources BUS")
    await world.step()
    assert world.texts(GROUP)[-1].splitlines() == [
        'Found for "BUS":',
        "- Free bus passes at the council, ask for Jo #travel #money (Dave)",
    ]
    world.say(SAM, "/resources")
    await world.step()
    assert "Tags: #jobs (1), #money (1), #travel (1)" in world.texts(GROUP)[-1]

    # Two different members say the newest is out of date (the same one twice counts once): it comes out.
    assert await world.press(SAM, "Out of date?") == "Thanks. If one more member says so, it comes out of the library."
    assert await world.press(SAM, "Out of date?") == "You've said so already. Thanks."
    assert await world.press(DAVE, "Out of date?") == "Taken out of the library. Thanks."
    assert edits_of(world, jobs["message_id"]) == [
        "(Out of date: taken out of the library by two members.)\nWarehouse jobs at Tesco #jobs"
    ]
    assert labels(world.fake.get_message(GROUP, jobs["message_id"]) or {}) == []
    world.say(SAM, "/resources #jobs")
    await world.step()
    assert world.texts(GROUP)[-1] == 'Nothing found for "#jobs". /resources alone shows the tags.'

    # A need, answered: both get a private introduction naming the other; once per pair; Done closes it.
    world.say(DAVE, "/need A lift to Perth on Friday")
    await world.step()
    need = world.last_message(GROUP)
    assert need["text"].startswith("Dave needs: A lift to Perth on Friday")
    assert labels(need) == ["I can help", "Done"]
    assert await world.press(DAVE, "I can help") == "That's your own request."
    assert await world.press(SAM, "I can help") == "I've put you in touch. Check your private chat with me."
    assert world.texts(DAVE)[-1] == "Sam can help with: A lift to Perth on Friday. Drop him a message."
    assert world.texts(SAM)[-1].startswith("Dave needs: A lift to Perth on Friday. I've told him you can help.")
    sent = len(world.fake.sent_messages())
    assert await world.press(SAM, "I can help") == "I've put you two in touch already. Check your private chat with me."
    assert len(world.fake.sent_messages()) == sent
    assert await world.press(TOM, "Done") == "Only the person who posted it can mark it done."
    assert await world.press(DAVE, "Done") == "Marked done."
    assert edits_of(world, need["message_id"])[-1] == "Dave needs: A lift to Perth on Friday\n(Done. Thanks, everyone.)"
    assert labels(world.fake.get_message(GROUP, need["message_id"]) or {}) == []


async def test_an_offer_closes_itself_after_30_days(world: World) -> None:
    await world.setup_three()
    world.say(TOM, "/offer Fixing bikes")
    await world.step()
    offer = world.last_message(GROUP)
    assert labels(offer) == ["I'm interested", "Done"]
    assert await world.press(SAM, "I'm interested") == "I've put you in touch. Check your private chat with me."
    assert world.texts(TOM)[-1] == "Sam is interested in your offer: Fixing bikes. Drop him a message."
    await world.at(world.clock.now() + timedelta(days=30, minutes=1))
    assert edits_of(world, offer["message_id"])[-1].endswith(
        "(Closed after 30 days. Post it again if it still stands.)"
    )
    assert labels(world.fake.get_message(GROUP, offer["message_id"]) or {}) == []
