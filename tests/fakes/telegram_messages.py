"""Message-side Bot API methods of the fake server: send, edit, delete, polls, files, callbacks, commands.

Each handler takes the shared ``BotState`` and the decoded parameters and returns the ``result`` of the
answer, or raises ``ApiError`` with Telegram's own error description.
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
from .telegram_state import BotState, flag, int_param, required
from .telegram_text import EntityParseError, render_text, utf16_len

Handler = Callable[[BotState, JSONDict], Any]

MAX_TEXT, MAX_CAPTION, MAX_POLL_OPTIONS = 4096, 1024, 12
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


def _render(params: JSONDict, key: str, mode_key: str, entities_key: str) -> tuple[str, list[JSONDict]]:
    try:
        return render_text(str(params.get(key) or ""), params.get(mode_key), params.get(entities_key))
    except EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None


def _target(st: BotState, params: JSONDict) -> ChatInfo:
    chat = st.resolve_chat(required(params, "chat_id"))
    st.check_can_send(chat)
    check_reply_markup(params.get("reply_markup"))
    return chat


def _reply_to(st: BotState, chat: ChatInfo, params: JSONDict) -> JSONDict | None:
    reply = params.get("reply_parameters") or {}
    message_id = reply.get("message_id", params.get("reply_to_message_id"))
    if message_id is None or int(reply.get("chat_id", chat.id) or chat.id) != chat.id:
        return None
    target = st.reply_target(chat.id, message_id)
    allow = reply.get("allow_sending_without_reply", params.get("allow_sending_without_reply", False))
    if target is None and not allow:
        raise bad_request("message to be replied not found")
    return target


def _deliver(st: BotState, method: str, params: JSONDict, chat: ChatInfo, **content: Any) -> JSONDict:
    """Store a message sent by the bot into ``chat`` and record the call as sent."""
    thread = st.thread_fields(chat, params.get("message_thread_id"))
    message = st.new_message(
        chat,
        st.bot_user,
        **thread,
        reply_to_message=_reply_to(st, chat, params),
        **content,
        reply_markup=inline_keyboard(params.get("reply_markup")),
        has_protected_content=True if flag(params, "protect_content") else None,
    )
    st.outgoing.append(Call(method, params))
    return message


def send_message(st: BotState, params: JSONDict) -> JSONDict:
    chat = _target(st, params)
    text, entities = _render(params, "text", "parse_mode", "entities")
    if not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return _deliver(
        st,
        "sendMessage",
        params,
        chat,
        text=text,
        entities=entities or None,
        link_preview_options=params.get("link_preview_options"),
    )


def _caption(params: JSONDict) -> JSONDict:
    caption, entities = _render(params, "caption", "parse_mode", "caption_entities")
    if utf16_len(caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return {"caption": caption or None, "caption_entities": entities or None}


def _upload(st: BotState, params: JSONDict, field: str, chat: ChatInfo, method: str) -> UploadedFile:
    value = required(params, field)
    if isinstance(value, UploadedFile):
        return st.register_file(value, method, chat.id, f"{field}s")
    if known := st.find_file(str(value)):
        return known
    if str(value).startswith(("http://", "https://")):
        name = str(value).rstrip("/").rsplit("/", 1)[-1] or "file"
        return st.register_file(UploadedFile(field, name, b"", ""), method, chat.id, f"{field}s")
    raise bad_request("wrong file identifier/HTTP URL specified")


def send_document(st: BotState, params: JSONDict) -> JSONDict:
    chat = _target(st, params)
    caption = _caption(params)
    document = _upload(st, params, "document", chat, "sendDocument")
    return _deliver(st, "sendDocument", params, chat, document=document.document_json(), **caption)


def send_photo(st: BotState, params: JSONDict) -> JSONDict:
    chat = _target(st, params)
    caption = _caption(params)
    photo = _upload(st, params, "photo", chat, "sendPhoto")
    return _deliver(st, "sendPhoto", params, chat, photo=photo.photo_json(), **caption)


def send_poll(st: BotState, params: JSONDict) -> JSONDict:
    chat = _target(st, params)
    question = str(required(params, "question"))
    options = [o.get("text", "") if isinstance(o, dict) else str(o) for o in params.get("options") or []]
    if not 1 <= len(options) <= MAX_POLL_OPTIONS or not all(options):
        raise bad_request("POLL_ANSWERS_INVALID")
    is_quiz = params.get("type") == "quiz"
    number = st.next_id()
    poll = PollState(
        id=str(5_300_000_000_000_000_000 + number),
        chat_id=chat.id,
        message_id=0,
        question=question,
        options=options,
        persistent_ids=[f"{number:x}o{i}" for i in range(len(options))],
        is_anonymous=flag(params, "is_anonymous", True),
        type="quiz" if is_quiz else "regular",
        allows_multiple_answers=flag(params, "allows_multiple_answers"),
        allows_revoting=flag(params, "allows_revoting", not is_quiz),
        members_only=flag(params, "members_only"),
        is_closed=flag(params, "is_closed"),
        explanation=params.get("explanation"),
        correct_option_ids=_correct_options(params),
    )
    message = _deliver(st, "sendPoll", params, chat, poll=poll.to_json())
    poll.message_id = message["message_id"]
    st.polls[poll.id] = poll
    return message


def _correct_options(params: JSONDict) -> list[int]:
    if params.get("correct_option_ids") is not None:
        return [int(i) for i in params["correct_option_ids"]]
    single = int_param(params, "correct_option_id")
    return [] if single is None else [single]


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
    check_reply_markup(params.get("reply_markup"))
    poll.is_closed = True
    sync_poll_message(st, poll)
    if markup := inline_keyboard(params.get("reply_markup")):
        message["reply_markup"] = markup
    st.outgoing.append(Call("stopPoll", params))
    if st.emit_poll_updates:
        st.emit("poll", poll.to_json())
    return poll.to_json()


def _editable(st: BotState, params: JSONDict) -> JSONDict:
    chat = st.resolve_chat(required(params, "chat_id"))
    message = st.find_message(chat.id, required(params, "message_id"))
    if message is None:
        raise bad_request("message to edit not found")
    if message["from"]["id"] != st.bot_id:
        raise bad_request("message can't be edited")
    return message


def _apply_edit(st: BotState, method: str, params: JSONDict, message: JSONDict, changes: JSONDict) -> JSONDict:
    if all(message.get(key) == value for key, value in changes.items()):
        raise bad_request(
            "message is not modified: specified new message content and reply markup are exactly the same as "
            "a current content and reply markup of the message"
        )
    for key, value in changes.items():
        if value is None:
            message.pop(key, None)
        else:
            message[key] = value
    message["edit_date"] = st.now()
    st.outgoing.append(Call(method, params))
    return copy.deepcopy(message)


def edit_message_text(st: BotState, params: JSONDict) -> JSONDict | bool:
    if params.get("inline_message_id"):
        st.outgoing.append(Call("editMessageText", params))
        return True
    message = _editable(st, params)
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    text, entities = _render(params, "text", "parse_mode", "entities")
    if not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    check_reply_markup(params.get("reply_markup"))
    changes = {
        "text": text,
        "entities": entities or None,
        "reply_markup": inline_keyboard(params.get("reply_markup")),
    }
    return _apply_edit(st, "editMessageText", params, message, changes)


def edit_message_reply_markup(st: BotState, params: JSONDict) -> JSONDict | bool:
    if params.get("inline_message_id"):
        st.outgoing.append(Call("editMessageReplyMarkup", params))
        return True
    message = _editable(st, params)
    check_reply_markup(params.get("reply_markup"))
    changes = {"reply_markup": inline_keyboard(params.get("reply_markup"))}
    return _apply_edit(st, "editMessageReplyMarkup", params, message, changes)


def delete_message(st: BotState, params: JSONDict) -> bool:
    chat = st.resolve_chat(required(params, "chat_id"))
    message_id = int_param(params, "message_id")
    if st.messages.get(chat.id, {}).pop(message_id or 0, None) is None:
        raise bad_request("message to delete not found")
    return True


def answer_callback_query(st: BotState, params: JSONDict) -> bool:
    query_id = str(required(params, "callback_query_id"))
    if query_id not in st.pending_callbacks:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    st.pending_callbacks.discard(query_id)
    return True


def _commands_key(params: JSONDict) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")


def set_my_commands(st: BotState, params: JSONDict) -> bool:
    commands = required(params, "commands")
    for command in commands:
        if (
            not _COMMAND_RE.match(str(command.get("command", "")))
            or not 1 <= len(command.get("description", "")) <= 256
        ):
            raise bad_request("BOT_COMMAND_INVALID")
    st.commands[_commands_key(params)] = [{"command": c["command"], "description": c["description"]} for c in commands]
    return True


def get_my_commands(st: BotState, params: JSONDict) -> list[JSONDict]:
    return copy.deepcopy(st.commands.get(_commands_key(params), []))


def delete_my_commands(st: BotState, params: JSONDict) -> bool:
    st.commands.pop(_commands_key(params), None)
    return True


def get_file(st: BotState, params: JSONDict) -> JSONDict:
    upload = st.find_file(str(required(params, "file_id")))
    if upload is None:
        raise bad_request("invalid file_id")
    return upload.file_json()


def send_chat_action(st: BotState, params: JSONDict) -> bool:
    st.check_can_send(st.resolve_chat(required(params, "chat_id")))
    return True


MESSAGE_METHODS: dict[str, Handler] = {
    "sendMessage": send_message,
    "sendDocument": send_document,
    "sendPhoto": send_photo,
    "sendPoll": send_poll,
    "stopPoll": stop_poll,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "answerCallbackQuery": answer_callback_query,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "getFile": get_file,
    "sendChatAction": send_chat_action,
}

__all__ = ["MESSAGE_METHODS", "sync_poll_message"]
