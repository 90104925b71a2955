"""Message-side Bot API methods of the fake server: send, edit, delete, polls, files, callbacks, commands.

Each handler takes the shared ``BotState`` and the decoded parameters and returns the ``result`` of the
answer, or raises ``ApiError`` with Telegram's own error description. Only what magbot calls is here, with
the checks that catch a bot's real mistakes: entity parsing, text and caption lengths, callback data,
poll options, editing a message into itself, answering a callback twice.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

from .telegram_objects import (
    Call,
    ChatInfo,
    JSONDict,
    PollState,
    UploadedFile,
    bad_request,
    check_reply_markup,
    inline_keyboard,
)
from .telegram_state import BotState, flag, required
from .telegram_text import EntityParseError, render_text, utf16_len

Handler = Callable[[BotState, JSONDict], Any]

MAX_TEXT, MAX_CAPTION, MAX_POLL_OPTIONS = 4096, 1024, 12
MAX_QUESTION, MAX_OPTION = 300, 100
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as "
    "a current content and reply markup of the message"
)


def _text(params: JSONDict, key: str, limit: int, too_long: str) -> tuple[str, list[JSONDict]]:
    """What Telegram stores for a text or caption, after entity parsing; its length counted after parsing."""
    try:
        text, entities = render_text(str(params.get(key) or ""), params.get("parse_mode"))
    except EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None
    if utf16_len(text) > limit:
        raise bad_request(too_long)
    return text, entities


def _target(st: BotState, params: JSONDict) -> ChatInfo:
    chat = st.resolve_chat(required(params, "chat_id"))
    st.check_can_send(chat)
    check_reply_markup(params.get("reply_markup"))
    return chat


def _reply_to(st: BotState, chat: ChatInfo, params: JSONDict) -> JSONDict | None:
    reply = params.get("reply_parameters") or {}
    if "message_id" not in reply:
        return None
    target = st.reply_target(chat.id, reply["message_id"])
    if target is None and not reply.get("allow_sending_without_reply", False):
        raise bad_request("message to be replied not found")
    return target


def _deliver(st: BotState, method: str, params: JSONDict, chat: ChatInfo, **content: Any) -> JSONDict:
    """Store a message sent by the bot into ``chat`` and record the call as sent."""
    message = st.new_message(
        chat,
        st.bot_user,
        **st.thread_fields(chat, params.get("message_thread_id")),
        reply_to_message=_reply_to(st, chat, params),
        **content,
        reply_markup=inline_keyboard(params.get("reply_markup")),
        has_protected_content=True if flag(params, "protect_content") else None,
    )
    st.outgoing.append(Call(method, params))
    return message


def send_message(st: BotState, params: JSONDict) -> JSONDict:
    chat = _target(st, params)
    text, entities = _text(params, "text", MAX_TEXT, "message is too long")
    if not text.strip():
        raise bad_request("message text is empty")
    return _deliver(st, "sendMessage", params, chat, text=text, entities=entities or None)


def _send_file(field: str, method: str) -> Handler:
    def send(st: BotState, params: JSONDict) -> JSONDict:
        chat = _target(st, params)
        caption, entities = _text(params, "caption", MAX_CAPTION, "message caption is too long")
        upload = required(params, field)
        if not isinstance(upload, UploadedFile):  # magbot uploads every file it sends
            raise bad_request("wrong file identifier/HTTP URL specified")
        st.register_file(upload, method, chat.id)
        body = upload.document_json() if field == "document" else upload.photo_json()
        return _deliver(st, method, params, chat, **{field: body}, caption=caption or None,
                        caption_entities=entities or None)  # fmt: skip

    return send


def send_poll(st: BotState, params: JSONDict) -> JSONDict:
    chat = _target(st, params)
    question = str(required(params, "question"))
    options = [o.get("text", "") if isinstance(o, dict) else str(o) for o in params.get("options") or []]
    if not 2 <= len(options) <= MAX_POLL_OPTIONS or not all(0 < len(o) <= MAX_OPTION for o in options):
        raise bad_request("POLL_ANSWERS_INVALID")
    if not 0 < len(question) <= MAX_QUESTION:
        raise bad_request("POLL_QUESTION_INVALID")
    poll = PollState(
        id=str(5_300_000_000_000_000_000 + st.next_id()),
        chat_id=chat.id,
        message_id=0,
        question=question,
        options=options,
        is_anonymous=flag(params, "is_anonymous", True),
        allows_multiple_answers=flag(params, "allows_multiple_answers"),
    )
    message = _deliver(st, "sendPoll", params, chat, poll=poll.to_json())
    poll.message_id = message["message_id"]
    st.polls[poll.id] = poll
    return message


def sync_poll_message(st: BotState, poll: PollState) -> None:
    """Keep the stored poll message in step with the poll's votes and state."""
    message = st.find_message(poll.chat_id, poll.message_id)
    if message is not None:
        message["poll"] = poll.to_json()


