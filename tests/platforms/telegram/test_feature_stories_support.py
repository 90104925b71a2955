"""Issue 7 on Telegram: check-ins (shared, private, rough) and offloads (forum topics, reply threads, anonymous
relay), as members use them from their phones; see test_feature_stories.py for how a story reads here."""

from __future__ import annotations

from typing import Any

from magbot.core.events import Text
from tests.platforms.telegram.conftest import DAVE, GROUP, SAM, TOM, World, labels

CONTACTS = "Samaritans 116 123; Breathing Space 0800 83 85 87"


# ---------------------------------------------------------------- check-ins


async def test_checkins_shared_private_and_rough(world: World) -> None:
    await world.setup_three()

    # In the group: Okay -> Skip -> Share with the group.
    world.say(DAVE, "/checkin")
    await world.step()
    assert world.last_message(GROUP)["text"] == "How are you doing, Dave?"
    assert labels(world.last_message(GROUP)) == ["Rough", "Not great", "Okay", "Good", "Great"]
    await world.press(DAVE, "Okay")
    assert world.last_message(GROUP)["text"].startswith("Thanks, Dave. Add a few words?")
    await world.press(DAVE, "Skip")
    assert labels(world.last_message(GROUP)) == ["Share with the group", "Just for me"]
    assert await world.press(DAVE, "Share with the group") == "Shared."
    assert world.texts(GROUP)[-1] == "Dave checked in: Okay"

    # In private: Good -> Skip -> Just for me; nothing reaches the group.
    in_group = len(world.fake.sent_messages(GROUP))
    world.say(SAM, "/checkin", chat=SAM)
    await world.step()
    await world.press(SAM, "Good", chat=SAM)
    await world.press(SAM, "Skip", chat=SAM)
    await world.press(SAM, "Just for me", chat=SAM)
    assert world.texts(SAM)[-1].startswith("Kept just for you.")
    assert len(world.fake.sent_messages(GROUP)) == in_group

    # Rough, in the group: the support contacts and "Let the group know?" come privately; the group sees nothing.
    world.say(TOM, "/checkin")
    await world.step()
    in_group = len(world.fake.sent_messages(GROUP))
    toast = await world.press(TOM, "Rough")
    assert toast and "private" in toast
    rough = world.last_message(TOM)
    assert CONTACTS in rough["text"] and "Let the group know?" in rough["text"]
    assert labels(rough) == ["Yes", "No"]
    assert len(world.fake.sent_messages(GROUP)) == in_group
    assert not [t for t in world.texts(GROUP) if "Samaritans" in t or "Tom is having" in t]


# ---------------------------------------------------------------- offloads


def in_topic(world: World, topic: int) -> list[dict[str, Any]]:
    return [p for p in world.sent(GROUP, "sendMessage") if p.get("message_thread_id") == topic]


async def test_offloads_in_forum_topics_named_and_anonymous(world: World) -> None:
    world.fake.add_chat(GROUP, chat_type="supergroup", title="Thistle MAG", is_forum=True)
    await world.setup_three()

    # A named offload: a forum topic, the header (protected, with the support buttons) and the words in it.
    world.say(DAVE, "/offload court date next week, can't sleep")
    await world.step()
    assert world.last_message(GROUP)["text"] == "How would you like replies, Dave?"
    assert await world.press(DAVE, "Advice welcome") == "Posted."
    (topic_call,) = world.fake.calls_to("createForumTopic")
    assert topic_call["name"] == "Dave's offload"
    topic = max(world.fake.state.chat(GROUP).topics)
    header, words = in_topic(world, topic)
    assert header["text"].startswith("Dave's offload") and header["protect_content"] is True
    header_message = world.last_message_with(GROUP, "Dave's offload")
    assert labels(header_message) == ["I hear you", "Been there"]
    assert words["text"] == "court date next week, can't sleep" and words["protect_content"] is True
    assert world.texts(DAVE)[-1].startswith("Your offload is up.")
    assert await world.press(SAM, "I hear you") == "Thanks."
    assert world.sent(GROUP, "editMessageText")[-1]["text"].endswith("I hear you: 1")

    # Sam answers inside the topic: the bot sees a Text in that thread and posts nothing (a named offload).
    sent = len(world.fake.sent_messages())
    world.say(SAM, "hang in there mate", message_thread_id=topic, is_topic_message=True)
    await world.step()
    said = [i for i in world.seen if isinstance(i, Text)][-1]
    assert (said.text, said.thread, said.reply_to) == ("hang in there mate", str(topic), None)
    assert len(world.fake.sent_messages()) == sent

    # `/forget` in the topic: only its author may; then the bot's words are deleted, and the topic with the header,
    # the replies and its title.
    world.say(SAM, "/forget", message_thread_id=topic, is_topic_message=True)
    await world.step()
    assert in_topic(world, topic)[-1]["text"] == "Only the person who started this offload can remove it."
    world.say(DAVE, "/forget", message_thread_id=topic, is_topic_message=True)
    await world.step()
    deleted = [c["message_id"] for c in world.fake.calls_to("deleteMessage")]
    assert deleted[-1] == header_message["message_id"] + 1  # the words
    assert [c["message_thread_id"] for c in world.fake.calls_to("deleteForumTopic")] == [topic]
    assert not [m for m in world.fake.messages(GROUP) if m.get("message_thread_id") == topic]
    assert not [m for m in world.fake.messages(GROUP) if "Dave's offload" in str(m.get("text", ""))]

    # An anonymous offload from a private chat: its own topic, "Someone wants to offload:", no name anywhere.
    world.say(TOM, "/offload", chat=TOM)
    await world.step()
    assert world.texts(TOM)[-1].startswith("What's on your mind?")
    world.say(TOM, "I've been drinking again and I don't want anyone to know it's me", chat=TOM)
    await world.step()
    await world.press(TOM, "Just listen", chat=TOM)
    anon_topic = max(world.fake.state.chat(GROUP).topics)
    assert anon_topic != topic and "Tom" not in world.fake.calls_to("createForumTopic")[-1]["name"]
    anon_header, first = in_topic(world, anon_topic)
    assert anon_header["text"].startswith("Someone wants to offload:") and "Tom" not in anon_header["text"]
    assert first["text"].startswith("I've been drinking again") and first["protect_content"] is True

    # Sam replies in that topic: relayed to Tom privately, with a Reply button; Tom's answer goes back in.
    world.say(SAM, "you're not alone, call me any time", message_thread_id=anon_topic, is_topic_message=True)
    await world.step()
    relayed = world.last_message(TOM)
    assert relayed["text"].startswith("Sam replied to your offload")
    assert "you're not alone, call me any time" in relayed["text"] and labels(relayed) == ["Reply"]
    await world.press(TOM, "Reply", chat=TOM)
    assert world.texts(TOM)[-1].startswith("Type your answer.")
    world.say(TOM, "thanks, I might", chat=TOM)
    await world.step()
    assert in_topic(world, anon_topic)[-1]["text"] == "Someone (the author): thanks, I might"
    assert world.texts(TOM)[-1] == "Posted in the thread, without your name."
    assert not [m for m in world.fake.messages(GROUP) if m.get("from", {}).get("id") == TOM]  # Tom never showed


