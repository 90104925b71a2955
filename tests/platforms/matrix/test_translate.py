"""Matrix events -> Incoming and Outgoing -> event contents, without a homeserver."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from nio import Event, RoomSendError

from magbot.core.context import DM_LINK
from magbot.core.delivery import RetryLater, Undeliverable, Unreachable
from magbot.core.events import (
    Button,
    ButtonPress,
    ChatRef,
    Command,
    JoinRequest,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    PollVote,
    Text,
)
from magbot.platforms.matrix import render
from magbot.platforms.matrix.session import MatrixTemporaryError, raise_for
from magbot.platforms.matrix.translate import Translator, strip_reply_fallback

BOT, DAVE, ROOM = "@bot:localhost", "@dave:localhost", "!room:localhost"
GROUP = ChatRef("matrix", ROOM)


class FakeState:
    def __init__(self) -> None:
        self.cards: dict[str, dict[str, str]] = {"$card": {"I'm a member": "setup:join", "👍": "agenda:up:3"}}
        self.polls: dict[str, dict[str, Any]] = {"$poll": {"card": "poll:7", "answers": ["0", "1", "2"]}}

    async def card_buttons(self, event_id: str) -> dict[str, str]:
        return self.cards.get(event_id, {})

    async def poll(self, event_id: str) -> dict[str, Any] | None:
        return self.polls.get(event_id)


async def chat_for(room_id: str, person: str) -> ChatRef:
    return ChatRef("matrix", person, "dm") if room_id == "!dm:localhost" else ChatRef("matrix", room_id)


def translator() -> Translator:
    return Translator(BOT, FakeState(), chat_for, lambda room, user: "Dave")  # type: ignore[arg-type]


def event(kind: str, content: dict[str, Any], sender: str = DAVE, **extra: Any) -> Event:
    source = {"type": kind, "content": content, "sender": sender, "event_id": "$e1", "origin_server_ts": 1_700_000_000}
    return Event.parse_event({**source, **extra})


async def test_commands_with_slash_or_bang_and_plain_text() -> None:
    t = translator()
    command = await t.translate(ROOM, event("m.room.message", {"msgtype": "m.text", "body": "!poll Tea? | Yes | No"}))
    assert isinstance(command, Command) and (command.name, command.args) == ("poll", "Tea? | Yes | No")
    assert command.key == "mx:$e1" and command.chat == GROUP and command.sender.display_name == "Dave"
    dm = await t.translate("!dm:localhost", event("m.room.message", {"msgtype": "m.text", "body": "/mydata"}))
    assert isinstance(dm, Command) and dm.chat == ChatRef("matrix", DAVE, "dm")
    text = await t.translate(ROOM, event("m.room.message", {"msgtype": "m.text", "body": "hello"}))
    assert isinstance(text, Text) and text.text == "hello" and text.thread is None


async def test_threads_replies_and_ignored_messages() -> None:
    t = translator()
    in_thread = {
        "msgtype": "m.text",
        "body": "me too",
        "m.relates_to": {
            "rel_type": "m.thread",
            "event_id": "$root",
            "is_falling_back": True,
            "m.in_reply_to": {"event_id": "$root"},
        },
    }
    text = await t.translate(ROOM, event("m.room.message", in_thread))
    assert isinstance(text, Text) and text.thread == "$root" and text.reply_to is None
    reply = {
        "msgtype": "m.text",
        "body": "> <@bot:localhost> hi\n> there\n\n/help",
        "m.relates_to": {"m.in_reply_to": {"event_id": "$q"}},
    }
    command = await t.translate(ROOM, event("m.room.message", reply))
    assert isinstance(command, Command) and command.name == "help" and command.reply_to.message_id == "$q"
    edit = {"msgtype": "m.text", "body": "* x", "m.relates_to": {"rel_type": "m.replace", "event_id": "$e0"}}
    assert await t.translate(ROOM, event("m.room.message", edit)) is None
    assert await t.translate(ROOM, event("m.room.message", {"msgtype": "m.notice", "body": "/help"})) is None
    assert await t.translate(ROOM, event("m.room.message", {"msgtype": "m.text", "body": "/help"}, sender=BOT)) is None


async def test_reactions_on_cards_are_button_presses() -> None:
    t = translator()
    press = await t.translate(
        ROOM,
        event("m.reaction", {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$card", "key": "I’m a member"}}),
    )  # a curly quote still matches
    assert isinstance(press, ButtonPress) and press.data == "setup:join" and press.message_id == "$card"
    thumbs = await t.translate(
        ROOM,
        event("m.reaction", {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$card", "key": "👍\ufe0f"}}),
    )
    assert isinstance(thumbs, ButtonPress) and thumbs.data == "agenda:up:3"
    other = await t.translate(
        ROOM,
        event(
            "m.reaction",
            {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$elsewhere", "key": "I'm a member"}},
        ),
    )
    assert other is None


async def test_poll_responses_stable_and_unstable() -> None:
    t = translator()
    relates = {"rel_type": "m.reference", "event_id": "$poll"}
    stable = await t.translate(ROOM, event("m.poll.response", {"m.relates_to": relates, "m.selections": ["2", "0"]}))
    assert isinstance(stable, PollVote) and stable.poll_id == "poll:7" and stable.option_ids == (2, 0)
    unstable = await t.translate(
        ROOM,
        event(
            "org.matrix.msc3381.poll.response",
            {"m.relates_to": relates, "org.matrix.msc3381.poll.response": {"answers": ["1"]}},
        ),
    )
    assert isinstance(unstable, PollVote) and unstable.option_ids == (1,)


async def test_membership_and_redactions() -> None:
    t = translator()

    def member(now: str, before: str | None = None) -> Event:
        unsigned = {"prev_content": {"membership": before}} if before else {}
        return event("m.room.member", {"membership": now, "displayname": "Dave"}, state_key=DAVE, unsigned=unsigned)

    assert isinstance(await t.translate(ROOM, member("knock")), JoinRequest)
    assert isinstance(await t.translate(ROOM, member("join", "invite")), MemberJoined)
    assert isinstance(await t.translate(ROOM, member("leave", "join")), MemberLeft)
    assert await t.translate(ROOM, member("join", "join")) is None  # a new display name
    assert await t.translate(ROOM, member("leave", "knock")) is None  # a refused knock
    redaction = await t.translate(ROOM, event("m.room.redaction", {}, redacts="$gone"))
    assert isinstance(redaction, MessageDeleted) and redaction.message_id == "$gone"


def test_strip_reply_fallback() -> None:
    assert strip_reply_fallback("> <@a:b> quoted\n\nanswer") == "answer"
    assert strip_reply_fallback("> not a fallback") == "> not a fallback"


def test_cards_list_buttons_and_link_to_the_bot() -> None:
    buttons = ((Button("I'm a member", "setup:join"),), (Button("Open a private chat with me", url=DM_LINK),))
    content = render.message_content("Welcome <all>", buttons, BOT)
    assert content["body"] == (
        "Welcome <all>\n\nOpen a private chat with me: https://matrix.to/#/@bot:localhost\n[I'm a member]"
    )
    assert content["formatted_body"].startswith("Welcome &lt;all&gt;<br><br><a href=")
    assert render.button_map(buttons) == {"I'm a member": "setup:join"}
    edit = render.edit_content("$card", content)
    assert edit["m.new_content"] == content and edit["m.relates_to"] == {"rel_type": "m.replace", "event_id": "$card"}
    assert render.in_thread(content, "$root")["m.relates_to"]["rel_type"] == "m.thread"


def test_poll_content_has_stable_and_unstable_forms() -> None:
    content, answers = render.poll_start_content("Tea?", ("Yes", "No"), multi=True, anonymous=False)
    assert answers == ["0", "1"]
    unstable = content["org.matrix.msc3381.poll.start"]
    assert unstable["kind"] == "org.matrix.msc3381.poll.disclosed" and unstable["max_selections"] == 2
    assert content["m.poll"]["answers"][1] == {"m.id": "1", "m.text": [{"body": "No"}]}
    assert content["org.matrix.msc1767.text"] == "Tea?\n1. Yes\n2. No"
    assert render.poll_selections({"m.selections": ["1"]}) == ["1"]
    assert render.poll_selections({}) is None


def test_error_responses_become_outbox_exceptions() -> None:
    def error(code: str, status: int, retry_ms: int | None = None) -> RoomSendError:
        response = RoomSendError("no", code, retry_ms)
        response.transport_response = SimpleNamespace(status=status)  # type: ignore[assignment]
        return response

    with pytest.raises(RetryLater) as later:
        raise_for(error("M_LIMIT_EXCEEDED", 429, 2500))
    assert later.value.seconds == 2.5
    with pytest.raises(MatrixTemporaryError):
        raise_for(error("M_UNKNOWN", 502))
    with pytest.raises(MatrixTemporaryError):
        raise_for(error("M_UNKNOWN_TOKEN", 401))
    with pytest.raises(Unreachable):
        raise_for(error("M_FORBIDDEN", 403), dm=True)
    with pytest.raises(Undeliverable):
        raise_for(error("M_FORBIDDEN", 403))
    with pytest.raises(Undeliverable):
        raise_for(error("M_NOT_FOUND", 404))
    raise_for(object())  # a success passes
