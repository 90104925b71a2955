"""What comes in from a chat platform and what goes out to one.

Handlers only ever see these types; platforms translate to and from them. Every `Incoming` carries a
natural `key` (e.g. `tg:<chat>:<message_id>`) so the dispatcher can process it exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

ChatKind = Literal["group", "dm"]


@dataclass(frozen=True)
class ChatRef:
    """A chat on one platform: a group chat (supergroup, room) or a private chat with one person."""

    platform: str
    chat_id: str
    kind: ChatKind = "group"

    @property
    def is_dm(self) -> bool:
        return self.kind == "dm"


@dataclass(frozen=True)
class UserRef:
    """A person as the platform knows them. `display_name` is for replies only, never for logs."""

    platform: str
    user_id: str
    display_name: str = ""


@dataclass(frozen=True)
class MessageRef:
    """A message the platform sent us (a member's message), by its platform id."""

    chat: ChatRef
    message_id: str


@dataclass(frozen=True)
class Button:
    """One button. `data` is `feature:action:id[:arg]`, at most 64 bytes (Telegram's limit), made by a kind of
    press declared with `magbot.core.wire.Press`."""

    label: str
    data: str = ""
    url: str = ""

    def __post_init__(self) -> None:
        if len(self.data.encode()) > 64:
            raise ValueError("button data is longer than 64 bytes")


# ---------------------------------------------------------------- incoming


@dataclass(frozen=True)
class Incoming:
    key: str
    chat: ChatRef
    sender: UserRef
    at: datetime


@dataclass(frozen=True)
class Command(Incoming):
    name: str
    args: str = ""
    reply_to: MessageRef | None = None
    thread: str | None = None
    message_id: str = ""


@dataclass(frozen=True)
class Text(Incoming):
    text: str
    reply_to: MessageRef | None = None
    thread: str | None = None
    message_id: str = ""


@dataclass(frozen=True)
class ButtonPress(Incoming):
    data: str
    message_id: str = ""
    callback_id: str = ""


@dataclass(frozen=True)
class PollVote(Incoming):
    """A vote. From a native poll, `option_ids` is the whole new choice; from a button (`toggle`), the one
    option pressed, which a multi-answer poll adds or takes back."""

    poll_id: str
    option_ids: tuple[int, ...] = ()
    toggle: bool = False


@dataclass(frozen=True)
class JoinRequest(Incoming):
    """Someone asks to join (Telegram join request, Matrix knock)."""


@dataclass(frozen=True)
class MemberJoined(Incoming):
    pass


@dataclass(frozen=True)
class MemberLeft(Incoming):
    pass


@dataclass(frozen=True)
class MessageDeleted(Incoming):
    message_id: str = ""


@dataclass(frozen=True)
class BotBlocked(Incoming):
    """The person blocked the bot in their private chat, or removed it from a group."""


# ---------------------------------------------------------------- outgoing


@dataclass(frozen=True)
class Outgoing:
    chat: ChatRef


@dataclass(frozen=True)
class Post(Outgoing):
    """A message. `card` names it so later Edits/Deletes can find it. `thread` is the card name of a thread the
    bot started; `platform_thread` the platform's own id of one it did not (a member's forum topic, a reply chain)."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    card: str | None = None
    thread: str | None = None
    start_thread: str | None = None  # title: make this message the root of a new thread
    platform_thread: str | None = None
    protect: bool = False
    spoiler: bool = False
    # The buttons cast a secret vote: where others can see a press (Matrix reactions), a group chat gets a link
    # to the private chat instead, where the same ballot is sent.
    secret_ballot: bool = False


@dataclass(frozen=True)
class Edit(Outgoing):
    card: str
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True)
class Delete(Outgoing):
    """Delete a card the bot posted, or (with `message_id`) a member's message, on a group decision."""

    card: str | None = None
    message_id: str | None = None
    whole_thread: bool = False  # the card is a thread's root: take the thread with it where the platform can


@dataclass(frozen=True)
class NativePoll(Outgoing):
    card: str
    question: str
    options: tuple[str, ...]
    multi: bool = False
    anonymous: bool = True


@dataclass(frozen=True)
class ClosePoll(Outgoing):
    card: str


@dataclass(frozen=True)
class File(Outgoing):
    name: str
    data: bytes
    mime: str = "application/octet-stream"
    caption: str = ""


@dataclass(frozen=True)
class ApproveJoin(Outgoing):
    user_id: str


@dataclass(frozen=True)
class DeclineJoin(Outgoing):
    user_id: str


@dataclass(frozen=True)
class Mute(Outgoing):
    user_id: str
    until: datetime | None = None


@dataclass(frozen=True)
class Unmute(Outgoing):
    """A mute's end: the member may post in the group again (Telegram lifts it at `until` by itself too)."""

    user_id: str


@dataclass(frozen=True)
class Remove(Outgoing):
    user_id: str


@dataclass
class Reply:
    """What a handler returns: messages for the outbox, and an optional pop-up for a button press."""

    out: list[Outgoing] = field(default_factory=list)
    toast: str | None = None


OUTGOING_KINDS: dict[str, type[Outgoing]] = {
    cls.__name__: cls
    for cls in (Post, Edit, Delete, NativePoll, ClosePoll, File, ApproveJoin, DeclineJoin, Mute, Unmute, Remove)
}
