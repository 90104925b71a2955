"""What the bot did on the fake Bot API, as console transcript lines (`[group] text [Btn]`, `[dm sam] ...`).

Read from the fake server's log of answered calls, so a line is what Telegram accepted and members see:
`sendMessage` is a message, `editMessageText` an `(edited)` one, `sendPoll` a native poll (`POLL question
[option]`), `sendDocument`/`sendPhoto` a `FILE`, `answerCallbackQuery` a pop-up (`[toast sam]`), the
administration calls `(eve let in)` and the like. Threads are numbered 1, 2, ... in the order they first
appear, whether the bot used a forum topic (its topic id) or a reply chain (its root message's id).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.telegram_api import Answered, FakeTelegramServer
from tests.fakes.telegram_objects import JSONDict

CANNOT_WRITE_FIRST = "Forbidden: bot can't initiate conversation with a user"
# Calls members do not see as a message of their own (a topic shows with its first message; the unban is the
# second half of a removal); any other method the bot calls shows as `(unrendered <method>)` until named here.
QUIET = frozenset(
    {
        "getMe",
        "getUpdates",
        "setMyCommands",
        "deleteWebhook",
        "getChat",
        "getChatMember",
        "createForumTopic",
        "unbanChatMember",
    }
)
Who = Callable[[int], str]  # a Telegram user id -> the story's name for him ("sam")


@dataclass
class Placed:
    """A message in a chat as the story sees it: where it is (its thread's Telegram id) and who wrote it."""

    chat_id: int
    message_id: int
    thread: int | None = None
    author: str | None = None  # a member's display name; None for the bot


@dataclass
class Screen:
    """Everything shown so far, in order, and how thread ids map to the transcript's numbers."""

    placed: list[Placed] = field(default_factory=list)
    numbers: dict[int, int] = field(default_factory=dict)  # Telegram thread id -> 1, 2, ...
    toasts: dict[str, str] = field(default_factory=dict)  # callback query id -> who pressed

    def find(self, chat_id: int, message_id: int) -> Placed | None:
        return next((p for p in self.placed if (p.chat_id, p.message_id) == (chat_id, message_id)), None)

    def number(self, thread: int) -> int:
        return self.numbers.setdefault(thread, len(self.numbers) + 1)

    def thread_of(self, message: JSONDict, forum: bool) -> int | None:
        """The thread a message is in: its forum topic, or the root of the reply chain it answers."""
        if forum:
            return int(message["message_thread_id"]) if message.get("is_topic_message") else None
        replied = message.get("reply_to_message")
        if replied is None:
            return None
        known = self.find(int(message["chat"]["id"]), int(replied["message_id"]))
        return known.thread if known and known.thread else int(replied["message_id"])


class Renderer:
    """Turns the fake server's new answered calls into transcript lines, one call at a time."""

    def __init__(self, fake: FakeTelegramServer, who: Who, *, forum: bool) -> None:
        self.fake, self.who, self.forum = fake, who, forum
        self.screen = Screen()
        self._read = 0

    def new_lines(self) -> list[str]:
        calls = self.fake.answered[self._read :]
        self._read = len(self.fake.answered)
        return [line for answered in calls if (line := self._answered(answered))]

    def _answered(self, answered: Answered) -> str | None:
        call, error = answered.call, answered.error
        if error is None:
            return self._line(call.method, call.params, answered.result)
        if error.description == CANNOT_WRITE_FIRST:  # the member has not opened his private chat yet
            return None
        return f"(telegram refused {call.method}: {error.description})"  # a mistake of the bot's, shown

    def _line(self, method: str, params: JSONDict, result: Any) -> str | None:
        if method in ("sendMessage", "sendPoll", "sendDocument", "sendPhoto"):
            return self._sent(result, params)
        if method in ("editMessageText", "editMessageReplyMarkup"):
            return f"{self._where_is(result)} (edited) {_body(result)}{_labels(result)}"
        if method == "answerCallbackQuery":
            pressed = self.screen.toasts[params["callback_query_id"]]
            return f"[toast {pressed}] {params['text']}" if "text" in params else None
        chat = int(params.get("chat_id") or 0)
        if method == "stopPoll":
            return f"{self._where_is_id(chat, int(params['message_id']))} (poll closed)"
        if method == "deleteMessage":
            placed = self.screen.find(chat, int(params["message_id"]))
            whose = f"{placed.author}'s message" if placed and placed.author else "message"
            return f"{self._chat(chat)} ({whose} deleted)"
        if method == "deleteForumTopic":
            return f"[thread {self.screen.number(int(params['message_thread_id']))}] (thread deleted)"
        if method in QUIET:
            return None
        return self._admin(method, params) or f"(unrendered {method})"

    def _admin(self, method: str, params: JSONDict) -> str | None:
        done = {
            "approveChatJoinRequest": "let in",
            "declineChatJoinRequest": "not let in",
            "restrictChatMember": "muted",
            "banChatMember": "removed from the chat",  # with the unban after it: out, free to come back
        }.get(method)
        if method == "restrictChatMember" and _lifted(params):
            done = "can post again"
        return f"{self._chat(int(params['chat_id']))} ({self.who(int(params['user_id']))} {done})" if done else None

    def _sent(self, message: JSONDict, params: JSONDict) -> str:
        chat = int(message["chat"]["id"])
        placed = Placed(chat, int(message["message_id"]), self.screen.thread_of(message, self.forum))
        self.screen.placed.append(placed)
        upload = params.get("document") or params.get("photo")
        return f"{self._where(placed)} {_body(message, getattr(upload, 'filename', ''))}{_labels(message)}"

    def _where_is(self, message: JSONDict) -> str:
        return self._where_is_id(int(message["chat"]["id"]), int(message["message_id"]))

    def _where_is_id(self, chat: int, message_id: int) -> str:
        placed = self.screen.find(chat, message_id)
        if placed is None:
            return self._chat(chat)
        if placed.thread is None and message_id in self.screen.numbers:  # the root of a reply thread
            return f"[thread {self.screen.number(message_id)}]"
        return self._where(placed)

    def _where(self, placed: Placed) -> str:
        if placed.thread is not None:
            return f"[thread {self.screen.number(placed.thread)}]"
        return self._chat(placed.chat_id)

    def _chat(self, chat: int) -> str:
        return f"[dm {self.who(chat)}]" if chat > 0 else "[group]"


def _lifted(params: JSONDict) -> bool:
    """A restriction with every right to send given back: the end of a mute."""
    permissions = params.get("permissions")
    if isinstance(permissions, str):
        permissions = json.loads(permissions)
    return isinstance(permissions, dict) and bool(permissions.get("can_send_messages"))


def _body(message: JSONDict, filename: str = "") -> str:
    if "poll" in message:
        return "POLL " + message["poll"]["question"]
    if "document" in message or "photo" in message:
        caption = message.get("caption")
        return f"FILE {filename}" + (f" / {' / '.join(caption.splitlines())}" if caption else "")
    return " / ".join(str(message.get("text", "")).splitlines())


def _labels(message: JSONDict) -> str:
    if "poll" in message:
        labels = [option["text"] for option in message["poll"]["options"]]
    else:
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        labels = [button["text"] for row in rows for button in row]
    return "".join(f" [{label}]" for label in labels)
