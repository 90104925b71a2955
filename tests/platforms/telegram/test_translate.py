"""Update -> Incoming, as pure functions: keys, commands, threads, replies, presses, votes, joins, blocks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import Update

from magbot.core.events import (
    BotBlocked,
    ButtonPress,
    ChatRef,
    Command,
    JoinRequest,
    MemberJoined,
    MemberLeft,
    MessageRef,
    PollVote,
    Text,
    UserRef,
)
from magbot.platforms.telegram.state import PollOrigin
from magbot.platforms.telegram.translate import parse_command, translate
from tests.fakes.telegram_objects import ADMIN_RIGHTS

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
BOT = "magbot_test_bot"
GROUP = {"id": -100555, "type": "supergroup", "title": "MAG"}
FORUM = {"id": -100777, "type": "supergroup", "title": "MAG", "is_forum": True}
DAVE = {"id": 5001, "is_bot": False, "first_name": "Dave", "last_name": "Smith"}
DM = {"id": 5001, "type": "private", "first_name": "Dave"}


def update(**body: Any) -> Update:
    parsed = Update.de_json({"update_id": 42, **body}, None)
    assert parsed is not None
    return parsed


def message(text: str | None = "hello", chat: dict[str, Any] = GROUP, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"message_id": 7, "date": 1_790_000_000, "chat": chat, "from": DAVE, **extra}
    if text is not None:
        body["text"] = text
    return body


def member(status: str, user: dict[str, Any] = DAVE, **extra: Any) -> dict[str, Any]:
    return {"status": status, "user": user, **extra}


def test_a_group_message_is_text_with_a_natural_key() -> None:
    incoming = translate(update(message=message()), BOT, NOW)
    assert isinstance(incoming, Text)
    assert incoming.key == "tg:-100555:7" and incoming.text == "hello" and incoming.message_id == "7"
    assert incoming.chat == ChatRef("telegram", "-100555", "group")
    assert incoming.sender == UserRef("telegram", "5001", "Dave Smith")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/members", ("members", "")),
        ("/Help@magbot_test_bot", ("help", "")),
        ("/poll Where? | Pub | Park", ("poll", "Where? | Pub | Park")),
        ("/start hi", ("start", "hi")),
        ("/suggest line one\nline two", ("suggest", "line one\nline two")),
        ("hello /members", None),
        ("/members@other_bot", None),
        ("/", None),
    ],
)
def test_parse_command(text: str, expected: tuple[str, str] | None) -> None:
    assert parse_command(text, BOT) == expected


@given(st.text(max_size=200))
def test_parse_command_never_fails(text: str) -> None:
    parsed = parse_command(text, BOT)
    if parsed is not None:
        assert parsed[0] == parsed[0].lower() and text.strip().startswith("/")


def test_commands_in_private_and_for_other_bots() -> None:
    incoming = translate(update(message=message("/mydata", chat=DM)), BOT, NOW)
    assert isinstance(incoming, Command) and incoming.name == "mydata" and incoming.chat.is_dm
    assert translate(update(message=message("/members@other_bot")), BOT, NOW) is None


def test_replies_and_reply_threads() -> None:
    root = message("root", message_id=3)
    incoming = translate(update(message=message("me too", reply_to_message=root, message_thread_id=3)), BOT, NOW)
    assert isinstance(incoming, Text)
    assert incoming.reply_to == MessageRef(ChatRef("telegram", "-100555", "group"), "3")
    assert incoming.thread == "3"


def test_a_forum_topic_message_has_the_topic_as_thread_and_no_reply() -> None:
    created = {"message_id": 11, "date": 1, "chat": FORUM, "forum_topic_created": {"name": "x", "icon_color": 1}}
    body = message("/members", chat=FORUM, message_thread_id=11, is_topic_message=True, reply_to_message=created)
    incoming = translate(update(message=body), BOT, NOW)
    assert isinstance(incoming, Command) and incoming.thread == "11" and incoming.reply_to is None


@pytest.mark.parametrize(
    "body",
    [
        {"edited_message": message()},
        {"channel_post": message(chat={"id": -100999, "type": "channel", "title": "News"})},
        {"message": message(None, new_chat_members=[DAVE])},  # a service message
        {"message": message(**{"from": {"id": 9, "is_bot": True, "first_name": "Other"}})},
        {"message": message(sender_chat=GROUP)},  # an anonymous admin
    ],
)
def test_ignored_updates(body: dict[str, Any]) -> None:
    assert translate(update(**body), BOT, NOW) is None


def test_a_caption_counts_as_text() -> None:
    body = message(
        None, caption="look at this", photo=[{"file_id": "a", "file_unique_id": "b", "width": 1, "height": 1}]
    )
    incoming = translate(update(message=body), BOT, NOW)
    assert isinstance(incoming, Text) and incoming.text == "look at this"


def test_a_callback_query_is_a_button_press_in_the_messages_chat() -> None:
    query = {"id": "777", "from": DAVE, "chat_instance": "1", "data": "leave:yes:3", "message": message("card")}
    incoming = translate(update(callback_query=query), BOT, NOW)
    assert isinstance(incoming, ButtonPress)
    assert incoming.key == "tg:cb:777" and incoming.data == "leave:yes:3" and incoming.callback_id == "777"
    assert incoming.chat.chat_id == "-100555" and incoming.message_id == "7" and incoming.at == NOW


def test_a_poll_answer_names_the_card_and_the_group() -> None:
    answer = {"poll_id": "p1", "user": DAVE, "option_ids": [1], "option_persistent_ids": ["o1"]}
    origin = PollOrigin("-100555", "group", "poll:4")
    incoming = translate(update(poll_answer=answer), BOT, NOW, origin)
    assert isinstance(incoming, PollVote)
    assert incoming.key == "tg:poll:p1:5001:42" and incoming.poll_id == "poll:4" and incoming.option_ids == (1,)
    assert incoming.chat == ChatRef("telegram", "-100555", "group")
    assert translate(update(poll_answer=answer), BOT, NOW, None) is None  # not one of ours


def test_a_join_request() -> None:
    request = {"chat": GROUP, "from": DAVE, "user_chat_id": 5001, "date": 1_790_000_000}
    incoming = translate(update(chat_join_request=request), BOT, NOW)
    assert isinstance(incoming, JoinRequest) and incoming.key == "tg:join:-100555:5001:1790000000"


def test_chat_member_joins_and_leaves() -> None:
    def change(old: dict[str, Any], new: dict[str, Any]) -> Update:
        return update(
            chat_member={"chat": GROUP, "from": DAVE, "date": 1, "old_chat_member": old, "new_chat_member": new}
        )

    joined = translate(change(member("left"), member("member")), BOT, NOW)
    assert isinstance(joined, MemberJoined) and joined.key == "tg:u:42"
    left = translate(change(member("member"), member("kicked", until_date=0)), BOT, NOW)
    assert isinstance(left, MemberLeft)
    assert translate(change(member("member"), member("administrator", **_admin())), BOT, NOW) is None


def test_the_service_message_of_a_leave_is_a_member_leaving() -> None:
    left = translate(update(message=message(None, left_chat_member=DAVE)), BOT, NOW)
    assert isinstance(left, MemberLeft) and left.key == "tg:-100555:7" and left.sender.user_id == "5001"
    bot = {"id": 9, "is_bot": True, "first_name": "Other"}
    assert translate(update(message=message(None, left_chat_member=bot)), BOT, NOW) is None


def test_blocking_the_bot_in_private() -> None:
    bot = {"id": 1, "is_bot": True, "first_name": "Magbot"}
    body = {
        "chat": DM,
        "from": DAVE,
        "date": 1,
        "old_chat_member": member("member", bot),
        "new_chat_member": member("kicked", bot, until_date=0),
    }
    incoming = translate(update(my_chat_member=body), BOT, NOW)
    assert isinstance(incoming, BotBlocked) and incoming.chat.is_dm and incoming.key == "tg:u:42"
    body["chat"] = GROUP
    assert translate(update(my_chat_member=body), BOT, NOW) is None


def _admin() -> dict[str, Any]:
    """An administrator's rights, all off (the same list the fake Bot API server answers with)."""
    return dict.fromkeys(("can_be_edited", "is_anonymous", *ADMIN_RIGHTS), False)
