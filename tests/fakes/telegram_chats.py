"""Chat-administration Bot API methods of the fake server: join requests, restrictions, bans, topics, info."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .telegram_objects import PERMISSION_FIELDS, ChatInfo, JSONDict, MemberState, bad_request, compact
from .telegram_state import BotState, flag, int_param, required

Handler = Callable[[BotState, JSONDict], Any]

_GROUPS_ONLY = "method is available for supergroup and channel chats only"
_ADMINS = ("creator", "administrator")
_PRESENT = ("creator", "administrator", "member", "restricted")
# The sending rights are the first ten permission fields.
_SEND_RIGHTS = PERMISSION_FIELDS[: PERMISSION_FIELDS.index("can_add_web_page_previews") + 1]


def _group(st: BotState, params: JSONDict, reason: str = _GROUPS_ONLY) -> ChatInfo:
    chat = st.resolve_chat(required(params, "chat_id"))
    if chat.type == "private":
        raise bad_request(reason)
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
    chat, user_id = _group(st, params, "method is available only for supergroups"), _user_id(params)
    current = _not_admin(st, chat, user_id)
    permissions = dict(required(params, "permissions"))
    if all(permissions.get(name) for name in _SEND_RIGHTS):
        state = MemberState("member" if current.status in _PRESENT else current.status)
    else:
        state = MemberState(
            "restricted",
            until_date=int_param(params, "until_date", 0) or 0,
            permissions=permissions,
            is_member=current.status in _PRESENT,
        )
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


def create_forum_topic(st: BotState, params: JSONDict) -> JSONDict:
    chat = st.resolve_chat(required(params, "chat_id"))
    if chat.type != "supergroup":
        raise bad_request("the chat is not a forum")
    st.check_can_send(chat)
    name = str(required(params, "name"))
    if len(name) > 128:
        raise bad_request("TOPIC_TITLE_INVALID")
    chat.is_forum = True
    icon = compact(
        name=name,
        icon_color=int_param(params, "icon_color", 7322096),
        icon_custom_emoji_id=params.get("icon_custom_emoji_id"),
    )
    thread_id = st.next_message_id(chat.id)
    chat.topics[thread_id] = name
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


def get_chat(st: BotState, params: JSONDict) -> JSONDict:
    return st.resolve_chat(required(params, "chat_id")).full_info_json()


def get_chat_member(st: BotState, params: JSONDict) -> JSONDict:
    chat, user_id = st.resolve_chat(required(params, "chat_id")), _user_id(params)
    return st.member(chat.id, user_id).to_json(st.user(user_id))


def get_chat_administrators(st: BotState, params: JSONDict) -> list[JSONDict]:
    chat = _group(st, params, "there are no administrators in the private chat")
    user_ids = [st.bot_id] + [uid for (cid, uid) in st.members if cid == chat.id and uid != st.bot_id]
    states = [(uid, st.member(chat.id, uid)) for uid in user_ids]
    return [state.to_json(st.user(uid)) for uid, state in states if state.status in _ADMINS]


def pin_chat_message(st: BotState, params: JSONDict) -> bool:
    chat = st.resolve_chat(required(params, "chat_id"))
    if st.find_message(chat.id, required(params, "message_id")) is None:
        raise bad_request("message to pin not found")
    return True


def unpin_chat_message(st: BotState, params: JSONDict) -> bool:
    st.resolve_chat(required(params, "chat_id"))
    return True


def create_chat_invite_link(st: BotState, params: JSONDict) -> JSONDict:
    _group(st, params)
    creates_join_request = flag(params, "creates_join_request")
    if creates_join_request and params.get("member_limit"):
        raise bad_request("can't combine member_limit and creates_join_request")
    link = {
        "invite_link": f"https://t.me/+FakeInvite{st.next_id():08d}",
        "creator": st.bot_user,
        "creates_join_request": creates_join_request,
        "is_primary": False,
        "is_revoked": False,
    }
    return link | compact(
        name=params.get("name"),
        expire_date=params.get("expire_date"),
        member_limit=params.get("member_limit"),
    )


CHAT_METHODS: dict[str, Handler] = {
    "approveChatJoinRequest": approve_chat_join_request,
    "declineChatJoinRequest": decline_chat_join_request,
    "restrictChatMember": restrict_chat_member,
    "banChatMember": ban_chat_member,
    "unbanChatMember": unban_chat_member,
    "createForumTopic": create_forum_topic,
    "deleteForumTopic": delete_forum_topic,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "getChatAdministrators": get_chat_administrators,
    "pinChatMessage": pin_chat_message,
    "unpinChatMessage": unpin_chat_message,
    "createChatInviteLink": create_chat_invite_link,
}

__all__ = ["CHAT_METHODS"]
