"""Chat-administration Bot API methods of the fake server: join requests, restrictions, bans, topics, getChat.

Only what magbot calls, with Telegram's refusals: no such request, an administrator cannot be restricted or
banned, a private chat has no members to manage, a topic needs a forum and a name of at most 128 characters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .telegram_objects import PERMISSION_FIELDS, ChatInfo, JSONDict, MemberState, bad_request
from .telegram_state import BotState, flag, int_param, required

Handler = Callable[[BotState, JSONDict], Any]

_GROUPS_ONLY = "method is available for supergroup and channel chats only"
_ADMINS = ("creator", "administrator")
_PRESENT = ("creator", "administrator", "member", "restricted")
# The sending rights are the first ten permission fields.
_SEND_RIGHTS = PERMISSION_FIELDS[: PERMISSION_FIELDS.index("can_add_web_page_previews") + 1]


def _group(st: BotState, params: JSONDict) -> ChatInfo:
    chat = st.resolve_chat(required(params, "chat_id"))
    if chat.type == "private":
        raise bad_request(_GROUPS_ONLY)
    return chat


def _user_id(params: JSONDict) -> int:
    required(params, "user_id")
    return int_param(params, "user_id") or 0


def _not_admin(st: BotState, chat: ChatInfo, user_id: int) -> MemberState:
    current = st.member(chat.id, user_id)
    if current.status in _ADMINS:
        raise bad_request("user is an administrator of the chat")
    return current


def approve_chat_join_request(st: BotState, params: JSONDict) -> bool:
    chat, user_id = _group(st, params), _user_id(params)
    if (chat.id, user_id) not in st.join_requests:
        present = st.member(chat.id, user_id).status in _PRESENT
        raise bad_request("USER_ALREADY_PARTICIPANT" if present else "HIDE_REQUESTER_MISSING")
    st.join_requests.discard((chat.id, user_id))
    st.set_member(chat.id, user_id, MemberState("member"))
    return True


def decline_chat_join_request(st: BotState, params: JSONDict) -> bool:
    chat, user_id = _group(st, params), _user_id(params)
    if (chat.id, user_id) not in st.join_requests:
        raise bad_request("HIDE_REQUESTER_MISSING")
    st.join_requests.discard((chat.id, user_id))
    return True


def restrict_chat_member(st: BotState, params: JSONDict) -> bool:
    chat, user_id = _group(st, params), _user_id(params)
    current = _not_admin(st, chat, user_id)
    permissions = dict(required(params, "permissions"))
    if all(permissions.get(name) for name in _SEND_RIGHTS):
        state = MemberState("member" if current.status in _PRESENT else current.status)
    else:
        until = int_param(params, "until_date", 0) or 0
        state = MemberState("restricted", until, permissions, is_member=current.status in _PRESENT)
    st.set_member(chat.id, user_id, state)
    return True


def ban_chat_member(st: BotState, params: JSONDict) -> bool:
    chat, user_id = _group(st, params), _user_id(params)
    _not_admin(st, chat, user_id)
    st.set_member(chat.id, user_id, MemberState("kicked", until_date=int_param(params, "until_date", 0) or 0))
    st.join_requests.discard((chat.id, user_id))
    return True


def unban_chat_member(st: BotState, params: JSONDict) -> bool:
    """Like Telegram: without ``only_if_banned`` this also removes a current member from the chat."""
    chat, user_id = _group(st, params), _user_id(params)
    status = _not_admin(st, chat, user_id).status
    if status == "kicked" or (status in _PRESENT and not flag(params, "only_if_banned")):
        st.set_member(chat.id, user_id, MemberState("left"))
    return True


def create_forum_topic(st: BotState, params: JSONDict) -> JSONDict:
    chat = st.resolve_chat(required(params, "chat_id"))
    if chat.type != "supergroup" or not chat.is_forum:
        raise bad_request("the chat is not a forum")
    st.check_can_send(chat)
    name = str(required(params, "name"))
    if len(name) > 128:
        raise bad_request("TOPIC_TITLE_INVALID")
    thread_id = st.next_message_id(chat.id)
    chat.topics[thread_id] = name
    icon = {"name": name, "icon_color": 7322096}
    service = {
        "message_id": thread_id,
        "from": st.bot_user,
        "chat": chat.to_json(),
        "date": st.now(),
        "message_thread_id": thread_id,
        "is_topic_message": True,
        "forum_topic_created": icon,
    }
    st.messages.setdefault(chat.id, {})[thread_id] = service
    return {"message_thread_id": thread_id, **icon}


def delete_forum_topic(st: BotState, params: JSONDict) -> bool:
    """The topic goes, with every message in it."""
    chat = st.resolve_chat(required(params, "chat_id"))
    thread_id = int_param(params, "message_thread_id") or 0
    if chat.topics.pop(thread_id, None) is None:
        raise bad_request("TOPIC_ID_INVALID")
    messages = st.messages.get(chat.id, {})
    for message_id in [m for m, msg in messages.items() if msg.get("message_thread_id") == thread_id]:
        del messages[message_id]
    return True


def get_chat(st: BotState, params: JSONDict) -> JSONDict:
    return st.resolve_chat(required(params, "chat_id")).full_info_json()


def get_chat_member(st: BotState, params: JSONDict) -> JSONDict:
    """A member's status and, for an administrator, his rights (the bot asks about itself)."""
    chat = st.resolve_chat(required(params, "chat_id"))
    user_id = int(required(params, "user_id"))
    return st.member(chat.id, user_id).to_json(st.user(user_id))


CHAT_METHODS: dict[str, Handler] = {
    "getChatMember": get_chat_member,
    "approveChatJoinRequest": approve_chat_join_request,
    "declineChatJoinRequest": decline_chat_join_request,
    "restrictChatMember": restrict_chat_member,
    "banChatMember": ban_chat_member,
    "unbanChatMember": unban_chat_member,
    "createForumTopic": create_forum_topic,
    "deleteForumTopic": delete_forum_topic,
    "getChat": get_chat,
}

__all__ = ["CHAT_METHODS"]
