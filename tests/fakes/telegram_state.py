"""In-memory world of the fake Telegram Bot API: chats, users, messages, polls, memberships, files.

``BotState`` is shared by the HTTP layer (``telegram_api``), the method handlers
(``telegram_messages``, ``telegram_chats``) and the update injectors.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

from .telegram_objects import (
    ApiError,
    Call,
    ChatInfo,
    JSONDict,
    MemberState,
    PollState,
    UploadedFile,
    bad_request,
    user_json,
)


class BotState:
    """Everything the fake server remembers between requests."""

    def __init__(self, bot_id: int, bot_username: str, bot_first_name: str, clock: Callable[[], float]) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.clock = clock
        self.chats: dict[int, ChatInfo] = {}
        self.users: dict[int, JSONDict] = {}
        self.messages: dict[int, dict[int, JSONDict]] = {}
        self.polls: dict[str, PollState] = {}
        self.members: dict[tuple[int, int], MemberState] = {}
        self.join_requests: set[tuple[int, int]] = set()
        self.pending_callbacks: set[str] = set()
        self.files: list[UploadedFile] = []
        self.outgoing: list[Call] = []
        self.started: set[int] = set()  # users who wrote to the bot privately: only they can be written to
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._last_message_id: dict[int, int] = {}
        self._ids = itertools.count(1)

    # -- identities -------------------------------------------------------------------------------------
    def next_id(self) -> int:
        return next(self._ids)

    def now(self) -> int:
        return int(self.clock())

    @property
    def bot_user(self) -> JSONDict:
        return user_json(self.bot_id, self.bot_first_name, username=self.bot_username, is_bot=True)

    def user(self, user_id: int) -> JSONDict:
        if user_id == self.bot_id:
            return self.bot_user
        return dict(self.users.get(user_id) or user_json(user_id, f"User{user_id}"))

    def remember_user(self, user_id: int, first_name: str, username: str | None = None) -> JSONDict:
        username = username or self.users.get(user_id, {}).get("username")
        self.users[user_id] = user_json(user_id, first_name, username=username)
        return dict(self.users[user_id])

    # -- chats ------------------------------------------------------------------------------------------
    def chat(self, chat_id: int, chat_type: str | None = None) -> ChatInfo:
        """The known chat, created on first use (positive ids are private chats, negative supergroups)."""
        chat = self.chats.get(chat_id)
        if chat is None:
            kind = chat_type or ("private" if chat_id > 0 else "supergroup")
            chat = ChatInfo(chat_id, kind)
            if kind == "private":
                chat.first_name = self.user(chat_id)["first_name"]
            else:
                chat.title = f"Test {kind} {chat_id}"
            self.chats[chat_id] = chat
        elif chat_type is not None:
            chat.type = chat_type
        return chat

    def resolve_chat(self, raw: Any) -> ChatInfo:
        """The chat a ``chat_id`` parameter designates (the bot always sends the number)."""
        try:
            return self.chat(int(raw))
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None

    # -- memberships ------------------------------------------------------------------------------------
    def member(self, chat_id: int, user_id: int) -> MemberState:
        """Current membership; unknown users have left, the bot is an administrator of every group."""
        state = self.members.get((chat_id, user_id))
        if state is not None:
            return state
        if chat_id > 0:
            return MemberState("member")
        return MemberState("administrator" if user_id == self.bot_id else "left")

    def set_member(self, chat_id: int, user_id: int, state: MemberState) -> None:
        self.members[(chat_id, user_id)] = state

    def check_can_send(self, chat: ChatInfo) -> None:
        """Raise the 403 Telegram gives when the bot may not write to ``chat``."""
        status = self.member(chat.id, self.bot_id).status
        if chat.migrated_to is not None:
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat", None, chat.migrated_to)
        if chat.type == "private":
            if status == "kicked":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if chat.id not in self.started:  # Telegram's rule: a bot never writes first
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            return
        if status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
        if status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")

    # -- messages ---------------------------------------------------------------------------------------
    def next_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def new_message(self, chat: ChatInfo, sender: JSONDict, **content: Any) -> JSONDict:
        """Create, store and return a message with the next id of ``chat``."""
        message = {
            "message_id": self.next_message_id(chat.id),
            "from": sender,
            "chat": chat.to_json(),
            "date": self.now(),
            **{key: value for key, value in content.items() if value is not None},
        }
        self.messages.setdefault(chat.id, {})[message["message_id"]] = message
        return copy.deepcopy(message)

    def find_message(self, chat_id: int, message_id: Any) -> JSONDict | None:
        try:
            return self.messages.get(chat_id, {}).get(int(message_id))
        except (TypeError, ValueError):
            return None

    def reply_target(self, chat_id: int, message_id: Any) -> JSONDict | None:
        """The replied-to message as nested in ``reply_to_message`` (never itself nested further)."""
        target = self.find_message(chat_id, message_id)
        if target is None:
            return None
        return {key: value for key, value in copy.deepcopy(target).items() if key != "reply_to_message"}

    def thread_fields(self, chat: ChatInfo, thread_id: Any) -> JSONDict:
        """``message_thread_id``/``is_topic_message`` of a message sent to ``thread_id``."""
        if thread_id is None:
            return {}
        thread_id = int(thread_id)
        if chat.is_forum and thread_id != 1 and thread_id not in chat.topics:
            raise bad_request("message thread not found")
        return {"message_thread_id": thread_id, "is_topic_message": True if chat.is_forum else None}

    # -- files ------------------------------------------------------------------------------------------
    def register_file(self, upload: UploadedFile, method: str, chat_id: int) -> UploadedFile:
        upload.file_id = f"BQACAgIAAxkBAAI{self.next_id():06d}"
        upload.method, upload.chat_id = method, chat_id
        self.files.append(upload)
        return upload


def int_param(params: JSONDict, name: str, default: int | None = None) -> int | None:
    value = params.get(name, default)
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f'parameter "{name}" is not an integer') from None


def required(params: JSONDict, name: str) -> Any:
    if params.get(name) in (None, ""):
        raise bad_request(f'parameter "{name}" is required')
    return params[name]


def flag(params: JSONDict, name: str, default: bool = False) -> bool:
    value = params.get(name, default)
    return value if isinstance(value, bool) else str(value).lower() in ("true", "1")
