"""Nothing lost, nothing doubled: redelivered updates, Telegram's 429/5xx/403, long texts, threads, polls."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest

from magbot.core.events import (
    ApproveJoin,
    Button,
    ChatRef,
    ClosePoll,
    DeclineJoin,
    Edit,
    File,
    JoinRequest,
    Mute,
    NativePoll,
    Outgoing,
    PollVote,
    Post,
)
from magbot.storage.delivery_repo import hash_key
from magbot.storage.models import ProcessedEventRow
from tests.platforms.telegram.conftest import DAVE, GROUP, SAM, STRANGER, TOM, World

CHAT = ChatRef("telegram", str(GROUP), "group")
FORUM = -1009876543210
FORUM_CHAT = ChatRef("telegram", str(FORUM), "group")


async def enqueue(world: World, *messages: Outgoing) -> None:
    async with world.app.uow() as u:
        await u.outbox.add(list(messages), world.clock.now())


async def pending(world: World, status: str = "pending") -> int:
    async with world.app.uow() as u:
        return await u.outbox.count(status)


async def card(world: World, chat: ChatRef, name: str) -> tuple[str, str | None]:
    async with world.app.uow() as u:
        place = await u.cards.find("telegram", chat.chat_id, name)
    assert place is not None
    return place.message_id, place.thread_id


def members_replies(world: World) -> list[str]:
    return [t for t in world.texts(GROUP) if t.endswith("- Sam")]


# ------------------------------------------------------------------ receiving


async def test_an_update_redelivered_after_a_crash_is_handled_once(world: World) -> None:
    await world.setup_group()
    world.say(DAVE, "/members")
    updates = await world.platform.poller.fetch(0)
    for update in updates:  # handled and committed, then the process dies before the offset is stored
        await world.platform.receiver.handle(update, world.dispatch)
    await world.restart()
    assert await world.step() == 1  # Telegram sends it again
    assert world.results[-1].duplicate
    assert len(members_replies(world)) == 1
    assert await world.step() == 0  # and now it is confirmed


async def test_a_failure_mid_batch_confirms_only_what_was_done(world: World) -> None:
    await world.setup_group()
    world.say(DAVE, "/members")
    world.say(SAM, "/help")
    calls = 0

    async def dispatch_then_fail(incoming):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("database went away")
        return await world.dispatch(incoming)

    with pytest.raises(RuntimeError):
        await world.platform.poll_once(dispatch_then_fail)
    await world.restart()
    assert await world.step() == 1  # only /help comes again
    assert len(members_replies(world)) == 1
    assert any(t.startswith("I'm the group's bot") for t in world.texts(GROUP))


async def test_processed_event_keys_follow_the_natural_key_scheme(world: World) -> None:
    message = world.say(DAVE, "/members")
    await world.step()
    key = f"tg:{GROUP}:{message['message']['message_id']}"
    assert world.seen[-1].key == key
    async with world.app.uow() as u:
        assert await u.session.get(ProcessedEventRow, hash_key(key)) is not None


# ------------------------------------------------------------------ sending: Telegram says no, for now


async def test_flood_control_429_is_waited_out_and_delivered_once(world: World) -> None:
    await world.setup_group()
    world.fake.fail_next("sendMessage", 429, retry_after=7, chat_id=GROUP)
    world.say(DAVE, "/members")
    await world.step()
    assert members_replies(world) == []
    world.clock.advance(timedelta(seconds=6))
    await world.flush()
    assert members_replies(world) == []  # not before Telegram said
    world.clock.advance(timedelta(seconds=1))
    await world.flush()
    await world.flush()
    assert len(members_replies(world)) == 1
    assert await pending(world) == 0


async def test_a_server_error_backs_off_and_delivers_once(world: World) -> None:
    await world.setup_group()
    world.fake.fail_next("sendMessage", 500, chat_id=GROUP)
    world.say(DAVE, "/members")
    await world.step()
    assert members_replies(world) == [] and await pending(world) == 1
    world.clock.advance(timedelta(seconds=2))
    await world.flush()
    await world.flush()
    assert len(members_replies(world)) == 1
    assert len([c for c in world.fake.calls_to("sendMessage") if c["chat_id"] == GROUP]) == 3  # setup, fail, ok


async def test_a_member_who_never_opened_the_private_chat_is_told_once_and_gets_it_later(world: World) -> None:
    world.say(DAVE, "/setup")
    await world.step()
    world.fake.forbid_dm(DAVE)
    dm = ChatRef("telegram", str(DAVE), "dm")
    await enqueue(world, Post(dm, "First private note"))
    await world.flush()
    await enqueue(world, Post(dm, "Second private note"))
    await world.flush()
    notes = [t for t in world.texts(GROUP) if "can't message you privately" in t]
    assert notes == ["Dave, I can't message you privately yet. Press the button, then Start."]
    note = world.last_message(GROUP)
    assert note["reply_markup"]["inline_keyboard"] == [
        [{"text": "Open a private chat with me", "url": "https://t.me/magbot_test_bot?start=hi"}]
    ]
    assert world.texts(DAVE) == [] and await pending(world, "held") == 2

    world.say(DAVE, "/start hi", chat=DAVE)  # what the deep link sends
    await world.step()
    await world.flush()
    texts = world.texts(DAVE)
    assert texts[:2] == ["First private note", "Second private note"]
    assert texts[2].startswith("Hi Dave.")


async def test_private_notes_to_many_at_once_all_go_though_each_answer_takes_a_while(world: World) -> None:
    """A reminder to every member at once, with Telegram's answers 0.3 s away: the sender's parallel sends each
    find a connection of the bot's pool in time (a send that waits for one more than a second fails unsent, and
    is retried only after a backoff), so they all go in one flush, each once."""
    users = range(7001, 7013)
    for user in users:
        world.fake.start_bot(user)
    await enqueue(world, *(Post(ChatRef("telegram", str(user), "dm"), f"Reminder {user}") for user in users))
    world.fake.latency = 0.3
    await world.flush()
    assert [world.texts(user) for user in users] == [[f"Reminder {user}"] for user in users]
    assert len(world.fake.calls_to("sendMessage")) == len(users) and await pending(world) == 0


async def test_a_group_that_removed_the_bot_drops_its_queue(world: World) -> None:
    world.fake.set_member_status(GROUP, world.fake.bot_id, "kicked")
    await enqueue(world, Post(CHAT, "hello"))
    await world.flush()
    assert await pending(world) == 0 and world.texts(GROUP) == []


# ------------------------------------------------------------------ sending: shapes


async def test_a_long_message_goes_in_parts_with_the_buttons_on_the_last(world: World) -> None:
    lines = [f"line {i} " + "x" * 90 for i in range(90)]  # ~8.9k characters
    await enqueue(world, Post(CHAT, "\n".join(lines), buttons=((Button("+1", "agenda:up:1"),),), card="long"))
    await world.flush()
    sent = world.sent(GROUP, "sendMessage")
    assert len(sent) == 3 and all(len(p["text"]) <= 4096 for p in sent)
    assert "\n".join(p["text"] for p in sent) == "\n".join(lines)
    assert [("reply_markup" in p) for p in sent] == [False, False, True]
    message_id, _ = await card(world, CHAT, "long")
    assert int(message_id) == world.last_message(GROUP)["message_id"]


async def test_a_long_message_interrupted_by_429_does_not_repeat_its_first_part(world: World) -> None:
    text = "\n".join(f"line {i} " + "y" * 90 for i in range(60))
    world.fake.fail_next("sendMessage", 429, retry_after=1, chat_id=GROUP)
    world.fake.fail_next("sendMessage", 429, retry_after=1, chat_id=GROUP)
    await enqueue(world, Post(CHAT, text))
    await world.flush()
    world.clock.advance(timedelta(seconds=1))
    await world.flush()
    world.clock.advance(timedelta(seconds=1))
    await world.flush()
    assert "\n".join(world.texts(GROUP)) == text and len(world.texts(GROUP)) == 2


async def test_spoiler_and_protected_content(world: World) -> None:
    await enqueue(world, Post(CHAT, "Heavy <topic> & more", spoiler=True, protect=True))
    await world.flush()
    params = world.sent(GROUP, "sendMessage")[-1]
    assert params["parse_mode"] == "HTML" and params["protect_content"] is True
    stored = world.last_message(GROUP)
    assert stored["text"] == "Heavy <topic> & more"
    assert stored["entities"][0]["type"] == "spoiler" and stored["has_protected_content"]
    await enqueue(world, Post(CHAT, "Plain <b>not bold</b>"))
    await world.flush()
    assert "parse_mode" not in world.sent(GROUP, "sendMessage")[-1]
    assert world.last_message(GROUP)["text"] == "Plain <b>not bold</b>"


async def test_a_thread_in_a_forum_is_a_topic(world: World) -> None:
    world.fake.add_chat(FORUM, is_forum=True)
    await enqueue(
        world,
        Post(FORUM_CHAT, "Dave's offload", card="offload:1", start_thread="Dave's offload"),
        Post(FORUM_CHAT, "I hear you", thread="offload:1"),
    )
    await world.flush()
    topic = world.fake.calls_to("createForumTopic")
    assert [t["name"] for t in topic] == ["Dave's offload"]
    header_id, thread_id = await card(world, FORUM_CHAT, "offload:1")
    sent = world.sent(FORUM, "sendMessage")
    assert [p.get("message_thread_id") for p in sent] == [int(thread_id), int(thread_id)]  # type: ignore[arg-type]
    assert header_id != thread_id


async def test_a_thread_elsewhere_is_a_reply_chain_under_the_root(world: World) -> None:
    await enqueue(
        world,
        Post(CHAT, "Dave's offload", card="offload:1", start_thread="Dave's offload"),
        Post(CHAT, "Been there", thread="offload:1"),
    )
    await world.flush()
    root_id, thread_id = await card(world, CHAT, "offload:1")
    assert root_id == thread_id
    reply = world.sent(GROUP, "sendMessage")[-1]
    assert reply["reply_parameters"]["message_id"] == int(root_id) and "message_thread_id" not in reply
    assert not world.fake.calls_to("createForumTopic")


async def test_a_reply_to_a_member_writing_in_a_topic_stays_in_that_topic(world: World) -> None:
    await world.setup_group()
    world.say(DAVE, "/members", message_thread_id=77, is_topic_message=True)
    await world.step()
    assert world.seen[-1].thread == "77"  # type: ignore[attr-defined]
    assert world.sent(GROUP, "sendMessage")[-1]["message_thread_id"] == 77


async def test_edits_same_text_is_fine_gone_message_is_dropped(world: World) -> None:
    await enqueue(world, Post(CHAT, "Count: 1", card="c"))
    await world.flush()
    await enqueue(world, Edit(CHAT, "c", "Count: 1"))  # "message is not modified": a success
    await world.flush()
    assert await pending(world) == 0
    message_id, _ = await card(world, CHAT, "c")
    world.fake.state.messages[GROUP].pop(int(message_id))  # deleted in the app meanwhile
    await enqueue(world, Edit(CHAT, "c", "Count: 2"), Post(CHAT, "after"))
    await world.flush()
    assert await pending(world) == 0 and world.texts(GROUP)[-1] == "after"


async def test_native_poll_votes_become_poll_votes_for_the_card(world: World) -> None:
    await world.setup_group()
    options = tuple(f"Option {i}" for i in range(14))
    question = "Where shall we go? " * 30
    await enqueue(world, NativePoll(CHAT, "poll:9", question, options, multi=True, anonymous=False))
    await world.flush()
    params = world.sent(GROUP, "sendPoll")[-1]
    assert len(params["question"]) <= 300 and params["question"].endswith("…")
    assert len(params["options"]) == 12 and params["is_anonymous"] is False
    assert params["allows_multiple_answers"] is True
    (poll_id,) = world.fake.polls
    world.fake.inject_poll_answer(poll_id, SAM, [0, 2])
    await world.step()
    vote = world.seen[-1]
    assert isinstance(vote, PollVote) and vote.poll_id == "poll:9" and vote.option_ids == (0, 2)
    assert vote.chat == CHAT and vote.sender.user_id == str(SAM)
    assert vote.key == f"tg:poll:{poll_id}:{SAM}:{vote.key.rsplit(':', 1)[1]}"
    assert not world.results[-1].duplicate  # claimed, no handler yet, no error
    await enqueue(world, ClosePoll(CHAT, "poll:9"))
    await world.flush()
    assert world.fake.polls[poll_id].is_closed


async def test_join_requests_are_translated_approved_and_declined(world: World) -> None:
    await world.setup_group()
    world.fake.inject_chat_join_request(GROUP, TOM, "Tom")
    await world.step()
    request = world.seen[-1]
    assert isinstance(request, JoinRequest) and request.chat == CHAT and request.sender.display_name == "Tom"
    assert request.key.startswith(f"tg:join:{GROUP}:{TOM}:")
    await enqueue(world, ApproveJoin(CHAT, str(TOM)))
    await world.flush()
    assert world.fake.member_status(GROUP, TOM) == "member"
    world.fake.inject_chat_join_request(GROUP, STRANGER, "Stranger")
    await world.step()
    await enqueue(world, DeclineJoin(CHAT, str(STRANGER)))
    await world.flush()
    assert world.fake.calls_to("declineChatJoinRequest") == [{"chat_id": GROUP, "user_id": STRANGER}]
    assert world.fake.member_status(GROUP, STRANGER) == "left" and not world.fake.state.join_requests


async def test_mute_and_png_file(world: World) -> None:
    world.fake.set_member_status(GROUP, SAM, "member")
    until = world.clock.now() + timedelta(days=1)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8 + (3).to_bytes(4, "big") + (2).to_bytes(4, "big")
    await enqueue(world, Mute(CHAT, str(SAM), until), File(CHAT, "chart.png", png, "image/png", caption="Weeks"))
    await world.flush()
    restrict = world.fake.calls_to("restrictChatMember")[-1]
    assert restrict["until_date"] == int(until.timestamp())
    assert not any(restrict["permissions"].values())
    assert world.fake.member_status(GROUP, SAM) == "restricted"
    assert world.sent(GROUP, "sendPhoto")[-1]["caption"] == "Weeks"


# ------------------------------------------------------------------ privacy of the logs


@pytest.fixture
def quiet_sqlite() -> Iterator[None]:
    """As `magbot run` sets it: aiosqlite logs SQL parameters (message texts) at DEBUG."""
    logger = logging.getLogger("aiosqlite")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


@pytest.mark.usefixtures("quiet_sqlite")
async def test_logs_never_hold_the_token_texts_or_names(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await world.restart()  # the Bot is built under DEBUG logging too
    world.fake.fail_next("sendMessage", 429, retry_after=1, chat_id=GROUP)
    await world.setup_group()
    world.clock.advance(timedelta(seconds=1))
    await world.flush()
    world.say(SAM, "/mydata", chat=SAM)
    world.say(DAVE, "my secret words", chat=DAVE)
    await world.step()
    assert caplog.records, "expected some logging"
    everything = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    secret = world.fake.token.split(":", 1)[1]
    assert world.fake.token not in everything and secret not in everything
    for private in ("secret words", "Founding members", "Dave", "Sam", "Welcome"):
        assert private not in everything


async def test_an_update_ptb_cannot_read_is_skipped_not_fatal(world: World, caplog: pytest.LogCaptureFixture) -> None:
    await world.setup_group()
    world.fake.inject_raw({"message": {"message_id": 1, "text": "no chat, no date, no sender"}})
    world.say(DAVE, "/members")
    assert await world.step() == 2
    assert len(members_replies(world)) == 1
    assert await world.step() == 0  # both confirmed
    assert "telegram update not understood" in caplog.text and "no chat" not in caplog.text


async def test_membership_changes_and_a_blocked_bot_reach_the_dispatcher(world: World) -> None:
    await world.setup_group()
    world.fake.inject_chat_member_update(GROUP, TOM, old_status="left", new_status="member", first_name="Tom")
    world.fake.inject_chat_member_update(GROUP, TOM, old_status="member", new_status="left")
    world.fake.inject_my_chat_member(SAM, SAM, old_status="member", new_status="kicked")
    await world.step()
    kinds = [type(i).__name__ for i in world.seen[-3:]]
    assert kinds == ["MemberJoined", "MemberLeft", "BotBlocked"]
    assert world.seen[-1].chat == ChatRef("telegram", str(SAM), "dm")


@pytest.mark.parametrize("status", [500, 502])
async def test_a_press_whose_answer_fails_is_answered_again_while_it_is_young(world: World, status: int) -> None:
    """Issue 12: after a 500 the press was never answered: the button kept spinning and its pop-up was lost."""
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    world.platform.receiver.pause = no_wait
    world.say(DAVE, "/setup")
    await world.step()
    setup_post = world.last_message(GROUP)
    world.fake.fail_next("answerCallbackQuery", status, times=2)
    world.fake.inject_callback_query(SAM, "setup:join", GROUP, setup_post["message_id"], first_name="Sam")
    await world.step()
    answers = [a for a in world.fake.answered if a.call.method == "answerCallbackQuery"]
    assert [a.error is None for a in answers] == [False, False, True]
    assert answers[-1].call.params.get("text") == "Welcome, you're in."
    assert waits == [0.5, 1.0]


async def test_a_press_too_old_to_answer_is_not_tried_again(world: World) -> None:
    world.platform.receiver.pause = lambda seconds: pytest.fail("no second try for a 400")  # type: ignore[assignment,return-value]
    world.say(DAVE, "/setup")
    await world.step()
    world.fake.fail_next("answerCallbackQuery", 400, description="Bad Request: query is too old")
    world.fake.inject_callback_query(SAM, "setup:join", GROUP, world.last_message(GROUP)["message_id"])
    await world.step()
    assert len([a for a in world.fake.answered if a.call.method == "answerCallbackQuery"]) == 1
