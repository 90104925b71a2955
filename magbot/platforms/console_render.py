"""The console's sending side: prints each outgoing message as one line, as PRODUCT.md "the console" shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from magbot.core.delivery import Places, RatePolicy, Unreachable
from magbot.core.events import (
    ApproveJoin,
    Button,
    CloseChat,
    ClosePoll,
    DeclineJoin,
    Delete,
    Edit,
    File,
    Mute,
    NativePoll,
    Outgoing,
    Post,
    Remove,
    Unmute,
)
from magbot.core.records import CardPlace
from magbot.core.wire import poll_option_data


@dataclass
class Shown:
    """A message on the console's screen: where it is, its buttons (label -> data) and its text as it now reads."""

    message_id: int
    chat_id: str
    thread: str | None
    buttons: dict[str, Button] = field(default_factory=dict)
    text: str = ""
    deleted: bool = False


def one_line(text: str) -> str:
    return " / ".join(part for part in text.splitlines()) if text else ""


class ConsoleSender:
    platform = "console"
    rate = RatePolicy(parallel_chats=1)  # one line at a time, in the order they were queued

    def __init__(self, out: TextIO, files_dir: Path, *, every_dm_open: bool = False) -> None:
        self._out, self._files_dir = out, files_dir
        # Tests of one feature may start as if every member had pressed Start; the console itself never does.
        self._every_dm_open = every_dm_open
        self.shown: list[Shown] = []
        self.dm_open: set[str] = set()  # who has written privately or pressed "Open a private chat with me"
        self.authors: dict[str, str] = {}  # a member's message id -> his name, to say whose message was deleted
        self._file_owner: dict[Path, str] = {}  # which private chat the file now in the folder was given to
        self._next_id = 0
        self._threads = 0

    def new_message_id(self) -> str:
        """An id for a member's message; members' and the bot's messages share one numbering, as in a chat."""
        self._next_id += 1
        return str(self._next_id)

    def _prefix(self, chat_id: str, thread: str | None) -> str:
        if thread:
            return f"[thread {thread}]"
        return "[group]" if chat_id == "group" else f"[dm {chat_id}]"

    def _print(self, prefix: str, text: str, buttons: Sequence[Button] = ()) -> None:
        labels = " ".join(f"[{b.label}]" for b in buttons)
        self._out.write(" ".join(part for part in (prefix, one_line(text), labels) if part) + "\n")
        self._out.flush()

    async def send(self, outbox_id: int, message: Outgoing, places: Places) -> CardPlace | None:
        chat_id = message.chat.chat_id
        if message.chat.is_dm and chat_id not in self.dm_open and not self._every_dm_open:
            raise Unreachable("console private chat not opened yet")  # as Telegram's 403 before /start
        thread = places.thread.thread_id if places.thread else None
        if isinstance(message, CloseChat):
            self._close(chat_id)
            return None
        if isinstance(message, Post):
            return self._post(message, chat_id, thread)
        if isinstance(message, NativePoll):
            buttons = [Button(option, poll_option_data(message.card, i)) for i, option in enumerate(message.options)]
            return self._show(self._prefix(chat_id, None), message.question, buttons, chat_id, None)
        if isinstance(message, Edit):
            prefix = self._prefix(chat_id, places.card.thread_id if places.card else None) + " (edited)"
            flat = [b for row in message.buttons for b in row]
            self._print(prefix, message.text, flat)
            self._replace_buttons(places.card, flat, message.text)
            return None
        if isinstance(message, File):
            path = self._files_dir / message.name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(message.data)
            self._file_owner[path] = chat_id
            self._print(
                self._prefix(chat_id, thread),
                f"FILE {message.name}" + (f" / {message.caption}" if message.caption else ""),
            )
            return None
        if isinstance(message, Delete) and message.message_id in self.authors:
            self._print(self._prefix(chat_id, thread), f"({self.authors[message.message_id]}'s message deleted)")
            return None
        if isinstance(message, Delete):
            self._gone(places.card or CardPlace(message.message_id or "", None), message.whole_thread)
        self._print(self._prefix(chat_id, thread), _action_text(message))
        return None

    def _close(self, chat_id: str) -> None:
        """He erased himself: the files last given to him go from the folder, and his chat is closed again."""
        for path in [p for p, owner in self._file_owner.items() if owner == chat_id]:
            path.unlink(missing_ok=True)
            del self._file_owner[path]
        self.dm_open.discard(chat_id)

    def _post(self, message: Post, chat_id: str, thread: str | None) -> CardPlace:
        if message.start_thread:
            self._threads += 1
            thread_id = str(self._threads)
            place = self._show(self._prefix(chat_id, None), message.text, _flat(message), chat_id, thread_id)
            return place
        return self._show(self._prefix(chat_id, thread), message.text, _flat(message), chat_id, thread)

    def _show(self, prefix: str, text: str, buttons: list[Button], chat_id: str, thread: str | None) -> CardPlace:
        self._next_id += 1
        self._print(prefix, text, buttons)
        self.shown.append(Shown(self._next_id, chat_id, thread, {b.label: b for b in buttons}, one_line(text)))
        return CardPlace(str(self._next_id), thread)

    def _replace_buttons(self, place: CardPlace | None, buttons: list[Button], text: str) -> None:
        for shown in self.shown:
            if place and str(shown.message_id) == place.message_id:
                shown.buttons, shown.text = {b.label: b for b in buttons}, one_line(text)

    def _gone(self, place: CardPlace, whole_thread: bool) -> None:
        for shown in self.shown:
            in_thread = whole_thread and place.thread_id is not None and shown.thread == place.thread_id
            if str(shown.message_id) == place.message_id or in_thread:
                shown.deleted = True

    def screen(self, chat_id: str) -> list[str]:
        """What a chat shows now, oldest first: each message as last edited, deleted ones gone (for tests)."""
        return [s.text for s in self.shown if s.chat_id == chat_id and not s.deleted]


def _flat(message: Post) -> list[Button]:
    return [b for row in message.buttons for b in row]


def _action_text(message: Outgoing) -> str:
    user = getattr(message, "user_id", "")
    match message:
        case Delete():
            return "(message deleted)"
        case ClosePoll():
            return "(poll closed)"
        case ApproveJoin():
            return f"({user} let in)"
        case DeclineJoin():
            return f"({user} not let in)"
        case Mute():
            return f"({user} muted)"
        case Unmute():
            return f"({user} can post again)"
        case Remove():
            return f"({user} removed from the chat)"
    return f"({type(message).__name__})"