async def test_an_anonymous_offload_in_a_group_without_topics_is_a_reply_thread(world: World) -> None:
    await world.setup_three()
    world.say(TOM, "/offload", chat=TOM)
    world.say(TOM, "my son won't speak to me", chat=TOM)
    await world.step()
    await world.press(TOM, "Just listen", chat=TOM)
    assert not world.fake.calls_to("createForumTopic")
    header = world.last_message_with(GROUP, "Someone wants to offload:")
    words = world.last_message(GROUP)
    assert words["text"] == "my son won't speak to me"
    assert words["reply_to_message"]["message_id"] == header["message_id"]

    # Sam answers the words with Telegram's reply: in a supergroup the reply carries the thread's root message.
    world.say(
        SAM, "that's hard, I've been there",
        reply_to_message_id=words["message_id"], message_thread_id=header["message_id"],
    )  # fmt: skip
    await world.step()
    assert world.last_message(TOM)["text"].startswith("Sam replied to your offload")
    await world.press(TOM, "Reply", chat=TOM)
    world.say(TOM, "thanks", chat=TOM)
    await world.step()
    answer = world.last_message(GROUP)
    assert answer["text"] == "Someone (the author): thanks"
    assert answer["reply_to_message"]["message_id"] == header["message_id"]


# ---------------------------------------------------------------- over time


async def test_midweek_round_buddy_nudge_and_expiry(world: World) -> None:
    """The time-driven parts: the Wednesday round, a buddy's private nudge after a silence, and an anonymous
    offload whose words are purged from the database when it expires."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text

    await world.setup_three()
    world.say(DAVE, "/buddy Sam")
    await world.step()
    await world.press(SAM, "Yes", chat=SAM)
    assert world.texts(DAVE)[-1].startswith("Sam said yes")

    secret = "my brother stopped talking to me"
    world.say(TOM, "/offload", chat=TOM)
    world.say(TOM, secret, chat=TOM)
    await world.step()
    await world.press(TOM, "Just listen", chat=TOM)
    assert world.last_message_with(GROUP, "Someone wants to offload:")

    await world.at(datetime(2026, 11, 25, 19, 0, 30, tzinfo=UTC))  # Wednesday 19:00 London
    round_card = world.last_message_with(GROUP, "Midweek check-in")
    assert labels(round_card) == ["Rough", "Not great", "Okay", "Good", "Great"]

    for _day in range(9):  # Sam says nothing for more than the buddy period
        await world.at(world.clock.now() + timedelta(days=1))
    assert [t for t in world.texts(DAVE) if t.startswith("You haven't heard from Sam in a while")]
    assert not [t for t in world.texts(GROUP) if "haven't heard" in t]  # nobody else is told

    await world.at(world.clock.now() + timedelta(days=31))  # past the 30 days' retention
    async with world.app.uow() as uow:
        for table in ("offloads", "outbox", "pending_inputs", "platform_state", "cards"):
            rows = (await uow.session.execute(text(f"SELECT * FROM {table}"))).all()
            assert not [r for r in rows if secret in str(tuple(r))], table
