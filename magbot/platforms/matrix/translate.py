"""Room timeline events (already decrypted by nio) -> `Incoming`, keyed `mx:<event_id>`.

- `m.room.message` text: `/cmd` or `!cmd` (Element keeps `/` for its own commands) -> Command, else Text, with
  the thread root (`m.relates_to` rel_type `m.thread`) and the replied-to event; edits and notices are ignored.
- `m.reaction` on one of the bot's cards -> ButtonPress with the data of the card's button with that label.
- `m.poll.response` / MSC3381 response to one of the bot's polls -> PollVote (poll_id = the card name,
  option ids = answer indexes).
- membership: knock -> JoinRequest, join -> MemberJoined, leave/ban after a join -> MemberLeft.
- redaction -> MessageDeleted (a removed reaction arrives this way too; handlers ignore unknown ids).
Logs carry the event kind and ids only, never text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from nio import Event, MegolmEvent, RedactionEvent, RoomMemberEvent

from magbot.core.events import (
    ButtonPress,
    ChatRef,
    Command,
    Incoming,
    JoinRequest,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessageRef,
    PollVote,
    Text,
    UserRef,
)
from magbot.platforms.console import parse_command
from magbot.platforms.matrix.render import POLL_RESPONSES, find_label, poll_selections
from magbot.platforms.matrix.state import MatrixState

log = logging.getLogger(__name__)

PLATFORM = "matrix"
ChatFor = Callable[[str, str], Awaitable[ChatRef]]
NameOf = Callable[[str, str], str]
_REPLY_FALLBACK = re.compile(r"\A(?:>[^\n]*\n)+\n", re.DOTALL)


def strip_reply_fallback(body: str) -> str:
    """Drop the `> <@user> quoted` lines a client puts before the text of a reply."""
    return _REPLY_FALLBACK.sub("", body, count=1)


def relation(content: dict[str, Any]) -> dict[str, Any]:
    value = content.get("m.relates_to")
    return value if isinstance(value, dict) else {}


def event_time(source: dict[str, Any]) -> datetime:
    stamp = source.get("origin_server_ts")
    return datetime.fromtimestamp(stamp / 1000, UTC) if isinstance(stamp, int | float) else datetime.now(UTC)


def membership_of(event: RoomMemberEvent) -> tuple[str, str | None]:
    return event.membership, event.prev_membership


def is_own_join(event: Event, bot_user_id: str) -> bool:
    """The bot's own join (not a profile change): where a newly joined room's history starts for us."""
    return (
        isinstance(event, RoomMemberEvent)
        and event.state_key == bot_user_id
        and event.membership == "join"
        and event.prev_membership != "join"
    )


def person_of(event: Event) -> str:
    """Whom an event is about: the member for membership events, else the sender."""
    return event.state_key if isinstance(event, RoomMemberEvent) else event.sender


class Translator:
    """Turns one timeline event into an Incoming, or None when it means nothing to the bot."""

    def __init__(self, bot_user_id: str, state: MatrixState, chat_for: ChatFor, name_of: NameOf) -> None:
        self._bot, self._state, self._chat_for, self._name_of = bot_user_id, state, chat_for, name_of

    async def translate(self, room_id: str, event: Event) -> Incoming | None:
        source: dict[str, Any] = event.source or {}
        event_id = getattr(event, "event_id", None) or source.get("event_id")
        if not event_id or event.sender == self._bot:
            return None
        if isinstance(event, MegolmEvent):  # could not decrypt; the sync loop asks for the key
            return None
        chat = await self._chat_for(room_id, person_of(event))
        user = UserRef(PLATFORM, event.sender, self._name_of(room_id, event.sender))
        key, at = f"mx:{event_id}", event_time(source)
        if isinstance(event, RoomMemberEvent):
            return self._membership(room_id, event, chat, key, at)
        if isinstance(event, RedactionEvent):
            return MessageDeleted(key, chat, user, at, message_id=event.redacts)
        raw = source.get("content")
        content: dict[str, Any] = raw if isinstance(raw, dict) else {}
        kind = source.get("type")
        if kind == "m.reaction":
            return await self._reaction(content, chat, user, key, at)
        if kind in POLL_RESPONSES:
            return await self._poll_vote(content, chat, user, key, at)
        if kind == "m.room.message":
            return self._message(content, chat, user, key, at, event_id)
        return None

    def _message(
        self, content: dict[str, Any], chat: ChatRef, user: UserRef, key: str, at: datetime, event_id: str
    ) -> Incoming | None:
        rel = relation(content)
        if content.get("msgtype") not in ("m.text", "m.emote") or rel.get("rel_type") == "m.replace":
            return None  # notices (other bots), files, edits: nothing to act on
        body = content.get("body")
        if not isinstance(body, str):
            return None
        thread = rel.get("event_id") if rel.get("rel_type") == "m.thread" else None
        reply_id = (rel.get("m.in_reply_to") or {}).get("event_id")
        if thread and rel.get("is_falling_back"):
            reply_id = None  # a thread message's reply fallback for old clients, not a real reply
        reply_to = MessageRef(chat, reply_id) if reply_id else None
        text = strip_reply_fallback(body) if reply_id or rel.get("m.in_reply_to") else body
        command = parse_command(text)
        if command:
            name, args = command
            return Command(
                key, chat, user, at, name=name, args=args, reply_to=reply_to, thread=thread, message_id=event_id
            )
        return Text(key, chat, user, at, text=text, reply_to=reply_to, thread=thread, message_id=event_id)

    async def _reaction(
        self, content: dict[str, Any], chat: ChatRef, user: UserRef, key: str, at: datetime
    ) -> Incoming | None:
        rel = relation(content)
        card_event, label = rel.get("event_id"), rel.get("key")
        if rel.get("rel_type") != "m.annotation" or not card_event or not isinstance(label, str):
            return None
        buttons = await self._state.card_buttons(card_event)
        found = find_label(buttons, label)
        if found is None:
            return None  # an ordinary reaction, or on a message that is not a card
        return ButtonPress(key, chat, user, at, data=buttons[found], message_id=card_event)

    async def _poll_vote(
        self, content: dict[str, Any], chat: ChatRef, user: UserRef, key: str, at: datetime
    ) -> Incoming | None:
        poll = await self._state.poll(relation(content).get("event_id") or "")
        selections = poll_selections(content)
        if poll is None or selections is None:
            return None
        answers: list[str] = list(poll.get("answers", []))
        indexes = tuple(dict.fromkeys(answers.index(a) for a in selections if a in answers))
        return PollVote(key, chat, user, at, poll_id=str(poll["card"]), option_ids=indexes)

    def _membership(
        self, room_id: str, event: RoomMemberEvent, chat: ChatRef, key: str, at: datetime
    ) -> Incoming | None:
        if chat.is_dm or event.state_key == self._bot:
            return None  # a private room's members are not the group's; the sync loop handles the bot's own
        name = event.content.get("displayname") or self._name_of(room_id, event.state_key)
        member = UserRef(PLATFORM, event.state_key, str(name))
        now, before = membership_of(event)
        if now == "knock":
            return JoinRequest(key, chat, member, at)
        if now == "join" and before != "join":
            return MemberJoined(key, chat, member, at)
        if now in ("leave", "ban") and before == "join":
            return MemberLeft(key, chat, member, at)
        return None
