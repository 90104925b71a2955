"""JSON builders for the fake Telegram Bot API (Bot API 10.0 shapes, as python-telegram-bot 22.8 reads them).

Every builder returns plain ``dict``s exactly as the Bot API server serialises them: optional fields
are omitted rather than sent as ``null``. PTB 22.8 requires some fields the Bot API added recently:
``PollOption.persistent_id``, ``Poll.allows_revoting``, ``Poll.members_only``,
``PollAnswer.option_persistent_ids`` and ``ChatMemberRestricted.can_react_to_messages``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

JSONDict = dict[str, Any]

PERMISSION_FIELDS = (
    "can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos", "can_send_videos",
    "can_send_video_notes", "can_send_voice_notes", "can_send_polls", "can_send_other_messages",
    "can_add_web_page_previews", "can_react_to_messages", "can_change_info", "can_invite_users",
    "can_pin_messages", "can_manage_topics", "can_edit_tag",
)  # fmt: skip
ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
    "can_delete_stories", "can_pin_messages", "can_manage_topics", "can_manage_direct_messages", "can_manage_tags",
)  # fmt: skip


class Call(NamedTuple):
    """One recorded Bot API request: ``(method, params)`` with params decoded to JSON values."""

    method: str
    params: JSONDict


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(
        self, code: int, description: str, retry_after: int | None = None, migrate_to_chat_id: int | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def body(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        if self.migrate_to_chat_id is not None:
            body["parameters"] = {"migrate_to_chat_id": self.migrate_to_chat_id}
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def compact(**fields: Any) -> JSONDict:
    """A JSON object without the ``None`` fields (the Bot API omits absent optional fields)."""
    return {key: value for key, value in fields.items() if value is not None}


def user_json(user_id: int, first_name: str, *, username: str | None = None, is_bot: bool = False) -> JSONDict:
    return compact(id=user_id, is_bot=is_bot, first_name=first_name, username=username)


def bot_me_json(bot_id: int, first_name: str, username: str) -> JSONDict:
    """The ``getMe`` answer: a bot ``User`` with the bot-only capability flags."""
    flags = ("can_read_all_group_messages", "supports_inline_queries", "can_connect_to_business", "has_main_web_app")
    me = user_json(bot_id, first_name, username=username, is_bot=True)
    return {**me, "can_join_groups": True, **dict.fromkeys(flags, False)}


@dataclass
class ChatInfo:
    """A chat as the fake server knows it."""

    id: int
    type: str  # private | group | supergroup
    title: str | None = None
    first_name: str | None = None
    is_forum: bool = False
    topics: dict[int, str] = field(default_factory=dict)  # message_thread_id -> name
    migrated_to: int | None = None  # a basic group upgraded to this supergroup: sends to it are refused

    def to_json(self) -> JSONDict:
        forum = True if self.is_forum else None
        return compact(id=self.id, type=self.type, title=self.title, first_name=self.first_name, is_forum=forum)

    def full_info_json(self) -> JSONDict:
        """``ChatFullInfo`` for ``getChat`` (the bot asks whether a group has topics)."""
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription", "gifts_from_channels")
        info: JSONDict = {**self.to_json(), "accent_color_id": 0, "max_reaction_count": 11}
        info["accepted_gift_types"] = dict.fromkeys(gifts, False)
        if self.type != "private":
            info["permissions"] = permissions_json(dict.fromkeys(PERMISSION_FIELDS, True))
        return info


@dataclass
class UploadedFile:
    """A file received in a multipart upload."""

    field: str
    filename: str
    content: bytes
    content_type: str
    file_id: str = ""
    method: str = ""
    chat_id: int | None = None

    def document_json(self) -> JSONDict:
        return compact(
            file_id=self.file_id,
            file_unique_id=self.file_id[-10:],
            file_name=self.filename,
            mime_type=self.content_type or None,
            file_size=len(self.content),
        )

    def photo_json(self) -> list[JSONDict]:
        width, height = image_size(self.content)
        size = len(self.content)
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_id[-10:],
                "file_size": size,
                "width": width,
                "height": height,
            }
        ]


def image_size(content: bytes) -> tuple[int, int]:
    """Width and height of a PNG (read from its header); 1x1 for anything else."""
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24:
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    return 1, 1


@dataclass
class PollState:
    """A regular poll sent by the bot, with the votes injected so far."""

    id: str
    chat_id: int
    message_id: int
    question: str
    options: list[str]
    is_anonymous: bool = True
    allows_multiple_answers: bool = False
    is_closed: bool = False
    votes: dict[int, list[int]] = field(default_factory=dict)  # user_id -> option ids

    def persistent_id(self, index: int) -> str:
        return f"{self.id[-6:]}o{index}"

    def to_json(self) -> JSONDict:
        counts = [sum(i in chosen for chosen in self.votes.values()) for i in range(len(self.options))]
        options = [
            {"persistent_id": self.persistent_id(i), "text": text, "voter_count": counts[i]}
            for i, text in enumerate(self.options)
        ]
        voters = sum(1 for chosen in self.votes.values() if chosen)
        return {
            **{"id": self.id, "question": self.question, "options": options, "total_voter_count": voters},
            **{"is_closed": self.is_closed, "is_anonymous": self.is_anonymous, "type": "regular"},
            **{"allows_multiple_answers": self.allows_multiple_answers, "allows_revoting": True, "members_only": False},
        }


def permissions_json(permissions: JSONDict) -> JSONDict:
    """A complete ``ChatPermissions`` object (missing flags are ``False``)."""
    return {name: bool(permissions.get(name, False)) for name in PERMISSION_FIELDS}


@dataclass
class MemberState:
    """A user's membership in a chat."""

    status: str = "left"  # creator | administrator | member | restricted | left | kicked
    until_date: int = 0
    permissions: JSONDict = field(default_factory=dict)
    is_member: bool = True  # only meaningful for "restricted"

    def to_json(self, user: JSONDict) -> JSONDict:
        """The ``ChatMember`` object for this status, with every field PTB requires."""
        member: JSONDict = {"status": self.status, "user": user}
        if self.status == "creator":
            member["is_anonymous"] = False
        elif self.status == "administrator":
            member |= {"can_be_edited": False, "is_anonymous": False, **dict.fromkeys(ADMIN_RIGHTS, True)}
            member |= {key: value for key, value in self.permissions.items() if key in ADMIN_RIGHTS}  # rights withheld
        elif self.status == "restricted":
            member |= {"is_member": self.is_member, "until_date": self.until_date}
            member |= permissions_json(self.permissions)
        elif self.status == "kicked":
            member["until_date"] = self.until_date
        return member


def inline_keyboard(markup: Any) -> JSONDict | None:
    """The part of ``reply_markup`` Telegram stores on a message: only inline keyboards are echoed."""
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return {"inline_keyboard": markup["inline_keyboard"]}
    return None


def check_reply_markup(markup: Any) -> None:
    """Reject what Telegram rejects in an inline keyboard: callback data of 0 or more than 64 bytes, a button
    that does nothing."""
    for row in (inline_keyboard(markup) or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
            if "callback_data" not in button and "url" not in button:
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )


def webhook_info_json(url: str, pending: int, allowed_updates: list[str] | None) -> JSONDict:
    info: JSONDict = {"url": url, "has_custom_certificate": False, "pending_update_count": pending}
    if url:
        info |= compact(max_connections=40, allowed_updates=allowed_updates)
    return info