def stop_poll(st: BotState, params: JSONDict) -> JSONDict:
    chat = st.resolve_chat(required(params, "chat_id"))
    message = st.find_message(chat.id, required(params, "message_id"))
    if message is None or "poll" not in message:
        raise bad_request("message with poll to stop not found")
    poll = st.polls[message["poll"]["id"]]
    if poll.is_closed:
        raise bad_request("poll has already been closed")
    poll.is_closed = True
    sync_poll_message(st, poll)
    st.outgoing.append(Call("stopPoll", params))
    return poll.to_json()


def _editable(st: BotState, params: JSONDict) -> JSONDict:
    chat = st.resolve_chat(required(params, "chat_id"))
    message = st.find_message(chat.id, required(params, "message_id"))
    if message is None:
        raise bad_request("message to edit not found")
    if message["from"]["id"] != st.bot_id:
        raise bad_request("message can't be edited")
    check_reply_markup(params.get("reply_markup"))
    return message


def _apply_edit(st: BotState, method: str, params: JSONDict, message: JSONDict, changes: JSONDict) -> JSONDict:
    if all(message.get(key) == value for key, value in changes.items()):
        raise bad_request(_NOT_MODIFIED)
    for key, value in changes.items():
        if value is None:
            message.pop(key, None)
        else:
            message[key] = value
    message["edit_date"] = st.now()
    st.outgoing.append(Call(method, params))
    return copy.deepcopy(message)


def edit_message_text(st: BotState, params: JSONDict) -> JSONDict:
    message = _editable(st, params)
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    text, entities = _text(params, "text", MAX_TEXT, "message is too long")
    if not text.strip():
        raise bad_request("message text is empty")
    changes = {"text": text, "entities": entities or None, "reply_markup": inline_keyboard(params.get("reply_markup"))}
    return _apply_edit(st, "editMessageText", params, message, changes)


def edit_message_reply_markup(st: BotState, params: JSONDict) -> JSONDict:
    message = _editable(st, params)
    changes = {"reply_markup": inline_keyboard(params.get("reply_markup"))}
    return _apply_edit(st, "editMessageReplyMarkup", params, message, changes)


DELETE_WINDOW = 48 * 3600  # a bot may delete a message in a group only within 48 hours of its sending


def delete_message(st: BotState, params: JSONDict) -> bool:
    chat = st.resolve_chat(required(params, "chat_id"))
    messages, message_id = st.messages.get(chat.id, {}), int(required(params, "message_id"))
    if message_id not in messages:
        raise bad_request("message to delete not found")
    if chat.id < 0 and st.now() - int(messages[message_id].get("date", st.now())) > DELETE_WINDOW:
        raise bad_request("message can't be deleted")
    del messages[message_id]
    return True


def answer_callback_query(st: BotState, params: JSONDict) -> bool:
    query_id = str(required(params, "callback_query_id"))
    if query_id not in st.pending_callbacks:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    if len(str(params.get("text") or "")) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    st.pending_callbacks.discard(query_id)
    return True


def set_my_commands(st: BotState, params: JSONDict) -> bool:
    commands = required(params, "commands")
    for command in commands:
        name, description = str(command.get("command", "")), command.get("description", "")
        if not _COMMAND_RE.match(name) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_INVALID")
    key = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True), str(params.get("language_code") or "")
    st.commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
    return True


MESSAGE_METHODS: dict[str, Handler] = {
    "sendMessage": send_message,
    "sendDocument": _send_file("document", "sendDocument"),
    "sendPhoto": _send_file("photo", "sendPhoto"),
    "sendPoll": send_poll,
    "stopPoll": stop_poll,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "answerCallbackQuery": answer_callback_query,
    "setMyCommands": set_my_commands,
}

__all__ = ["MESSAGE_METHODS", "sync_poll_message"]
